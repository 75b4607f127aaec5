/**
 * What each side of a benchmark pair can do. The p2p-tor side (p2p.ts) and
 * the raw Tor side (raw.ts) implement the same interfaces, so every
 * measurement calls both the same way.
 *
 * Two kinds of connection are measured:
 * - first contact: each side dials its own freshly published onion address
 *   (rows 1 and 2: publishing, descriptor fetch, intro, rendezvous,
 *   handshakes), then measures round trips on it (row 3): each side's stream
 *   is the first and only one on its circuit, as p2p-tor's per-peer
 *   connection is;
 * - shared circuit: the raw service's ADD_ONION also maps SHARED_PORT to the
 *   p2p-tor listener's local socket, and both dialers connect to that one
 *   address without isolation credentials, so tor carries both sides on the
 *   very same rendezvous circuit (rows 4 and 6). One circuit's throughput
 *   depends a lot on its path; on a shared circuit the pair differs only in
 *   what carries the bytes (checked with GETINFO stream-status).
 *
 * Not used for round trips: on this private network the stream opened second
 * on a circuit paid ~40 ms more per 32-byte round trip than the first one,
 * whichever side opened it (Vanilla: 2 ms vs 45 ms, and it stays after the
 * first stream closes), which looks like Nagle in tor (it sets no
 * TCP_NODELAY) meeting delayed ACKs; it would bias a shared-circuit RTT
 * against whichever side joins second.
 */

/** One client tor of the private network. */
export interface TorEndpoints {
  controlPort: number
  socksPort: number
  cookieFile: string
}

/** The virtual port of the raw service that leads to the p2p-tor listener. */
export const SHARED_PORT = 7777
export const PING_BYTES = 32

export interface Listened {
  /** p2p: the full /onion3/…/p2p/… multiaddr; raw: the service id. */
  addr: string
  /** From "start" to the first HS_DESC UPLOADED. */
  ms: number
  /** p2p: the 127.0.0.1 port tor delivers the listener's inbound streams to. */
  localPort?: number
}

export interface FirstContact {
  /** Connect on a fresh address plus one round trip. */
  ms: number
  /** The SOCKS connect alone (descriptor fetch, intro, rendezvous). */
  socksMs: number
  /** p2p only: connection established (SOCKS + multistream + noise + yamux). */
  connectedMs?: number
}

export interface ManyStreams {
  ms: number
  errors: number
  firstError?: string
}

export interface ServerSide {
  /**
   * Publish a fresh onion address (the previous one is removed first,
   * untimed). Raw only: `sharedTarget` is the p2p-tor listener's local port,
   * mapped from SHARED_PORT.
   */
  listen: (sharedTarget?: number) => Promise<Listened>
  close: () => Promise<void>
}

export interface ClientSide {
  /** Dial `addr` on a fresh circuit and do one 32-byte round trip. */
  firstContact: (addr: string) => Promise<FirstContact>
  /** Connect (untimed) to `addr`, without isolation credentials; later calls use this connection. */
  connect: (addr: string) => Promise<void>
  /** One 32-byte round trip on an echo stream kept open between calls (opened untimed on first use), ms. */
  rtt: () => Promise<number>
  /** Close the echo stream of rtt(). */
  rttClose: () => Promise<void>
  /** A new stream plus one 32-byte round trip, ms. */
  freshStreamRtt: () => Promise<number>
  /** `bytes` server → client on a new stream, ms. */
  download: (bytes: number) => Promise<number>
  /** `bytes` client → server on a new stream, ms. */
  upload: (bytes: number) => Promise<number>
  /** `count` concurrent streams each echoing `bytes`. */
  manyStreams: (count: number, bytes: number) => Promise<ManyStreams>
  close: () => Promise<void>
}

export function errorText (err: unknown): string {
  const e = err as Error | undefined
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`
}

/** Calls `fn`, recording a failure as NaN and its message in `errors`. */
export async function timed (errors: string[], what: string, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn()
  } catch (err) {
    errors.push(`${what}: ${errorText(err)}`)
    return NaN
  }
}

/** Runs `count` tasks at once and counts the failures. */
export async function concurrently (count: number, task: (i: number) => Promise<void>): Promise<ManyStreams> {
  const t0 = performance.now()
  const results = await Promise.allSettled(Array.from({ length: count }, async (_, i) => { await task(i) }))
  const ms = performance.now() - t0
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
  return { ms, errors: failed.length, ...(failed.length > 0 ? { firstError: errorText(failed[0].reason) } : {}) }
}
