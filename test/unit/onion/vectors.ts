/**
 * Known-answer vectors for src/onion, every one from a source independent of
 * our encoder. Each names where it came from.
 */

/** RFC 8032 §7.1, TEST 1: secret key (seed) and public key. */
export const RFC8032_TEST1_SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'
export const RFC8032_TEST1_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'

/**
 * C tor src/test/test_hs_common.c, test_build_address (torproject/tor at
 * 9ef97a268b06): pubkey RFC8032_TEST1_PUBLIC gives this address (made by
 * tor's src/test/hs_build_address.py); test_validate_address also accepts it.
 */
export const TOR_BUILD_ADDRESS = '25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid'

/**
 * Older C tor src/test/test_hs_common.c (torproject/tor at 0307e7e0e733):
 * test_build_address used a public key of 32 bytes 0x42 giving this address,
 * and test_validate_address accepted TOR_OLD_VALID_ADDRESS.
 */
export const TOR_0X42_ADDRESS = 'ijbeeqscijbeeqscijbeeqscijbeeqscijbeeqscijbeeqscijbezhid'
export const TOR_OLD_VALID_ADDRESS = 'p3xnclpu4mu22dwaurjtsybyqk4xfjmcfz6z62yl24uwmhjatiwnlnad'

/**
 * C tor src/test/test_hs_common.c, test_validate_address: both must fail with
 * "invalid checksum" (the first is an example from an early prop224 draft).
 */
export const TOR_BAD_CHECKSUM_ADDRESSES = [
  'l5satjgud6gucryazcyvyvhuxhr74u6ygigiuyixe3a6ysis67ororad',
  'btojiu7nu5y5iwut64eufevogqdw4wmqzugnoluw232r4t3ecsfv37ad'
]

/**
 * TOR_BUILD_ADDRESS with exactly one checksum byte wrong, so a check of only
 * one of the two bytes lets one of them through. Derived with Python:
 * base32-decode TOR_BUILD_ADDRESS (checksum bytes 32..33 are be c9, which
 * hashlib.sha3_256(b'.onion checksum' + pubkey + b'\x03')[:2] confirms),
 * XOR byte 32 (first) or byte 33 (second) with 0x01, base32-encode again:
 * first byte bf (checksum bf c9), second byte c8 (checksum be c8).
 */
export const CHECKSUM_FIRST_BYTE_WRONG = '25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl7sid'
export const CHECKSUM_SECOND_BYTE_WRONG = '25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sad'

/** rend-spec-v3 §6 [ONIONADDRESS], "Here are a few example addresses". */
export const REND_SPEC_EXAMPLES = [
  'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd',
  'sp3k262uwy4r2k3ycr5awluarykdpag6a7y33jxop4cs2lu5uz5sseqd',
  'xa4r2iadxm55fbnqgwwi5mymqdcofiu3w6rpbtqn7b2dyn7mgwj64jyd'
]

/**
 * RFC8032_TEST1_PUBLIC encoded with version byte 4 and 2 (and the checksum of
 * that version), computed with Python's hashlib.sha3_256 and base64.b32encode.
 */
export const VERSION_4_ADDRESS = '25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenj73qe'
export const VERSION_2_ADDRESS = '25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkendphqc'

/**
 * The expanded secret of RFC8032_TEST1_SEED (SHA-512, then clamped), computed
 * with Python's hashlib.sha512. tor 0.4.9.11 answered
 * `ADD_ONION ED25519-V3:<this, base64> Port=80,127.0.0.1:1` with
 * `250-ServiceID=` TOR_BUILD_ADDRESS.
 */
export const RFC8032_TEST1_EXPANDED = '307c83864f2833cb427a2ef1c00a013cfdff2768d980c0a3a520f006904de94f9b4f0afe280b746a778684e75442502057b7473a03f08f96f5a38e9287e01f8f'
export const RFC8032_TEST1_BLOB = 'ED25519-V3:MHyDhk8oM8tCei7xwAoBPP3/J2jZgMCjpSDwBpBN6U+bTwr+KAt0aneGhOdUQlAgV7dHOgPwj5b1o46Sh+Afjw=='

/**
 * Captured from tor 0.4.9.11 (Debian, DisableNetwork 1, a throwaway key):
 * `ADD_ONION NEW:ED25519-V3 Port=80,127.0.0.1:1` replied with this
 * ServiceID and PrivateKey.
 */
export const TOR_ADD_ONION_NEW = {
  serviceId: '34mowamx7xuacszdjwezlfl3cuwqhsefe4wjhhqvkbm47ioxhrtsb2yd',
  blob: 'ED25519-V3:4EujxTw2Ksd2UXvnBUF61aTxn3JRgKrw8SDl/ZbIdnFA4nWItOCuAomoupGTyCOEprMYjF+3A4TJB82oQ0urPQ=='
}

/**
 * An hs_ed25519_secret_key written by tor 0.4.9.11 for a throwaway
 * HiddenServiceDir (DisableNetwork 1); tor wrote `hostname` = serviceId.onion
 * and hs_ed25519_public_key ending in publicKey.
 */
export const TOR_KEY_FILE = {
  hex: '3d3d206564323535313976312d7365637265743a207479706530203d3d000000' +
    '680f5b126d98ef6f478a7bfb264f667ae4ac79be7419ffa542938bb071a47479' +
    '085530d1afb65fbcb291c721a8f8eeae0deb34ce83b84ebd8ddc6aa6aa271d32',
  serviceId: '5gcd7adm3p6uuz5fverrczkjhhkkxvdefeoxdkmg4yi3bapxczgqtfid',
  publicKey: 'e9843f806cdbfd4a67a5a92311654939d4abd464291d71a986e611b081f7164d'
}

export function hex (s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'hex'))
}

export function toHex (b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}
