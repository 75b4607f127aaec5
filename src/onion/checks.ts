/**
 * Internal checks shared by address.ts and multiaddr.ts. Each takes the text
 * that errors should report as `input`, so a bad port inside a multiaddr is
 * reported against the whole multiaddr. Not re-exported from index.ts.
 */
import { sha3_256 } from '@noble/hashes/sha3.js'
import { base32Decode, isBase32 } from './base32.js'
import { InvalidOnionAddressError } from './errors.js'
import { parsePort } from '../net/endpoint.js'

export const SERVICE_ID_LENGTH = 56
export const SERVICE_ID_BYTES = 35
export const PUBLIC_KEY_BYTES = 32
export const ONION_VERSION = 3
export const ONION_SUFFIX = '.onion'
const CHECKSUM_PREFIX = new TextEncoder().encode('.onion checksum')

export function checksum (publicKey: Uint8Array): Uint8Array {
  const data = new Uint8Array(CHECKSUM_PREFIX.length + PUBLIC_KEY_BYTES + 1)
  data.set(CHECKSUM_PREFIX, 0)
  data.set(publicKey, CHECKSUM_PREFIX.length)
  data[data.length - 1] = ONION_VERSION
  return sha3_256(data).subarray(0, 2)
}

/** Version first, then checksum, as tor and arti do. */
export function checkDecoded (bytes: Uint8Array, input: string): void {
  if (bytes[34] !== ONION_VERSION) {
    throw new InvalidOnionAddressError('version', input, `found version ${bytes[34]}`)
  }
  const expected = checksum(bytes.subarray(0, PUBLIC_KEY_BYTES))
  if (bytes[32] !== expected[0] || bytes[33] !== expected[1]) {
    throw new InvalidOnionAddressError('checksum', input)
  }
}

/** Decodes and fully checks a service id; `input` is what errors report. */
export function decodeServiceId (id: string, input: string): Uint8Array {
  if (/[A-Z]/.test(id)) {
    throw new InvalidOnionAddressError('uppercase', input)
  }
  if (id.length !== SERVICE_ID_LENGTH) {
    throw new InvalidOnionAddressError('length', input, `got ${id.length} characters`)
  }
  if (!isBase32(id)) {
    throw new InvalidOnionAddressError('charset', input)
  }
  const bytes = base32Decode(id)
  checkDecoded(bytes, input)
  return bytes
}

/**
 * The service id of a `<id>.onion` host name: lower case, no subdomain,
 * the ".onion" suffix, then every check of decodeServiceId.
 */
export function onionHostOrThrow (host: string, input: string): string {
  if (/[A-Z]/.test(host)) {
    throw new InvalidOnionAddressError('uppercase', input)
  }
  if (!host.endsWith(ONION_SUFFIX)) {
    throw new InvalidOnionAddressError('suffix', input)
  }
  const serviceId = host.slice(0, -ONION_SUFFIX.length)
  if (serviceId.includes('.')) {
    throw new InvalidOnionAddressError('subdomain', input)
  }
  decodeServiceId(serviceId, input)
  return serviceId
}

/** 1..65535; strings must be plain decimal digits without a leading zero (src/net's one port parser). */
export function portOrThrow (port: string | number, input: string): number {
  const n = parsePort(port)
  if (n == null) throw new InvalidOnionAddressError('port', input, `got "${String(port)}"`)
  return n
}
