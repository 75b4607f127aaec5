/**
 * Parsers for the asynchronous events p2p-tor listens to. No I/O.
 * Each takes the text of a 650 line, with or without its "650 " prefix.
 */
import { ControlProtocolError } from './errors.js'
import { keyValues, tokenize } from './quote.js'

export interface HsDescEvent {
  /** UPLOAD, UPLOADED, FAILED, REQUESTED, RECEIVED, CREATED, IGNORE, or a newer one. */
  action: string
  /** The onion service id (no '.onion'), or UNKNOWN. */
  address: string
  authType: string
  /** The HSDir as $FINGERPRINT~nickname, a fingerprint, or UNKNOWN. */
  hsDir: string
  /** v3: the blinded key (base64), v2: the descriptor id (base32). */
  descriptorId?: string
  /** Set on FAILED: BAD_DESC, QUERY_REJECTED, UPLOAD_REJECTED, NOT_FOUND, UNEXPECTED, QUERY_NO_HSDIR, ... */
  reason?: string
  /** Every KEY=value argument (REASON, REPLICA, HSDIR_INDEX, ...). */
  args: Record<string, string>
  raw: string
}

export interface BootstrapStatus {
  /** 0..100 */
  progress: number
  /** e.g. 'conn', 'handshake_done', 'done' (control-spec 5.5). */
  tag: string
  /** Human-readable description of the next step. */
  summary: string
  /** Set on WARN BOOTSTRAP: why bootstrapping is having trouble. */
  warning?: string
  /** Set on WARN BOOTSTRAP: a stable reason keyword, e.g. CONNECTREFUSED. */
  reason?: string
  /** Set on the reminders of a tor we launched (launchTor): milliseconds since it started. */
  elapsedMs?: number
}

export interface StatusClientEvent {
  /** NOTICE, WARN or ERR. */
  severity: string
  /** BOOTSTRAP, CIRCUIT_ESTABLISHED, ENOUGH_DIR_INFO, ... */
  action: string
  args: Record<string, string>
  raw: string
  /** Set when action is BOOTSTRAP. */
  bootstrap?: BootstrapStatus
}

const ASYNC_PREFIX = /^650[ -]/
// A descriptor id is at least 32 characters; KEY=value arguments have short upper-case keys.
const KV_ARGUMENT = /^[A-Z][A-Z0-9_]{0,30}=/

function notThe (event: string, text: string): ControlProtocolError {
  return new ControlProtocolError(`expected a ${event} event, got ${JSON.stringify(text.slice(0, 40))}`)
}

/**
 * `650 HS_DESC <Action> <HSAddress> <AuthType> <HsDir> [DescriptorID] [REASON=..] [REPLICA=..] [HSDIR_INDEX=..]`
 * (control-spec 4.1.25), e.g.
 * `650 HS_DESC UPLOADED e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd UNKNOWN $F2B9...~relay1`
 */
export function parseHsDescEvent (line: string): HsDescEvent {
  const text = line.replace(ASYNC_PREFIX, '')
  const words = text.split(' ').filter(w => w.length > 0)
  if (words.shift() !== 'HS_DESC') throw notThe('HS_DESC', text)
  if (words.length < 4) throw new ControlProtocolError(`HS_DESC event has ${words.length} of its 4 required fields`)
  const [action, address, authType, hsDir, ...rest] = words
  const descriptorId = rest.length > 0 && !KV_ARGUMENT.test(rest[0]) ? rest.shift() : undefined
  const args = keyValues(tokenize(rest.join(' ')))
  return { action, address, authType, hsDir, descriptorId, reason: args.REASON, args, raw: line }
}

function parseBootstrapArgs (args: Record<string, string>): BootstrapStatus {
  const progressText = args.PROGRESS
  if (progressText == null || !/^[0-9]{1,3}$/.test(progressText) || Number(progressText) > 100) {
    throw new ControlProtocolError(`BOOTSTRAP has no valid PROGRESS (got ${JSON.stringify(progressText ?? null)})`)
  }
  const status: BootstrapStatus = { progress: Number(progressText), tag: args.TAG ?? '', summary: args.SUMMARY ?? '' }
  if (args.WARNING != null) status.warning = args.WARNING
  if (args.REASON != null) status.reason = args.REASON
  return status
}

/** `<Severity> <Action> [KEY=value ...]`, where values may be quoted strings holding spaces. */
function parseStatus (text: string, what: string): { severity: string, action: string, args: Record<string, string> } {
  const m = /^ *(\S+) +(\S+)(?: (.*))?$/.exec(text)
  if (m == null) throw new ControlProtocolError(`${what} needs a severity and an action`)
  return { severity: m[1], action: m[2], args: keyValues(tokenize(m[3] ?? '')) }
}

/**
 * `650 STATUS_CLIENT <Severity> <Action> [KEY=value ...]` (control-spec 4.1.10), e.g.
 * `650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=5 TAG=conn SUMMARY="Connecting to a relay"`
 */
export function parseStatusClientEvent (line: string): StatusClientEvent {
  const text = line.replace(ASYNC_PREFIX, '')
  if (!text.startsWith('STATUS_CLIENT ')) throw notThe('STATUS_CLIENT', text)
  const { severity, action, args } = parseStatus(text.slice('STATUS_CLIENT '.length), 'STATUS_CLIENT')
  const event: StatusClientEvent = { severity, action, args, raw: line }
  if (action === 'BOOTSTRAP') event.bootstrap = parseBootstrapArgs(args)
  return event
}

/**
 * The value of `GETINFO status/bootstrap-phase`, e.g.
 * `NOTICE BOOTSTRAP PROGRESS=0 TAG=starting SUMMARY="Starting"`.
 */
export function parseBootstrapPhase (value: string): BootstrapStatus {
  const { action, args } = parseStatus(value, 'status/bootstrap-phase')
  if (action !== 'BOOTSTRAP') throw new ControlProtocolError(`status/bootstrap-phase is not a BOOTSTRAP status: ${JSON.stringify(value.slice(0, 40))}`)
  return parseBootstrapArgs(args)
}
