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

  constructor (private readonly mode: IsolationMode) {}

  credentialsFor (serviceId: string): SocksCredentials {
    if (this.mode === 'none') return {}
    const key = this.mode === 'peer' ? `peer:${serviceId}` : `conn:${this.counter++}`
    const input = new Uint8Array([...this.secret, ...utf8ToBytes(key)])
    return { username: 'p2p-tor', password: bytesToHex(sha256(input)).slice(0, 32) }
  }
}
