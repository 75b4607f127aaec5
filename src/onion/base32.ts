/**
 * RFC 4648 base32, lower case, no padding: the alphabet of onion addresses.
 * Only whole groups are needed here (35 bytes <-> 56 characters), so input
 * lengths must be multiples of 5 bytes / 8 characters.
 */

export const BASE32_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

/** True when every character is in the lower-case base32 alphabet. */
export function isBase32 (s: string): boolean {
  return /^[a-z2-7]*$/.test(s)
}

export function base32Encode (bytes: Uint8Array): string {
  if (bytes.length % 5 !== 0) {
    throw new RangeError('base32Encode: length must be a multiple of 5 bytes')
  }
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += BASE32_ALPHABET[(buffer >>> bits) & 31]
    }
    buffer &= (1 << bits) - 1
  }
  return out
}

/** Decodes lower-case base32; callers check the alphabet first with isBase32(). */
export function base32Decode (s: string): Uint8Array {
  if (s.length % 8 !== 0 || !isBase32(s)) {
    throw new RangeError('base32Decode: expected lower-case base32 in whole 8-character groups')
  }
  const out = new Uint8Array(s.length * 5 / 8)
  let buffer = 0
  let bits = 0
  let i = 0
  for (const ch of s) {
    buffer = (buffer << 5) | BASE32_ALPHABET.indexOf(ch)
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[i++] = (buffer >>> bits) & 0xff
      buffer &= (1 << bits) - 1
    }
  }
  return out
}
