/**
 * What each side of a benchmark pair can do. The p2p-tor side (p2p.ts) and
 * the raw Tor side (raw.ts) implement the same interfaces, so every
 * measurement calls both the same way.
 */

/** One client tor of the private network. */
export interface TorEndpoints {
  controlPort: number
  socksPort: number
  cookieFile: string
}

export interface Listened {
  /** p2p: the full /onion3/…/p2p/… multiaddr; raw: the service id. */
  addr: string
  /** From "start" to the first HS_DESC UPLOADED. */
  ms: number
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
  /** Publish a fresh onion address (the previous one is removed first, untimed). */
  listen: () => Promise<Listened>
  close: () => Promise<void>
}

export interface ClientSide {
  /** Dial `addr` on a fresh circuit and do one 32-byte round trip; keeps the connection. */
  firstContact: (addr: string) => Promise<FirstContact>
  /**
   * Replace the kept connection by a new one to the same address on a new
   * circuit (fresh isolation credentials), untimed. Round-trip times depend
   * a lot on the circuit's path, so samples are spread over many circuits.
   */
  newCircuit: () => Promise<void>
  /** Open the stream that rtt() uses on the kept connection. */
  rttOpen: () => Promise<void>
  /** One 32-byte round trip on the open stream, ms. */
  rtt: () => Promise<number>
  rttClose: () => Promise<void>
  /** A new stream on the kept connection plus one 32-byte round trip, ms. */
  freshStreamRtt: () => Promise<number>
  /** `bytes` server → client on a new stream, ms. */
  download: (bytes: number) => Promise<number>
  /** `bytes` client → server on a new stream, ms. */
  upload: (bytes: number) => Promise<number>
  /** `count` concurrent streams each echoing `bytes`. */
  manyStreams: (count: number, bytes: number) => Promise<ManyStreams>
  close: () => Promise<void>
}

export const PING_BYTES = 32

export function errorText (err: unknown): string {
  const e = err as Error | undefined
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`
}

/** Runs `count` tasks at once and counts the failures. */
export async function concurrently (count: number, task: (i: number) => Promise<void>): Promise<ManyStreams> {
  const t0 = performance.now()
  const results = await Promise.allSettled(Array.from({ length: count }, async (_, i) => { await task(i) }))
  const ms = performance.now() - t0
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
  return { ms, errors: failed.length, ...(failed.length > 0 ? { firstError: errorText(failed[0].reason) } : {}) }
}
