/**
 * URIs, URI patterns, and which pattern decides for a URI. Pure: no libp2p.
 *
 * ## URIs (topics and procedures)
 *
 * Crossbar's "loose" rule (autobahn `_URI_PAT_LOOSE_NON_EMPTY`,
 * `^([^\s\.#]+\.)*([^\s\.#]+)$`): dotted components, each non-empty, with no
 * whitespace and no `#`. We add two caps Crossbar does not have: at most
 * {@link MAX_URI_BYTES} bytes of UTF-8, and no control characters (C0, DEL,
 * C1), so a URI is always safe to print in a log line or an error message.
 *
 * ## Patterns (realm permissions and history entries)
 *
 * - `exact`: a URI as above; matches that URI only.
 * - `prefix`: any non-empty string prefix of a URI, compared as a string, not
 *   per component, as Crossbar does (its `StringTrie.longest_prefix_value`):
 *   `com.myapp.` matches `com.myapp.x`, and `com.my` matches `com.myapp.x`
 *   too; `a.b` matches `a.bc`. Only the last component may be empty
 *   (`com.myapp.`). The empty prefix is refused: granting everything must be
 *   spelled out per top-level component (Crossbar accepts `""` via `"*"`).
 * - `wildcard`: components that may be empty; an empty component matches any
 *   one component, and the URI must have the same number of components
 *   (`com..create` matches `com.x.create`, not `com.x.y.create`).
 *   Crossbar files a wildcard whose empty component is only the first or the
 *   last (`.b`, `a.`) with the prefix/exact entries, where it can never
 *   match; we match it like any other wildcard.
 *
 * ## Precedence: which permission of one role decides
 *
 * Source: crossbario/crossbar `src/crossbar/router/role.py`,
 * `RouterRoleStaticAuth.authorize`, and its test
 * `src/crossbar/router/test/test_authorize.py` (`TestRouterRoleStaticAuthWild`:
 * `test_exact_before_wildcard`, `test_wildcard_before_prefix`). Exactly one
 * permission decides (its `allow` is the answer; there is no union inside a
 * role), chosen in this order:
 *
 * 1. an `exact` pattern equal to the URI;
 * 2. else the best matching `wildcard` pattern. Crossbar keys wildcards by the
 *    text before their first empty component and tries the longest such text
 *    that is a string prefix of the URI; we rank every matching wildcard the
 *    same way (longest literal text before the first empty component first),
 *    then, where Crossbar would have kept only the last of two entries with
 *    the same key, by more non-empty components, then by file order;
 * 3. else the longest matching `prefix` pattern;
 * 4. else nothing: deny.
 *
 * One deliberate difference: Crossbar looks up the longest string prefix of
 * the URI among exact and prefix entries together, so an `exact` entry
 * `a.b` hides a `prefix` entry `a.` for the URI `a.bc` (it falls back to
 * deny). We consider only entries that match, so `a.` decides there.
 * Across the several roles a peer may hold, the realm takes the union
 * (realm.ts): allowed if any role allows.
 */
import { InvalidUriError } from './errors.js'

/** How a pattern is compared with a URI. */
export type Match = 'exact' | 'prefix' | 'wildcard'

/** The match policies, in the order an error message lists them. */
export const MATCHES: readonly Match[] = ['exact', 'prefix', 'wildcard']

/** The longest URI or pattern, in bytes of UTF-8. */
export const MAX_URI_BYTES = 512

// \s as in JavaScript (Unicode white space), '#', and control characters.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\s#\u0000-\u001f\u007f-\u009f]/u
const encoder = new TextEncoder()

function basicProblem (uri: unknown): string | undefined {
  if (typeof uri !== 'string') {
    return `expected a string, got ${typeof uri}`
  }
  if (uri.length === 0) {
    return 'it is empty; use dotted components such as "com.example.topic"'
  }
  // A UTF-16 length over the cap is over it in UTF-8 too; skip encoding huge strings.
  if (uri.length > MAX_URI_BYTES || encoder.encode(uri).byteLength > MAX_URI_BYTES) {
    return `it is longer than ${MAX_URI_BYTES} bytes of UTF-8; use a shorter URI`
  }
  const bad = FORBIDDEN.exec(uri)
  if (bad != null) {
    return `it contains ${JSON.stringify(bad[0])} at index ${bad.index}; whitespace, '#' and control characters are not allowed`
  }
  return undefined
}

function emptyComponent (uri: string, allowLast: boolean): number {
  const parts = uri.split('.')
  const last = allowLast ? parts.length - 1 : parts.length
  for (let i = 0; i < last; i++) {
    if (parts[i] === '') {
      return i
    }
  }
  return -1
}

/**
 * Why `uri` is not a valid URI (no `match`) or pattern (with `match`), or
 * undefined when it is valid: `exact` is a URI, `prefix` may end in an empty
 * component, `wildcard` may have empty components anywhere. None may be empty.
 */
export function uriProblem (uri: string, match?: Match): string | undefined {
  const basic = basicProblem(uri)
  if (basic != null) {
    return basic
  }
  if (match === undefined || match === 'exact') {
    const empty = emptyComponent(uri, false)
    return empty < 0 ? undefined : `component ${empty} is empty; components are separated by single dots and may not be empty`
  }
  if (match === 'prefix') {
    const empty = emptyComponent(uri, true)
    return empty < 0 ? undefined : `component ${empty} is empty; a prefix may end with a dot but has no other empty component`
  }
  if (match === 'wildcard') {
    return undefined
  }
  return `unknown match ${JSON.stringify(match)}; expected "exact", "prefix" or "wildcard"`
}

/**
 * Checks a concrete URI (a topic or a procedure) and returns it.
 *
 * @throws {InvalidUriError} when it is not a string, empty, over 512 bytes, has
 * whitespace, '#' or control characters, or an empty component
 * (`a..b`, `.a`, `a.`)
 */
export function validateUri (uri: string): string {
  const problem = uriProblem(uri)
  if (problem != null) {
    throw new InvalidUriError(String(uri), problem)
  }
  return uri
}

/** {@link validateUri} as a predicate. */
export function isValidUri (uri: string): boolean {
  return uriProblem(uri) === undefined
}

/**
 * Checks a pattern for the given match policy and returns it (see
 * {@link uriProblem} for what each policy allows).
 *
 * @throws {InvalidUriError}
 */
export function validatePattern (pattern: string, match: Match): string {
  const problem = uriProblem(pattern, match)
  if (problem != null) {
    throw new InvalidUriError(String(pattern), problem)
  }
  return pattern
}

/**
 * Does `pattern`, compared under `match`, cover the concrete `uri`? Both are
 * assumed valid (validate them once, at load and on receipt).
 */
export function matchUri (pattern: string, match: Match, uri: string): boolean {
  switch (match) {
    case 'exact':
      return pattern === uri
    case 'prefix':
      return uri.startsWith(pattern)
    case 'wildcard': {
      const want = pattern.split('.')
      const have = uri.split('.')
      if (want.length !== have.length) {
        return false
      }
      return want.every((part, i) => part === '' || part === have[i])
    }
    default:
      return false
  }
}

/** An entry a {@link UriMatcher} chooses among: a pattern and its match policy. */
export interface UriPattern {
  uri: string
  match: Match
}

/** Chooses, for a URI, the one entry that decides (see the module comment). */
export interface UriMatcher<T extends UriPattern> {
  /** The deciding entry, or undefined when none matches (deny). */
  lookup: (uri: string) => T | undefined
}

interface Ranked<T> { entry: T, literal: number, fixed: number, order: number }

/**
 * Compiles entries into a {@link UriMatcher}: a map for exact patterns, and
 * the wildcard and prefix patterns each sorted best first, so a lookup returns
 * the first that matches. Realms are small (hundreds of entries), so a sorted
 * list is enough; Crossbar uses tries for the same answer.
 */
export function createUriMatcher<T extends UriPattern> (entries: readonly T[]): UriMatcher<T> {
  const exact = new Map<string, T>()
  const wild: Array<Ranked<T>> = []
  const prefix: Array<Ranked<T>> = []
  entries.forEach((entry, order) => {
    if (entry.match === 'exact') {
      if (!exact.has(entry.uri)) {
        exact.set(entry.uri, entry)
      }
    } else if (entry.match === 'wildcard') {
      const parts = entry.uri.split('.')
      const firstEmpty = parts.indexOf('')
      const literal = firstEmpty < 0 ? entry.uri.length : parts.slice(0, firstEmpty).join('.').length
      wild.push({ entry, literal, fixed: parts.filter(p => p !== '').length, order })
    } else {
      prefix.push({ entry, literal: entry.uri.length, fixed: 0, order })
    }
  })
  const best = (a: Ranked<T>, b: Ranked<T>): number => (b.literal - a.literal) || (b.fixed - a.fixed) || (a.order - b.order)
  wild.sort(best)
  prefix.sort(best)
  return {
    lookup (uri: string): T | undefined {
      return exact.get(uri) ??
        wild.find(w => matchUri(w.entry.uri, 'wildcard', uri))?.entry ??
        prefix.find(p => uri.startsWith(p.entry.uri))?.entry
    }
  }
}
