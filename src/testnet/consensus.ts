/**
 * Just enough of a network-status consensus (dir-spec section 3.4.1) and of a
 * microdescriptor cache to tell whether the private network is ready for
 * clients. Pure: text in, values out.
 *
 * A consensus looks like:
 *
 *     network-status-version 3 microdesc
 *     vote-status consensus
 *     valid-after 2025-11-25 22:50:00
 *     fresh-until 2025-11-25 22:50:10
 *     valid-until 2025-11-25 22:50:20
 *     ...
 *     r relay0 Ws2lmbZ4nHGSh+ToCPQRCCuqLOg 2025-11-25 22:49:58 127.0.0.1 17012 0
 *     m 9i2+HqbWLy0bkXtPVEmH3Ox5NRd1RyWMxnFcB5DsZ8w
 *     s Fast Guard HSDir Running Stable V2Dir Valid
 */

export interface ConsensusSummary {
  validAfter?: Date
  validUntil?: Date
  /** Router nickname -> its flags. */
  routers: Map<string, Set<string>>
}

function parseTime (value: string): Date | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(value.trim())
  return m == null ? undefined : new Date(`${m[1]}T${m[2]}Z`)
}

export function parseConsensus (text: string): ConsensusSummary {
  const summary: ConsensusSummary = { routers: new Map() }
  let current: string | undefined
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ')
    const keyword = space < 0 ? line : line.slice(0, space)
    const rest = space < 0 ? '' : line.slice(space + 1)
    if (keyword === 'valid-after') summary.validAfter = parseTime(rest)
    else if (keyword === 'valid-until') summary.validUntil = parseTime(rest)
    else if (keyword === 'r') {
      current = rest.split(' ')[0]
      summary.routers.set(current, new Set())
    } else if (keyword === 's' && current != null) {
      summary.routers.set(current, new Set(rest.split(' ').filter(f => f !== '')))
    } else if (keyword === 'directory-footer') break
  }
  return summary
}

/** Flags every relay needs before onion services work: guard, HSDir, usable. */
export const REQUIRED_FLAGS = ['Running', 'Valid', 'Guard', 'HSDir'] as const

/**
 * Why this consensus is not (yet) good enough for clients, or undefined when
 * it is live at `now` and lists every one of `nicknames` with REQUIRED_FLAGS.
 */
export function consensusProblem (c: ConsensusSummary, nicknames: string[], now: Date): string | undefined {
  if (c.validAfter == null || c.validUntil == null) return 'no consensus yet'
  if (c.validAfter.getTime() > now.getTime() + 1000) return `consensus is not valid before ${c.validAfter.toISOString()}`
  if (c.validUntil.getTime() <= now.getTime()) return `consensus expired at ${c.validUntil.toISOString()}`
  for (const nick of nicknames) {
    const flags = c.routers.get(nick)
    if (flags == null) return `consensus does not list ${nick}`
    const missing = REQUIRED_FLAGS.filter(f => !flags.has(f))
    if (missing.length > 0) return `consensus lists ${nick} without ${missing.join(', ')}`
  }
  return undefined
}

/** How many microdescriptors a cached-microdescs(.new) file holds. */
export function countMicrodescs (text: string): number {
  let n = 0
  for (const line of text.split('\n')) {
    if (line.startsWith('ntor-onion-key ')) n++
  }
  return n
}
