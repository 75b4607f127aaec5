/**
 * Errors raised by src/onion. Each class is one condition, matched by `.name`,
 * and carries typed fields. Messages say what went wrong and what to do next;
 * they never contain key material.
 */

/** Which rule an onion address (or onion3 multiaddr) broke. */
export type OnionAddressCheck = 'length' | 'uppercase' | 'charset' | 'version' | 'checksum' | 'subdomain' | 'suffix' | 'port' | 'protocol'

const ADDRESS_PROBLEMS: Record<OnionAddressCheck, string> = {
  uppercase: 'contains upper-case letters (v3 onion addresses are lower case; retype it in lower case)',
  length: 'the service id is not 56 characters long (copy the whole address, without "http://" or a path)',
  charset: 'contains characters outside base32 a-z and 2-7 (0, 1, 8 and 9 never occur; check for a typo)',
  version: 'the version byte is not 3 (only v3 onion addresses are supported)',
  checksum: 'checksum mismatch (a typo, or not a v3 onion address)',
  subdomain: 'subdomains are not supported (use just <56 characters>.onion)',
  suffix: 'missing the ".onion" suffix (write it as <56 characters>.onion:<port>)',
  port: 'the port must be a decimal number from 1 to 65535 without sign, spaces or leading zeros',
  protocol: 'expected /onion3/<56 characters>:<port>, optionally followed by /p2p/<peer id>'
}

export class InvalidOnionAddressError extends Error {
  static override name = 'InvalidOnionAddressError'
  /** The rule that failed. */
  readonly check: OnionAddressCheck
  /** The text that was rejected (an address, a host:port or a multiaddr string). */
  readonly input: string

  /**
   * @param check - the rule that failed
   * @param input - the rejected text, kept on `.input` (not in the message)
   * @param detail - optional extra words appended to the message
   */
  constructor (check: OnionAddressCheck, input: string, detail?: string, options?: ErrorOptions) {
    super(`invalid onion3 address: ${ADDRESS_PROBLEMS[check]}${detail != null ? ` (${detail})` : ''}`, options)
    this.name = 'InvalidOnionAddressError'
    this.check = check
    this.input = input
  }
}

/** Why key material was rejected. */
export type OnionKeyProblem = 'length' | 'encoding' | 'prefix' | 'clamping'

const KEY_PROBLEMS: Record<OnionKeyProblem, string> = {
  length: 'has the wrong length',
  encoding: 'is not canonical base64 of 64 bytes',
  prefix: 'does not start with "ED25519-V3:"',
  clamping: 'is not a clamped ed25519 scalar, so it was not derived from an ed25519 seed'
}

/**
 * Key material (a seed, an expanded secret, a public key or an ADD_ONION key
 * blob) is malformed. The key itself is never part of the message.
 */
export class InvalidOnionKeyError extends Error {
  static override name = 'InvalidOnionKeyError'
  readonly problem: OnionKeyProblem
  /** What was being read, e.g. 'expanded secret key' or 'ADD_ONION key blob'. */
  readonly what: string

  constructor (what: string, problem: OnionKeyProblem, detail?: string) {
    super(`invalid onion key: the ${what} ${KEY_PROBLEMS[problem]}${detail != null ? ` (${detail})` : ''}; use a key made by generateOnionKey() or by tor itself`)
    this.name = 'InvalidOnionKeyError'
    this.problem = problem
    this.what = what
  }
}

export type KeyFileProblem = 'missing' | 'truncated' | 'corrupt' | 'unreadable' | 'permissions' | 'unwritable'

/**
 * An onion key file could not be used. Never delete the file to "fix" this:
 * the key in it is the node's onion address.
 */
export class KeyFileError extends Error {
  static override name = 'KeyFileError'
  readonly path: string
  readonly reason: KeyFileProblem

  constructor (path: string, reason: KeyFileProblem, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'KeyFileError'
    this.path = path
    this.reason = reason
  }
}

/**
 * A directory (a data directory, or one below it) could not be created.
 * `code` is the system error code (ENOENT, EACCES, ENOTDIR, …).
 */
export class CreateDirectoryError extends Error {
  static override name = 'CreateDirectoryError'
  readonly path: string
  readonly code: string

  constructor (path: string, code: string, options?: ErrorOptions) {
    super(`cannot create the directory ${path} (${code}); check that its parent exists, is a directory this user may write to, and is not a virtual file system such as /proc`, options)
    this.name = 'CreateDirectoryError'
    this.path = path
    this.code = code
  }
}
