import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js'

/**
 * How outbound streams are spread over Tor circuits.
 *
 * - `peer`: one isolation group per remote onion service, so two remote
 *   peers never share a circuit (Tor's IsolateSOCKSAuth, on by default).
 * - `connection`: every dial gets a fresh group (a new circuit each time).
 * - `none`: no credentials; tor groups streams as it likes.
 */
export type IsolationMode = 'peer' | 'connection' | 'none'

export interface SocksCredentials {
  username?: string
  password?: string
}

/**
 * Derives SOCKS username/password pairs that tor uses only as isolation
 * keys. A per-process random secret is mixed in, so two nodes sharing one
 * tor never land in the same group, and the remote's id is not readable
 * from the credentials.
 */
export class StreamIsolation {
  private readonly secret = randomBytes(32)
  private counter = 0
  /** 'peer' mode: how often each service id's group was rotated (absent: never). */
  private readonly generations = new Map<string, number>()
  /** 'peer' mode: the groups (service id and generation) handed out so far. */
  private readonly used = new Set<string>()

  constructor (private readonly mode: IsolationMode) {}

  credentialsFor (serviceId: string): SocksCredentials {
    if (this.mode === 'none') return {}
    const key = this.mode === 'peer' ? this.peerKey(serviceId) : `conn:${this.counter++}`
    if (this.mode === 'peer') this.used.add(key)
    const input = new Uint8Array([...this.secret, ...utf8ToBytes(key)])
    return { username: 'p2p-tor', password: bytesToHex(sha256(input)).slice(0, 32) }
  }

  /**
   * Whether the next credentialsFor(serviceId) returns credentials that
   * were handed out before, so tor may send the stream down a circuit it
   * built for an earlier dial (in 'peer' mode only; the other modes never
   * reuse a group).
   */
  usedBefore (serviceId: string): boolean {
    return this.mode === 'peer' && this.used.has(this.peerKey(serviceId))
  }

  /**
   * Gives `serviceId` a fresh isolation group: from now on its dials get
   * new credentials, so tor builds new circuits for them instead of using
   * one that went stale (a rendezvous circuit to a service that restarted).
   * Does nothing outside 'peer' mode.
   */
  rotate (serviceId: string): void {
    if (this.mode !== 'peer') return
    this.used.delete(this.peerKey(serviceId))
    this.generations.set(serviceId, (this.generations.get(serviceId) ?? 0) + 1)
  }

  private peerKey (serviceId: string): string {
    const generation = this.generations.get(serviceId)
    return generation == null ? `peer:${serviceId}` : `peer:${serviceId}:${generation}`
  }
}
