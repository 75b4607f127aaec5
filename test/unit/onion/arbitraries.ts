/**
 * fast-check generators for onion tests.
 */
import fc from 'fast-check'
import { serviceIdFromPublicKey } from '../../../src/onion/index.js'
import type { OnionAddress } from '../../../src/onion/index.js'

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

function base58btc (bytes: Uint8Array): string {
  let n = BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'))
  let out = ''
  while (n > 0n) {
    out = BASE58[Number(n % 58n)] + out
    n /= 58n
  }
  for (const b of bytes) {
    if (b !== 0) break
    out = '1' + out
  }
  return out
}

/** Any 32 bytes; the address format does not require a valid curve point. */
export const publicKeyArb = fc.uint8Array({ minLength: 32, maxLength: 32 })

export const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 })

export const serviceIdArb = publicKeyArb.map(pk => serviceIdFromPublicKey(pk))

export const portArb = fc.integer({ min: 1, max: 65535 })

export const onionAddressArb: fc.Arbitrary<OnionAddress> = fc.record({ serviceId: serviceIdArb, port: portArb }, { noNullPrototype: true })

/** Ed25519 peer ids ("12D3KooW..."): identity multihash of a libp2p public key protobuf. */
export const peerIdArb = publicKeyArb.map(pk => {
  const multihash = new Uint8Array([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...pk])
  return base58btc(multihash)
})
