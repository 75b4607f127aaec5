/**
 * The control-reply parser: bytes in, complete replies out. No I/O.
 *
 * control-spec section 2.3:
 *
 * ```
 * Reply = *(MidReplyLine / DataReplyLine) EndReplyLine
 * MidReplyLine  = StatusCode "-" ReplyLine         250-version=0.4.9.11
 * DataReplyLine = StatusCode "+" ReplyLine CmdData 250+onions/current=  (then data lines, then ".")
 * EndReplyLine  = StatusCode SP ReplyLine          250 OK
 * ```
 *
 * Asynchronous events (status 650) are collected apart from the reply of a
 * command, so a 650 that arrives between the lines of a reply still comes out
 * as its own reply. Lines may end in CRLF or a bare LF.
 */
import { ControlProtocolError, ReplyTooLargeError } from './errors.js'

export interface ControlReplyLine {
  status: number
  sep: '-' | '+' | ' '
  text: string
  /** For '+' lines: the dot-unescaped data block, lines joined with '\n'. */
  data?: string
}

export interface ControlReply {
  /** The status of the final line. */
  status: number
  lines: ControlReplyLine[]
}

export interface ReplyParserOptions {
  /** Cap on one reply, an unterminated line, or a data block, in bytes. @default 1048576 */
  maxReplyBytes?: number
}

export const DEFAULT_MAX_REPLY_BYTES = 1024 * 1024

const LF = 0x0a
const ASYNC_STATUS = 650
const HEADER = /^([0-9]{3})([-+ ])/

/** A reply being assembled. */
interface Partial {
  lines: ControlReplyLine[]
  bytes: number
  /** Set while the last line is a '+' line whose data block is still open. */
  data?: string[]
}

function describe (text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}

export class ReplyParser {
  private readonly maxReplyBytes: number
  private readonly decoder = new TextDecoder('utf-8')
  private pending: Uint8Array[] = []
  private pendingBytes = 0
  /** The reply to a command, and an asynchronous (650) reply, can be under way at once. */
  private sync?: Partial
  private async?: Partial
  /** Which of the two has an open data block: every line goes to it until '.'. */
  private inData?: Partial
  private failure?: Error

  constructor (opts: ReplyParserOptions = {}) {
    const max = opts.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('maxReplyBytes must be a positive integer')
    this.maxReplyBytes = max
  }

  /** True when no partial line or reply is buffered. */
  get idle (): boolean {
    return this.pendingBytes === 0 && this.sync == null && this.async == null
  }

  /**
   * Feeds bytes; returns every reply they complete, in order of completion.
   * Throws ControlProtocolError on a malformed line and ReplyTooLargeError on
   * overflow; after either, the parser stays failed and rethrows.
   */
  push (chunk: Uint8Array): ControlReply[] {
    if (this.failure != null) throw this.failure
    try {
      return this.consume(chunk)
    } catch (err) {
      this.failure = err as Error
      this.pending = []
      this.pendingBytes = 0
      throw err
    }
  }

  /** Call when the stream ends: throws ControlProtocolError if it ended inside a line or reply. */
  end (): void {
    if (this.failure != null) throw this.failure
    if (!this.idle) {
      throw new ControlProtocolError(this.inData != null ? 'the connection ended inside a data block' : 'the connection ended in the middle of a reply')
    }
  }

  private consume (chunk: Uint8Array): ControlReply[] {
    const out: ControlReply[] = []
    let start = 0
    for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, start)) {
      const piece = chunk.subarray(start, i)
      const line = this.pendingBytes === 0 ? piece : concat([...this.pending, piece], this.pendingBytes + piece.length)
      this.pending = []
      this.pendingBytes = 0
      start = i + 1
      const reply = this.onLine(line)
      if (reply != null) out.push(reply)
    }
    if (start < chunk.length) {
      this.pending.push(chunk.slice(start))
      this.pendingBytes += chunk.length - start
      this.checkPending()
    }
    return out
  }

  /** An unterminated line counts towards the reply it will belong to. */
  private checkPending (): void {
    let owner = this.inData
    if (owner == null) {
      const head = concat(this.pending, Math.min(3, this.pendingBytes))
      owner = this.decoder.decode(head) === String(ASYNC_STATUS) ? this.async : this.sync
    }
    if ((owner?.bytes ?? 0) + this.pendingBytes > this.maxReplyBytes) throw new ReplyTooLargeError(this.maxReplyBytes)
  }

  private grow (partial: Partial, bytes: number): void {
    partial.bytes += bytes
    if (partial.bytes > this.maxReplyBytes) throw new ReplyTooLargeError(this.maxReplyBytes)
  }

  private onLine (bytes: Uint8Array): ControlReply | undefined {
    let text = this.decoder.decode(bytes)
    if (text.endsWith('\r')) text = text.slice(0, -1)

    const open = this.inData
    if (open?.data != null) {
      this.grow(open, bytes.length + 1)
      if (text === '.') {
        open.lines[open.lines.length - 1].data = open.data.join('\n')
        open.data = undefined
        this.inData = undefined
      } else {
        // RFC 2821 dot-stuffing: a leading '.' was doubled by the sender
        open.data.push(text.startsWith('.') ? text.slice(1) : text)
      }
      return undefined
    }

    const m = HEADER.exec(text)
    if (m == null) {
      throw new ControlProtocolError(`line ${describe(text)} does not start with a 3-digit status code and "-", "+" or " "`)
    }
    const status = Number(m[1])
    const sep = m[2] as ControlReplyLine['sep']
    const isAsync = status === ASYNC_STATUS
    const partial = (isAsync ? this.async : this.sync) ?? { lines: [], bytes: 0 }
    if (isAsync) this.async = partial
    else this.sync = partial
    this.grow(partial, bytes.length + 1)
    partial.lines.push({ status, sep, text: text.slice(4) })

    if (sep === '+') {
      partial.data = []
      this.inData = partial
      return undefined
    }
    if (sep === '-') return undefined
    if (isAsync) this.async = undefined
    else this.sync = undefined
    return { status, lines: partial.lines }
  }
}

function concat (parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length)
  let at = 0
  for (const p of parts) {
    if (at >= length) break
    const take = p.subarray(0, length - at)
    out.set(take, at)
    at += take.length
  }
  return out
}
