/**
 * The direct chat stream, /p2p-tor/chat/1.0.0 (docs/chat.md): length-prefixed
 * ChatFrames (pbStream from @libp2p/utils).
 *
 *   dialer                          listener
 *   hello(card)           ──▶
 *                         ◀──       hello(card)
 *   deliver(sealed) ×N    ──▶       (stores each, in order)
 *                         ◀──       ack(id) | refused(why), one per deliver, in order
 *
 * The dialer may pipeline up to `window` delivers before reading acks. Both
 * sides bound every read with a deadline. This file is the framing only: what
 * a sealed envelope means is the client's business (client.ts).
 */
import { TimeoutError } from '@libp2p/interface'
import { pbStream } from '@libp2p/utils'
import { ChatProtocolError } from './errors.js'
import { ChatFrame } from './chat-pb.js'
import type { PeerId, Stream } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'
import type { Multiaddr } from '@multiformats/multiaddr'

export const CHAT_PROTOCOL = '/p2p-tor/chat/1.0.0'
/** One sealed chat payload, padded, plus the frame's own bytes. A group state with 128 members is the largest. */
export const MAX_CHAT_FRAME_BYTES = 512 * 1024
/** Delivers in flight before the dialer waits for acks. */
export const DEFAULT_WINDOW = 16
/** How long either side waits for the next frame. */
export const DEFAULT_FRAME_TIMEOUT_MS = 60_000

async function withDeadline<T> (what: string, ms: number, signal: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const timeout = AbortSignal.timeout(ms)
  const both = signal == null ? timeout : AbortSignal.any([signal, timeout])
  try {
    return await run(both)
  } catch (err) {
    if (timeout.aborted && signal?.aborted !== true) throw new TimeoutError(`${what}: no answer within ${ms} ms`)
    throw err
  }
}

export type DeliverResult = { ok: true, id: Uint8Array } | { ok: false, refused: string }

export interface DirectSendOptions {
  signal?: AbortSignal
  frameTimeoutMs?: number
  window?: number
}

/**
 * Opens a stream to `addr`, swaps key cards, and delivers each envelope in
 * order. `seal(card)` makes the envelopes: it is called first with no card,
 * and if it can seal already (it knows the contact's card) the envelopes
 * follow our hello at once, without waiting a round trip for theirs; if it
 * returns undefined, it is called again with the contact's card from their
 * hello. `onHello` gets that card in any case (a rotation), before any
 * result. `onResult` is told of each ack or refusal, in order. Resolves when
 * all have answered; rejects on a dial failure, a timeout or a broken stream
 * (the answered ones were already reported).
 */
export async function sendDirect (
  node: Libp2p,
  addr: Multiaddr | PeerId,
  myCard: Uint8Array,
  seal: (card: Uint8Array | undefined) => Promise<Uint8Array[] | undefined>,
  onHello: (card: Uint8Array) => Promise<void>,
  onResult: (index: number, result: DeliverResult) => Promise<void>,
  opts: DirectSendOptions = {}
): Promise<number> {
  const frameMs = opts.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS
  const window = Math.max(1, opts.window ?? DEFAULT_WINDOW)
  const early = await seal(undefined)
  // our own protocol: its name goes out with the first frame, without a round trip for the answer first
  const stream = await node.dialProtocol(addr, CHAT_PROTOCOL, { signal: opts.signal, negotiateFully: false })
  const pb = pbStream(stream, { maxDataLength: MAX_CHAT_FRAME_BYTES }).pb(ChatFrame)
  try {
    let next = 0
    await pb.write({ hello: myCard as Uint8Array<ArrayBuffer> }, { signal: opts.signal })
    if (early != null) {
      // the contact's card is known: no need to wait for its hello before the first messages
      while (next < early.length && next < window) {
        await pb.write({ deliver: early[next] as Uint8Array<ArrayBuffer> }, { signal: opts.signal })
        next++
      }
    }
    const hello = await withDeadline('waiting for the contact\'s hello', frameMs, opts.signal, async (signal) => await pb.read({ signal }))
    if (hello.hello == null) throw new ChatProtocolError('the contact did not start with a hello frame')
    // libp2p checked that the noise peer is the /p2p PeerId of `addr`
    await onHello(hello.hello)
    const envelopes = early ?? await seal(hello.hello) ?? []
    let answered = 0
    while (answered < envelopes.length) {
      while (next < envelopes.length && next - answered < window) {
        await pb.write({ deliver: envelopes[next] as Uint8Array<ArrayBuffer> }, { signal: opts.signal })
        next++
      }
      const frame = await withDeadline('waiting for an acknowledgement', frameMs, opts.signal, async (signal) => await pb.read({ signal }))
      if (frame.ack != null) await onResult(answered, { ok: true, id: frame.ack })
      else if (frame.refused != null) await onResult(answered, { ok: false, refused: frame.refused })
      else throw new ChatProtocolError('expected an ack or a refusal')
      answered++
    }
    await stream.close({ signal: opts.signal }).catch(() => {})
    return answered
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}

export interface DirectHandlerOptions {
  myCard: () => Uint8Array
  /** the remote's hello: verify the card against `remote`; throw to refuse the stream */
  onHello: (card: Uint8Array, remote: PeerId) => Promise<void>
  /** one envelope: resolve with its id once stored (or known), or a refusal text */
  onDeliver: (sealed: Uint8Array, remote: PeerId) => Promise<DeliverResult>
  frameTimeoutMs?: number
  /** delivers one stream may carry before it must reconnect */
  maxDeliversPerStream?: number
}

/** Serves one inbound chat stream. */
export async function serveDirect (stream: Stream, remote: PeerId, opts: DirectHandlerOptions): Promise<void> {
  const frameMs = opts.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS
  const maxDelivers = opts.maxDeliversPerStream ?? 10_000
  const pb = pbStream(stream, { maxDataLength: MAX_CHAT_FRAME_BYTES }).pb(ChatFrame)
  try {
    const hello = await withDeadline('waiting for the hello', frameMs, undefined, async (signal) => await pb.read({ signal }))
    if (hello.hello == null) throw new ChatProtocolError('a chat stream starts with a hello frame')
    await opts.onHello(hello.hello, remote)
    await pb.write({ hello: opts.myCard() as Uint8Array<ArrayBuffer> })
    for (let n = 0; n < maxDelivers; n++) {
      let frame: ChatFrame
      try {
        frame = await withDeadline('waiting for the next frame', frameMs, undefined, async (signal) => await pb.read({ signal }))
      } catch (err: any) {
        // the dialer closed its side after its last ack: the normal end
        if (err?.name === 'UnexpectedEOFError' || err?.code === 'ERR_UNEXPECTED_EOF' || /end of|EOF|closed/i.test(String(err?.message))) break
        throw err
      }
      if (frame.deliver == null) throw new ChatProtocolError('expected a deliver frame')
      const result = await opts.onDeliver(frame.deliver, remote)
      if (result.ok) await pb.write({ ack: result.id as Uint8Array<ArrayBuffer> })
      else await pb.write({ refused: result.refused.slice(0, 200) })
    }
    await stream.close().catch(() => {})
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  }
}
