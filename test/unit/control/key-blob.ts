import { createHash, randomBytes } from 'node:crypto'

/**
 * A fresh ADD_ONION key blob made with node:crypto alone: SHA-512 of a random
 * 32-byte seed, clamped (b[0] &= 248, b[31] &= 127, b[31] |= 64); the 64
 * bytes are tor's expanded ed25519 secret.
 */
export function newKeyBlob (): string {
  const h = createHash('sha512').update(randomBytes(32)).digest()
  h[0] &= 248
  h[31] &= 127
  h[31] |= 64
  return `ED25519-V3:${h.toString('base64')}`
}
