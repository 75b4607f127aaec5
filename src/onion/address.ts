/**
 * v3 onion service ids and `<id>.onion:<port>` strings (rend-spec-v3 §6):
 *
 *   service id = base32(PUBKEY || CHECKSUM || VERSION), 56 lower-case characters
 *   CHECKSUM   = SHA3-256(".onion checksum" || PUBKEY || VERSION)[0..2]
 *   VERSION    = 0x03
 */
import { base32Encode } from './base32.js'
import { checkDecoded, checksum, decodeServiceId, ONION_SUFFIX, ONION_VERSION, onionHostOrThrow, portOrThrow, PUBLIC_KEY_BYTES, SERVICE_ID_BYTES } from './checks.js'
import { InvalidOnionAddressError, InvalidOnionKeyError } from './errors.js'

/** A v3 onion service and a virtual port on it. */
export interface OnionAddress {
  /** 56 lower-case base32 characters, without ".onion". */
  serviceId: string
  /** 1..65535 */
  port: number
}

/**
 * Returns `id` unchanged if it is a valid v3 service id (56 characters, no
 * ".onion"); otherwise throws InvalidOnionAddressError. Checks, in order:
 * uppercase, length, charset, version, checksum.
 */
export function validateServiceId (id: string): string {
  decodeServiceId(id, id)
  return id
}

export function isValidServiceId (id: string): boolean {
  try {
    decodeServiceId(id, id)
    return true
  } catch {
    return false
  }
}

/** The service id of a 32-byte ed25519 public key. */
export function serviceIdFromPublicKey (publicKey: Uint8Array): string {
  if (publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new InvalidOnionKeyError('ed25519 public key', 'length', `expected ${PUBLIC_KEY_BYTES} bytes, got ${publicKey.length}`)
  }
  const bytes = new Uint8Array(SERVICE_ID_BYTES)
  bytes.set(publicKey, 0)
  bytes.set(checksum(publicKey), PUBLIC_KEY_BYTES)
  bytes[34] = ONION_VERSION
  return base32Encode(bytes)
}

/** The 32-byte ed25519 public key inside a (validated) service id. */
export function publicKeyFromServiceId (id: string): Uint8Array {
  return decodeServiceId(id, id).slice(0, PUBLIC_KEY_BYTES)
}

/** The 35 bytes (PUBKEY || CHECKSUM || VERSION) of a validated service id. */
export function serviceIdToBytes (id: string): Uint8Array {
  return decodeServiceId(id, id)
}

/** The service id of 35 bytes (PUBKEY || CHECKSUM || VERSION), after checking version and checksum. */
export function serviceIdFromBytes (bytes: Uint8Array): string {
  const input = Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('')
  if (bytes.length !== SERVICE_ID_BYTES) {
    throw new InvalidOnionAddressError('length', input, `expected ${SERVICE_ID_BYTES} bytes, got ${bytes.length}`)
  }
  checkDecoded(bytes, input)
  return base32Encode(bytes)
}

/**
 * A port from a string or number: 1..65535; strings must be plain decimal
 * digits (no sign, spaces or leading zeros, so each port has one spelling).
 */
export function parsePort (port: string | number): number {
  return portOrThrow(port, String(port))
}

/** Parses `<id>.onion:<port>`. Rejects subdomains, a missing ".onion" and bad ports. */
export function parseOnionHostPort (s: string): OnionAddress {
  const colon = s.lastIndexOf(':')
  if (colon === -1) {
    throw new InvalidOnionAddressError('port', s, 'no ":<port>" given')
  }
  const serviceId = onionHostOrThrow(s.slice(0, colon), s)
  return { serviceId, port: portOrThrow(s.slice(colon + 1), s) }
}

/** Formats `<id>.onion:<port>` after validating both parts. */
export function formatOnionHostPort (a: OnionAddress): string {
  return `${validateServiceId(a.serviceId)}${ONION_SUFFIX}:${parsePort(a.port)}`
}
