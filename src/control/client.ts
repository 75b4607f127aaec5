/**
 * The Tor control-port client: thin socket glue around the pure parser and
 * command builders, with one FIFO of pending commands.
 *
 * The Tor control protocol has no well-kept JavaScript library, so this is
 * written by hand from torspec's control-spec, with stem, txtorcon and torut
 * as references for the behaviour (not the code).
 *
 * - Commands are written at once and answered in order: one FIFO of pending
 *   commands. Asynchronous 650 replies are routed to events instead.
 * - When the socket closes, every pending command rejects with
 *   ControlConnectionClosedError naming its verb, and 'close' is emitted.
 * - Every command has a deadline (`commandTimeoutMs`, 30 s unless the call
 *   gives `timeoutMs`) and takes an AbortSignal. A command that times out
 *   (ControlTimeoutError) or is aborted (the signal's reason) DROPS the
 *   connection, as txtorcon fails every pending command when its connection
 *   drops: tor answers in order, so its late reply to the abandoned command
 *   would otherwise be taken for the next command's reply in the FIFO. Every
 *   other pending command then fails with ControlConnectionClosedError.
 * - A reply larger than maxReplyBytes, or a malformed one, destroys the
 *   connection.
 * - Only command verbs and status codes are logged: never lines, keys,
 *   passwords, cookies or onion ids.
 */
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { AbortError, InvalidParametersError } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { authenticateWith, type AuthMethod, type AuthOptions } from './auth.js'
import {
  buildAddOnion, buildDelOnion, buildGetInfo, buildHsPost, buildLoadConf, buildOnionClientAuthAdd, buildOnionClientAuthRemove, buildProtocolInfo,
  buildResetConf, buildSetConf, buildSetEvents, buildSignal, buildTakeOwnership,
  type AddOnionOptions, type ControlCommand, type HsPostOptions, type OnionClientAuthAddOptions, type SignalName
} from './commands.js'
import { formatControlEndpoint, parseControlEndpoint, type ControlEndpoint } from './endpoint.js'
import { openControlSocket, type ConnectOptions } from './connect.js'
import { ControlConnectionClosedError, ControlProtocolError, ControlReplyError, ControlTimeoutError, InvalidControlArgumentError } from './errors.js'
import { parseHsDescEvent, parseStatusClientEvent, type BootstrapStatus, type HsDescEvent, type StatusClientEvent } from './events.js'
import { ReplyParser, type ControlReply } from './parser.js'
import { Subscriptions, type TypedControlEvents, type Unsubscribe } from './subscriptions.js'
import { assertEncodedCmdData, assertNoLineBreaks } from './quote.js'
import { parseAddOnionReply, parseGetInfoReply, parseProtocolInfo, type ProtocolInfo } from './replies.js'
import { waitForBootstrap, type WaitForBootstrapOptions } from './bootstrap.js'

const log = logger('libp2p:tor:control')

const CLOSE_GRACE_MS = 2_000

/**
 * How long a command may wait for its reply unless told otherwise. tor
 * answers in milliseconds, even while bootstrapping; 30 s leaves room for an
 * overloaded machine and still ends a hang.
 */
export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000

export type { ConnectOptions, TypedControlEvents, Unsubscribe }

/** Per-call options of every command. */
export interface CommandOptions {
  /** Aborting rejects with the signal's reason and drops the connection. */
  signal?: AbortSignal
  /** This command's deadline; `Infinity` for none. @default the client's commandTimeoutMs (30000) */
  timeoutMs?: number
}

function checkTimeout (name: string, ms: number): number {
  if (typeof ms !== 'number' || !(ms > 0)) {
    throw new InvalidParametersError(`${name} must be a positive number of milliseconds (or Infinity), got ${String(ms)}`)
  }
  return ms
}

export interface AddOnionResult {
  serviceId: string
  /** 'ED25519-V3:<base64>', only for a NEW key without DiscardPK. */
  privateKey?: string
}

export interface ControlClientEvents {
  hs_desc: [HsDescEvent]
  status_client: [StatusClientEvent]
  /** Every asynchronous (650) reply. */
  event: [ControlReply]
  close: [Error | undefined]
}

interface Pending {
  cmd: ControlCommand
  resolve: (reply: ControlReply) => void
  reject: (err: Error) => void
}

/** The reason an aborted command rejects with: the signal's, or an AbortError naming the verb. */
function abortReason (signal: AbortSignal, verb: string): Error {
  return signal.reason instanceof Error ? signal.reason : new AbortError(`${verb} was aborted`)
}

function redact (text: string, secrets: string[]): string {
  return secrets.reduce((t, s) => t.split(s).join('[redacted]'), text)
}

export class ControlClient extends EventEmitter<ControlClientEvents> {
  readonly endpoint: ControlEndpoint
  private readonly socket: Socket
  private readonly parser: ReplyParser
  private readonly queue: Pending[] = []
  private readonly closedPromise: Promise<void>
  private readonly commandTimeoutMs: number
  /** Whether any reply arrived yet: a silent endpoint may not be tor at all. */
  private answered = false
  private failure?: Error
  private isClosed = false
  private protocolInfoPromise?: Promise<ProtocolInfo>
  /** Who holds which event: SETEVENTS is sent with their union. */
  private readonly subscriptions = new Subscriptions(async (events) => { await this.request(buildSetEvents(events)) }, () => this.isClosed)

  /**
   * Connects to Tor's control port: 'host:port', '[::1]:port', 'port',
   * 'unix:/path' or a ControlEndpoint. Throws ControlUnreachableError.
   */
  static async connect (endpoint: ControlEndpoint | string, opts: ConnectOptions = {}): Promise<ControlClient> {
    if (opts.commandTimeoutMs != null) checkTimeout('commandTimeoutMs', opts.commandTimeoutMs)
    const ep = typeof endpoint === 'string' ? parseControlEndpoint(endpoint) : endpoint
    const name = formatControlEndpoint(ep)
    const socket = await openControlSocket(ep, name, opts)
    if (ep.type === 'tcp') socket.setNoDelay(true)
    log('connected to %s', name)
    return new ControlClient(socket, ep, opts.maxReplyBytes, opts.commandTimeoutMs)
  }

  private constructor (socket: Socket, endpoint: ControlEndpoint, maxReplyBytes?: number, commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS) {
    super()
    this.commandTimeoutMs = checkTimeout('commandTimeoutMs', commandTimeoutMs)
    this.socket = socket
    this.endpoint = endpoint
    this.parser = new ReplyParser({ maxReplyBytes })
    socket.on('data', (chunk: Buffer) => { this.onData(chunk) })
    socket.on('error', (err) => { this.failure ??= err })
    this.closedPromise = new Promise(resolve => {
      socket.once('close', () => {
        this.onClose()
        resolve()
      })
    })
  }

  /** Whether the connection is closed or being dropped: no command can be sent any more. */
  get closed (): boolean {
    return this.isClosed || this.socket.destroyed
  }

  private onData (chunk: Buffer): void {
    let replies: ControlReply[]
    try {
      replies = this.parser.push(chunk)
    } catch (err) {
      this.fail(err as Error)
      return
    }
    for (const reply of replies) {
      this.answered = true
      if (reply.status === 650) {
        this.onEvent(reply)
        continue
      }
      const pending = this.queue.shift()
      if (pending == null) {
        this.fail(new ControlProtocolError(`a ${reply.status} reply arrived with no command waiting for it`))
        return
      }
      log('%s -> %d', pending.cmd.verb, reply.status)
      pending.resolve(reply)
    }
  }

  private onEvent (reply: ControlReply): void {
    const text = reply.lines[0].text
    let parsed: ['hs_desc', HsDescEvent] | ['status_client', StatusClientEvent] | undefined
    try {
      if (text.startsWith('HS_DESC ')) parsed = ['hs_desc', parseHsDescEvent(text)]
      else if (text.startsWith('STATUS_CLIENT ')) parsed = ['status_client', parseStatusClientEvent(text)]
    } catch (err) {
      log.error('ignoring a malformed event: %e', err)
    }
    const keyword = text.split(' ', 1)[0]
    const typed = parsed?.[1]
    // A throwing listener is the listener's bug: surface it as Node would,
    // but only after the rest of this chunk's replies have been delivered.
    const guarded = (fn: () => void): void => {
      try { fn() } catch (err) { queueMicrotask(() => { throw err }) }
    }
    guarded(() => {
      this.emit('event', reply)
      if (parsed?.[0] === 'hs_desc') this.emit('hs_desc', parsed[1])
      else if (parsed?.[0] === 'status_client') this.emit('status_client', parsed[1])
    })
    this.subscriptions.dispatch(keyword, reply, typed, guarded)
  }

  /** Drops the connection; pending commands fail with ControlConnectionClosedError caused by `err`. */
  private fail (err: Error): void {
    log.error('dropping the control connection: %e', err)
    this.failure ??= err
    this.socket.destroy()
  }

  private onClose (): void {
    this.isClosed = true
    if (this.failure == null && !this.parser.idle && this.queue.length > 0) {
      try { this.parser.end() } catch (err) { this.failure = err as Error }
    }
    const cause = this.failure
    for (const p of this.queue.splice(0)) {
      p.reject(new ControlConnectionClosedError(p.cmd.verb, cause != null ? { cause } : undefined))
    }
    log('control connection to %s closed', formatControlEndpoint(this.endpoint))
    this.emit('close', cause)
  }

  /**
   * Sends a built command; resolves with its reply whatever the status.
   * Rejects with ControlTimeoutError after the deadline, or with the abort
   * reason; either drops the connection (see the file comment).
   */
  private send (cmd: ControlCommand, opts: CommandOptions = {}): Promise<ControlReply> {
    const timeoutMs = checkTimeout('timeoutMs', opts.timeoutMs ?? this.commandTimeoutMs)
    const { signal } = opts
    if (signal?.aborted === true) return Promise.reject(abortReason(signal, cmd.verb))
    if (this.isClosed || this.socket.destroyed || this.socket.writableEnded) {
      return Promise.reject(new ControlConnectionClosedError(cmd.verb, this.failure != null ? { cause: this.failure } : undefined))
    }
    assertNoLineBreaks(`${cmd.verb} command`, cmd.line)
    // A multi-line "+" command (control-spec 2.2): the line, then the encoded
    // CmdData, in one write, so no other command can land inside the data.
    let wire = `${cmd.line}\r\n`
    if (cmd.data != null) {
      if (!cmd.line.startsWith('+')) throw new InvalidControlArgumentError(`${cmd.verb} command`, 'must start with "+" when it carries data')
      assertEncodedCmdData(`${cmd.verb} data`, cmd.data)
      wire += cmd.data
    }
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const settle = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
      const pending: Pending = {
        cmd,
        resolve: (reply) => { settle(); resolve(reply) },
        reject: (err) => { settle(); reject(err) }
      }
      // Give up on this command: it fails with `err`, and the connection is
      // dropped so that tor's late reply can never answer another command.
      const abandon = (err: Error): void => {
        const i = this.queue.indexOf(pending)
        if (i === -1) return
        this.queue.splice(i, 1)
        pending.reject(err)
        log('giving up on %s: %s', cmd.verb, err.name)
        this.fail(err)
      }
      const onAbort = (): void => { abandon(abortReason(signal as AbortSignal, cmd.verb)) }
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          abandon(new ControlTimeoutError(cmd.verb, timeoutMs, formatControlEndpoint(this.endpoint), this.answered))
        }, timeoutMs)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.queue.push(pending)
      log('sending %s', cmd.verb)
      this.socket.write(wire)
    })
  }

  /** Sends a built command; resolves with a 2xx reply or throws ControlReplyError (secrets redacted). */
  private async request (cmd: ControlCommand, opts?: CommandOptions): Promise<ControlReply> {
    const reply = await this.send(cmd, opts)
    if (reply.status < 200 || reply.status > 299) {
      const text = reply.lines.map(l => l.text).join('\n')
      throw new ControlReplyError(cmd.verb, reply.status, redact(text, cmd.secrets))
    }
    return reply
  }

  /**
   * Sends one raw command line (without CRLF) and resolves with its reply,
   * whatever the status. For commands this class has no method for; the
   * caller is responsible for validating what it interpolates. CR, LF and
   * NUL are refused.
   */
  async rawCommand (line: string, opts?: CommandOptions): Promise<ControlReply> {
    if (typeof line !== 'string' || !/^[A-Za-z][A-Za-z_]*( |$)/.test(line)) {
      throw new InvalidControlArgumentError('command line', 'must start with a command keyword (for multi-line "+" commands use loadConf() or hsPost())')
    }
    return this.send({ verb: line.split(' ', 1)[0].toUpperCase(), line, secrets: [] }, opts)
  }

  /** PROTOCOLINFO, sent at most once per connection (tor allows one before authenticating). */
  async protocolInfo (opts?: CommandOptions): Promise<ProtocolInfo> {
    this.protocolInfoPromise ??= this.request(buildProtocolInfo(), opts).then(parseProtocolInfo)
    return this.protocolInfoPromise
  }

  /**
   * Authenticates with the strongest usable method: SAFECOOKIE > COOKIE >
   * HASHEDPASSWORD (only with a password) > NULL. After a rejected exchange
   * the connection is closed (tor closes it too). `signal` and `timeoutMs`
   * apply to each command of the exchange (PROTOCOLINFO, AUTHCHALLENGE,
   * AUTHENTICATE); an endpoint that accepts and never answers fails with
   * ControlTimeoutError saying so.
   */
  async authenticate (opts: AuthOptions & CommandOptions = {}): Promise<{ method: AuthMethod }> {
    const { signal, timeoutMs, ...auth } = opts
    const info = await this.protocolInfo({ signal, timeoutMs })
    let exchanged = false
    try {
      return await authenticateWith(async cmd => {
        exchanged = true
        return this.request(cmd, { signal, timeoutMs })
      }, info, auth)
    } catch (err) {
      if (exchanged) this.fail(err as Error)
      throw err
    }
  }

  /** GETINFO: handles `250-key=value` and `250+key=` data blocks. */
  async getInfo (keys: string | string[], opts?: CommandOptions): Promise<Record<string, string>> {
    return parseGetInfoReply(await this.request(buildGetInfo(typeof keys === 'string' ? [keys] : keys), opts))
  }

  /**
   * SETEVENTS with `events` as the base set: tor is sent these plus every
   * event that subscribe() users hold. Prefer subscribe(), which counts its
   * users, so two users of one connection never overwrite each other.
   */
  async setEvents (events: string[]): Promise<void> {
    await this.subscriptions.setBase(events)
  }

  /** The events tor currently sends on this connection (the last SETEVENTS it accepted). */
  get events (): readonly string[] {
    return this.subscriptions.events
  }

  /**
   * Subscribes to a tor event, counting users as txtorcon's
   * add_event_listener does: the first user of an event name makes tor send
   * it (SETEVENTS with the union of every user's events), the last
   * unsubscribe makes it stop. HS_DESC and STATUS_CLIENT handlers get the
   * parsed event; other names get the raw 650 reply. Resolves once tor
   * accepted the SETEVENTS, so nothing after that can be missed.
   */
  async subscribe<E extends keyof TypedControlEvents> (event: E, handler?: (e: TypedControlEvents[E]) => void): Promise<Unsubscribe>
  async subscribe (event: string, handler?: (reply: ControlReply) => void): Promise<Unsubscribe>
  async subscribe (event: string, handler?: (e: any) => void): Promise<Unsubscribe> {
    return await this.subscriptions.subscribe(event, handler)
  }

  /**
   * ADD_ONION. The service lives until delOnion, tor exits, or this
   * connection closes (unless flags include Detach).
   */
  async addOnion (opts: AddOnionOptions, cmd?: CommandOptions): Promise<AddOnionResult> {
    return parseAddOnionReply(await this.request(buildAddOnion(opts), cmd))
  }

  async delOnion (serviceId: string, opts?: CommandOptions): Promise<void> {
    await this.request(buildDelOnion(serviceId), opts)
  }

  async onionClientAuthAdd (serviceId: string, x25519PrivateKeyBase64: string, opts?: OnionClientAuthAddOptions, cmd?: CommandOptions): Promise<void> {
    await this.request(buildOnionClientAuthAdd(serviceId, x25519PrivateKeyBase64, opts), cmd)
  }

  async onionClientAuthRemove (serviceId: string, opts?: CommandOptions): Promise<void> {
    await this.request(buildOnionClientAuthRemove(serviceId), opts)
  }

  /** TAKEOWNERSHIP: tor exits when this connection closes. */
  async takeOwnership (opts?: CommandOptions): Promise<void> {
    await this.request(buildTakeOwnership(), opts)
  }

  async resetConf (keys: string[], opts?: CommandOptions): Promise<void> {
    await this.request(buildResetConf(keys), opts)
  }

  async setConf (settings: Record<string, string>, opts?: CommandOptions): Promise<void> {
    await this.request(buildSetConf(settings), opts)
  }

  async signal (name: SignalName, opts?: CommandOptions): Promise<void> {
    await this.request(buildSignal(name), opts)
  }

  /**
   * Resolves when tor reports 100 % bootstrap. Holds a STATUS_CLIENT
   * subscription while it waits, and polls `GETINFO status/bootstrap-phase`
   * at start and at most once a second, so it cannot miss the final event.
   * Throws TorBootstrapTimeoutError.
   */
  async waitForBootstrap (opts: WaitForBootstrapOptions = {}): Promise<void> {
    let onStatus: ((s: BootstrapStatus) => void) | undefined
    const release = await this.subscribe('STATUS_CLIENT', (e) => { if (e.bootstrap != null) onStatus?.(e.bootstrap) })
    try {
      await waitForBootstrap({
        poll: async () => (await this.getInfo('status/bootstrap-phase'))['status/bootstrap-phase'] ?? '',
        subscribe: (status, onEnd) => {
          const onClose = (err?: Error): void => { onEnd(new ControlConnectionClosedError('waitForBootstrap', err != null ? { cause: err } : undefined)) }
          onStatus = status
          this.on('close', onClose)
          return () => {
            onStatus = undefined
            this.off('close', onClose)
          }
        }
      }, opts)
    } finally {
      if (!this.isClosed) {
        const released = release().catch(err => { log.error('could not release STATUS_CLIENT: %e', err) })
        // after an abort (Ctrl-C), a stuck tor must not hold up the caller for
        // the SETEVENTS reply; otherwise (done, or tor's own bootstrap timed
        // out) the event set is back to what it was when this returns
        if (opts.signal?.aborted !== true) await released
      }
    }
  }

  /**
   * +LOADCONF: tor replaces its configuration with `torrcText`, read as if
   * it were its torrc (options not named go back to their defaults). Throws
   * ControlReplyError (552) if tor refuses the text.
   */
  async loadConf (torrcText: string, opts?: CommandOptions): Promise<void> {
    await this.request(buildLoadConf(torrcText), opts)
  }

  /**
   * +HSPOST: uploads a v3 descriptor to the responsible HSDirs (or to
   * `opts.server`). tor answers 250, then reports each upload as an HS_DESC
   * event; 554 means the descriptor does not parse.
   */
  async hsPost (descriptor: string, opts: HsPostOptions, cmd?: CommandOptions): Promise<void> {
    await this.request(buildHsPost(descriptor, opts), cmd)
  }

  /** Closes the connection (gracefully, then by force after 2 s) and waits for it. */
  async close (): Promise<void> {
    if (!this.isClosed) {
      this.socket.end()
      const force = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS)
      await this.closedPromise
      clearTimeout(force)
    }
  }
}
