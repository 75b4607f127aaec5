/**
 * `DEBUG=p2p-tor*` as an alias of p2p-tor's log namespaces, which are
 * `libp2p:tor:*` (so that `DEBUG=libp2p:*` shows them beside libp2p's own).
 */

const PREFIX = 'p2p-tor'
const NAMESPACE = 'libp2p:tor'

/**
 * The DEBUG value with every `p2p-tor…` pattern (also `-p2p-tor…`) rewritten
 * to `libp2p:tor…`; undefined when there is nothing to rewrite.
 */
export function aliasDebugNamespaces (value: string | undefined): string | undefined {
  if (value == null || !value.includes(PREFIX)) return undefined
  const patterns = value.split(/[\s,]+/).filter(p => p !== '')
  return patterns.map(p => {
    const negated = p.startsWith('-')
    const name = negated ? p.slice(1) : p
    return name.startsWith(PREFIX) ? `${negated ? '-' : ''}${NAMESPACE}${name.slice(PREFIX.length)}` : p
  }).join(',')
}
