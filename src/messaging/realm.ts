/**
 * The realm: who may do what on which URI, which hubs form the mesh, what the
 * hub retains, and the limits every hub applies. Loaded from a JSON file close
 * to Crossbar's role permissions:
 *
 * ```json
 * { "roles": [
 *     { "name": "github", "peers": ["12D3KooW…"],
 *       "permissions": [ { "uri": "webhook.github.", "match": "prefix", "allow": { "publish": true } } ] } ],
 *   "hubs": [ { "peer": "12D3KooW…", "multiaddr": "/onion3/<56>:7777/p2p/12D3KooW…" } ],
 *   "history": [ { "uri": "webhook.github.", "match": "prefix", "limit": 100, "maxAgeSeconds": 86400 } ],
 *   "limits": { "maxPayloadBytes": 1048576, "maxInflightCallsPerPeer": 64, "callTimeoutMs": 60000 } }
 * ```
 *
 * The schema is zod's; every object is strict, so a typo (`"pubish": true`)
 * is an error rather than a silently missing right. A bad file is one
 * {@link RealmError} naming the file, the field in JS form
 * (`roles[1].permissions[0].match`) and what was expected.
 *
 * Authorization: inside one role, the one best-matching permission decides
 * (uri.ts has the precedence and its source); across the roles that name a
 * peer, the union (allowed if any role allows). Hubs may publish and
 * subscribe anything: they forward, and a publish is judged by its originator.
 */
import { open } from 'node:fs/promises'
import { unwatchFile, watchFile } from 'node:fs'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { isValidOnion3Multiaddr } from '../onion/index.js'
import { RealmError } from './errors.js'
import type { Action } from './errors.js'
import { createUriMatcher, isValidUri, MATCHES, uriProblem } from './uri.js'
import type { Match, UriMatcher } from './uri.js'

export type { Action } from './errors.js'
export type { Match } from './uri.js'

/** What the hub retains for topics that match one history entry. */
export interface HistoryPolicy { limit?: number, maxBytes: number, maxAgeSeconds?: number }
/** Another hub of this realm, to peer with. */
export interface HubPeer { peer: string, multiaddr: string }
/** Limits every hub of the realm applies. */
export interface RealmLimits { maxPayloadBytes: number, maxInflightCallsPerPeer: number, callTimeoutMs: number }

export interface Realm {
  /** The file it was loaded from, when it was. */
  readonly source?: string
  readonly hubs: HubPeer[]
  readonly limits: RealmLimits
  /** Named by a role, or a hub. */
  knows: (peer: string) => boolean
  isHub: (peer: string) => boolean
  /** The names of the roles that list this peer, in file order. */
  rolesOf: (peer: string) => string[]
  /**
   * Whether `peer` may do `action` on the concrete `uri`. False for a URI
   * that is not valid (validate it yourself to report why).
   */
  may: (peer: string, action: Action, uri: string) => boolean
  /** The retention for a topic (same precedence as permissions), or undefined: keep nothing. */
  historyPolicy: (topic: string) => HistoryPolicy | undefined
  /** Every peer the realm names, roles and hubs, each once. */
  peers: () => string[]
}

/** A realm file larger than this is refused before it is parsed. */
export const MAX_REALM_FILE_BYTES = 1024 * 1024
/** The largest payload a realm may allow. */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024
export const DEFAULT_LIMITS: Readonly<RealmLimits> = Object.freeze({
  maxPayloadBytes: 1024 * 1024,
  maxInflightCallsPerPeer: 64,
  callTimeoutMs: 60_000
})
/** Retention bounds: `limit` at most, `maxBytes` at most and its default. */
export const MAX_HISTORY_LIMIT = 100_000
export const MAX_HISTORY_BYTES = 1024 * 1024 * 1024
export const DEFAULT_HISTORY_BYTES = 16 * 1024 * 1024
/** Ten years: a bound, so a typo of extra digits is caught. */
export const MAX_HISTORY_AGE_SECONDS = 10 * 366 * 24 * 3600
/** The default interval at which {@link watchRealm} polls the file. */
export const DEFAULT_REALM_POLL_MS = 250

const ACTIONS = ['publish', 'subscribe', 'call', 'register'] as const

function orList (items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`
}

/** z.strictObject whose unknown-key error lists the keys it knows. */
function strict<T extends z.ZodRawShape> (shape: T): z.ZodObject<T, z.core.$strict> {
  const known = orList(Object.keys(shape).map(k => JSON.stringify(k)))
  return z.strictObject(shape, {
    error: (iss) => iss.code === 'unrecognized_keys' ? `unknown key; expected only ${known}` : undefined
  })
}

/** A PeerId string, normalized to its canonical form. */
const peerIdString = z.string().transform((text, ctx) => {
  try {
    return peerIdFromString(text).toString()
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected a PeerId such as "12D3KooW…" (p2p-tor id prints yours)' })
    return z.NEVER
  }
})

const matchSchema = z.enum(MATCHES as [Match, ...Match[]]).default('exact')

/** Checks `uri` against its `match`, as a refinement of an object holding both. */
function patternCheck (entry: { uri: string, match: Match }, ctx: z.core.$RefinementCtx): void {
  const problem = uriProblem(entry.uri, entry.match)
  if (problem != null) {
    ctx.addIssue({ code: 'custom', path: ['uri'], message: `expected ${entry.match === 'exact' ? 'an' : 'a'} ${entry.match} pattern, but ${problem}` })
  }
}

const permissionSchema = strict({
  uri: z.string(),
  match: matchSchema,
  allow: strict({
    publish: z.boolean().default(false),
    subscribe: z.boolean().default(false),
    call: z.boolean().default(false),
    register: z.boolean().default(false)
  }).default({ publish: false, subscribe: false, call: false, register: false })
}).superRefine(patternCheck)

const roleSchema = strict({
  name: z.string().min(1).max(128),
  peers: z.array(peerIdString),
  permissions: z.array(permissionSchema).default([])
})

const hubSchema = strict({
  peer: peerIdString,
  multiaddr: z.string()
}).superRefine((hub, ctx) => {
  const fail = (message: string): void => { ctx.addIssue({ code: 'custom', path: ['multiaddr'], message }) }
  let ma
  try {
    ma = multiaddr(hub.multiaddr)
  } catch {
    fail('expected a multiaddr such as "/onion3/<56 characters>:7777/p2p/12D3KooW…"')
    return
  }
  const p2p = ma.getComponents().find(c => c.name === 'p2p')?.value
  if (!isValidOnion3Multiaddr(ma) || p2p == null) {
    fail('expected an /onion3/<56 characters>:<port>/p2p/<peer> address with a valid onion id and port')
    return
  }
  let named: string
  try {
    named = peerIdFromString(p2p).toString()
  } catch {
    fail('expected a PeerId after /p2p/')
    return
  }
  if (named !== hub.peer) {
    fail(`its /p2p/ part is ${named}, but "peer" is ${hub.peer}; they must name the same hub`)
  }
})

const historySchema = strict({
  uri: z.string(),
  match: matchSchema,
  limit: z.number().int().min(1).max(MAX_HISTORY_LIMIT).optional(),
  maxBytes: z.number().int().min(1).max(MAX_HISTORY_BYTES).default(DEFAULT_HISTORY_BYTES),
  maxAgeSeconds: z.number().int().min(1).max(MAX_HISTORY_AGE_SECONDS).optional()
}).superRefine((entry, ctx) => {
  patternCheck(entry, ctx)
  if (entry.limit == null && entry.maxAgeSeconds == null) {
    ctx.addIssue({ code: 'custom', message: 'expected "limit" or "maxAgeSeconds" (or both), so the history is bounded' })
  }
})

const limitsSchema = strict({
  maxPayloadBytes: z.number().int().min(1).max(MAX_PAYLOAD_BYTES).default(DEFAULT_LIMITS.maxPayloadBytes),
  maxInflightCallsPerPeer: z.number().int().min(1).max(100_000).default(DEFAULT_LIMITS.maxInflightCallsPerPeer),
  callTimeoutMs: z.number().int().min(1).max(24 * 3600 * 1000).default(DEFAULT_LIMITS.callTimeoutMs)
})

const realmSchema = strict({
  roles: z.array(roleSchema),
  hubs: z.array(hubSchema).default([]),
  history: z.array(historySchema).default([]),
  limits: limitsSchema.default({ ...DEFAULT_LIMITS })
}).superRefine((realm, ctx) => {
  const firstAt = <T>(items: T[], key: (item: T) => string, report: (i: number, first: number) => void): void => {
    const seen = new Map<string, number>()
    items.forEach((item, i) => {
      const k = key(item)
      const first = seen.get(k)
      if (first == null) {
        seen.set(k, i)
      } else {
        report(i, first)
      }
    })
  }
  firstAt(realm.roles, r => r.name, (i, first) => {
    ctx.addIssue({ code: 'custom', path: ['roles', i, 'name'], message: `expected a unique role name; roles[${first}] has the same name` })
  })
  realm.roles.forEach((role, r) => {
    firstAt(role.permissions, p => `${p.match} ${p.uri}`, (i, first) => {
      ctx.addIssue({ code: 'custom', path: ['roles', r, 'permissions', i, 'uri'], message: `expected one permission per uri and match; permissions[${first}] has the same` })
    })
  })
  firstAt(realm.hubs, h => h.peer, (i, first) => {
    ctx.addIssue({ code: 'custom', path: ['hubs', i, 'peer'], message: `expected each hub once; hubs[${first}] is the same peer` })
  })
  firstAt(realm.history, h => `${h.match} ${h.uri}`, (i, first) => {
    ctx.addIssue({ code: 'custom', path: ['history', i, 'uri'], message: `expected one history entry per uri and match; history[${first}] has the same` })
  })
})

type RealmFile = z.output<typeof realmSchema>
type Permission = z.output<typeof permissionSchema>
type HistoryEntry = z.output<typeof historySchema>

/** `roles[1].permissions[0].match`, as you would write it in JavaScript. */
function formatPath (path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') {
      out += `[${key}]`
    } else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) {
      out += out === '' ? key : `.${key}`
    } else {
      out += `[${JSON.stringify(String(key))}]`
    }
  }
  return out
}

function valueAt (root: unknown, path: readonly PropertyKey[]): unknown {
  let value: any = root
  for (const key of path) {
    if (value == null || typeof value !== 'object') {
      return undefined
    }
    value = value[key]
  }
  return value
}

function describe (value: unknown): string {
  if (value === null) {
    return 'null'
  }
  if (Array.isArray(value)) {
    return 'an array'
  }
  if (typeof value === 'object') {
    return 'an object'
  }
  if (typeof value === 'string' && value.length > 160) {
    return `${JSON.stringify(value.slice(0, 157))}...`
  }
  return JSON.stringify(value) ?? String(value)
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object'
}

/** One line for one zod issue: what was expected, and what the file has. */
function explain (issue: z.core.$ZodIssue, input: unknown): { path: PropertyKey[], text: string } {
  const path = [...issue.path]
  const value = valueAt(input, path)
  const got = value === undefined ? 'it is missing' : `got ${describe(value)}`
  switch (issue.code) {
    case 'invalid_type':
      return { path, text: `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, ${got}` }
    case 'invalid_value':
      return { path, text: `expected ${orList(issue.values.map(v => JSON.stringify(v)))}, ${got}` }
    case 'unrecognized_keys':
      return { path: [...path, issue.keys[0]], text: issue.message }
    case 'too_big':
      return { path, text: `expected at most ${String(issue.maximum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''}, ${got}` }
    case 'too_small':
      return { path, text: `expected at least ${String(issue.minimum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''}, ${got}` }
    default:
      return { path, text: value === undefined || typeof value === 'object' ? issue.message : `${issue.message}, got ${describe(value)}` }
  }
}

class StaticRealm implements Realm {
  readonly source?: string
  readonly hubs: HubPeer[]
  readonly limits: RealmLimits
  private readonly roles: Array<{ name: string, matcher: UriMatcher<Permission> }>
  private readonly byPeer = new Map<string, number[]>()
  private readonly hubSet: Set<string>
  private readonly history: UriMatcher<HistoryEntry>

  constructor (file: RealmFile, source?: string) {
    this.source = source
    this.hubs = Object.freeze(file.hubs.map(h => Object.freeze({ peer: h.peer, multiaddr: h.multiaddr }))) as HubPeer[]
    this.limits = Object.freeze({ ...file.limits })
    this.hubSet = new Set(file.hubs.map(h => h.peer))
    this.roles = file.roles.map((role, i) => {
      for (const peer of new Set(role.peers)) {
        const list = this.byPeer.get(peer) ?? []
        list.push(i)
        this.byPeer.set(peer, list)
      }
      return { name: role.name, matcher: createUriMatcher(role.permissions) }
    })
    this.history = createUriMatcher(file.history)
  }

  knows (peer: string): boolean {
    return this.byPeer.has(peer) || this.hubSet.has(peer)
  }

  isHub (peer: string): boolean {
    return this.hubSet.has(peer)
  }

  rolesOf (peer: string): string[] {
    return (this.byPeer.get(peer) ?? []).map(i => this.roles[i].name)
  }

  may (peer: string, action: Action, uri: string): boolean {
    if (!ACTIONS.includes(action) || !isValidUri(uri)) {
      return false
    }
    if (this.hubSet.has(peer) && (action === 'publish' || action === 'subscribe')) {
      return true
    }
    return (this.byPeer.get(peer) ?? []).some(i => this.roles[i].matcher.lookup(uri)?.allow[action] === true)
  }

  historyPolicy (topic: string): HistoryPolicy | undefined {
    if (!isValidUri(topic)) {
      return undefined
    }
    const entry = this.history.lookup(topic)
    if (entry == null) {
      return undefined
    }
    const policy: HistoryPolicy = { maxBytes: entry.maxBytes }
    if (entry.limit != null) {
      policy.limit = entry.limit
    }
    if (entry.maxAgeSeconds != null) {
      policy.maxAgeSeconds = entry.maxAgeSeconds
    }
    return policy
  }

  peers (): string[] {
    return [...new Set([...this.byPeer.keys(), ...this.hubSet])]
  }
}

/**
 * Validates a parsed realm file and returns the realm.
 *
 * @param source - the file name to put in front of error messages
 * @throws {RealmError} naming the first problem's field, e.g.
 * `realm.json: roles[1].permissions[0].match: expected "exact", "prefix" or "wildcard", got "glob"`
 */
export function parseRealm (json: unknown, source?: string): Realm {
  const result = realmSchema.safeParse(json)
  if (!result.success) {
    const issues = result.error.issues
    const { path, text } = explain(issues[0], json)
    const field = formatPath(path)
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more ${issues.length === 2 ? 'problem' : 'problems'})` : ''
    const where = field === '' ? 'the top level' : field
    throw new RealmError(`${source ?? 'realm'}: ${where}: ${text}${more}`, { source, field })
  }
  return new StaticRealm(result.data, source)
}

/** Where a JSON syntax error is, as line:column, when V8 reports its position. */
function jsonPosition (text: string, message: string): string {
  const match = /at position (\d+)/.exec(message)
  if (match == null) {
    // V8 (Node 20) names no position for an unexpected token; its message
    // quotes the text around it instead, which we pass on.
    return ''
  }
  const offset = Number(match[1])
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const column = offset - before.lastIndexOf('\n')
  return ` at line ${line}, column ${column} (position ${offset})`
}

/**
 * Reads, parses and validates a realm file. Refuses a file over 1 MiB before
 * parsing it.
 *
 * @throws {RealmError} for a missing or unreadable file, one too big, text that
 * is not UTF-8 or not JSON (with the position), or a schema failure
 */
export async function loadRealm (file: string): Promise<Realm> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch (err: any) {
    if (err?.code === 'ENOENT') {
      throw new RealmError(`${file}: no such file; create it with at least {"roles": [{"name": "...", "peers": ["12D3KooW..."], "permissions": [...]}]} (docs/messaging.md has an example)`, { source: file }, { cause: err })
    }
    throw new RealmError(`${file}: cannot open it (${String(err?.code ?? err?.message)}); check the path and its permissions`, { source: file }, { cause: err })
  }
  let bytes: Uint8Array
  try {
    const stats = await handle.stat()
    if (!stats.isFile()) {
      throw new RealmError(`${file}: not a regular file; pass the path of the realm JSON file`, { source: file })
    }
    if (stats.size > MAX_REALM_FILE_BYTES) {
      throw new RealmError(`${file}: ${stats.size} bytes is more than the ${MAX_REALM_FILE_BYTES} a realm file may have; split it or remove unused roles`, { source: file })
    }
    // Read at most one byte past the cap: the file may grow after stat().
    const buffer = Buffer.alloc(MAX_REALM_FILE_BYTES + 1)
    let length = 0
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length)
      if (bytesRead === 0) {
        break
      }
      length += bytesRead
    }
    if (length > MAX_REALM_FILE_BYTES) {
      throw new RealmError(`${file}: more than the ${MAX_REALM_FILE_BYTES} bytes a realm file may have; split it or remove unused roles`, { source: file })
    }
    bytes = buffer.subarray(0, length)
  } catch (err: any) {
    if (err instanceof RealmError) {
      throw err
    }
    throw new RealmError(`${file}: cannot read it (${String(err?.code ?? err?.message)}); check the path and its permissions`, { source: file }, { cause: err })
  } finally {
    await handle.close()
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch (err) {
    throw new RealmError(`${file}: not UTF-8 text; save it as UTF-8 JSON`, { source: file }, { cause: err })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err: any) {
    const message = String(err?.message)
    throw new RealmError(`${file}: not valid JSON${jsonPosition(text, message)}: ${message}`, { source: file }, { cause: err })
  }
  return parseRealm(json, file)
}

export interface WatchRealmOptions {
  /** Aborting stops the watch and removes every listener. */
  signal: AbortSignal
  /** A reload succeeded (on SIGHUP, or after the file changed). */
  onChange: (realm: Realm) => void
  /** A reload failed; the caller keeps the realm it has. */
  onError: (err: RealmError) => void
  /**
   * How often to stat the file. Polling (fs.watchFile) rather than fs.watch,
   * because an editor that saves by writing a new file and renaming it over
   * the old one replaces the inode fs.watch was watching; a stat of the path
   * sees the new file.
   *
   * @default 250
   */
  pollMs?: number
}

/**
 * Reloads the realm file on SIGHUP and whenever it changes, and reports each
 * result. Reloads never overlap: one that is asked for while another runs
 * happens after it. Nothing is reported after the signal aborts.
 */
export function watchRealm (file: string, opts: WatchRealmOptions): void {
  const { signal, onChange, onError } = opts
  const pollMs = opts.pollMs ?? DEFAULT_REALM_POLL_MS
  if (signal.aborted) {
    return
  }
  let running = false
  let again = false

  const reload = (): void => {
    if (signal.aborted) {
      return
    }
    if (running) {
      again = true
      return
    }
    running = true
    loadRealm(file).then(realm => {
      if (!signal.aborted) {
        onChange(realm)
      }
    }, (err: unknown) => {
      if (!signal.aborted) {
        onError(err instanceof RealmError ? err : new RealmError(`${file}: reload failed: ${String((err as any)?.message)}`, { source: file }, { cause: err }))
      }
    }).finally(() => {
      running = false
      if (again) {
        again = false
        reload()
      }
    })
  }

  // libuv's fs poll calls back only when the stat differs (mtime, ctime, size,
  // inode, mode, ...; not atime), so every call is a change worth a reload; a
  // deleted file calls back with zeroed stats, and the reload reports it missing.
  const onStat = (): void => { reload() }
  const onHangup = (): void => { reload() }

  // persistent: false, so the watch alone never keeps a process alive.
  watchFile(file, { interval: pollMs, persistent: false }, onStat)
  process.on('SIGHUP', onHangup)
  signal.addEventListener('abort', () => {
    unwatchFile(file, onStat)
    process.off('SIGHUP', onHangup)
  }, { once: true })
}
