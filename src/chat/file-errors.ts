/**
 * Errors raised by chat file transfer (files.ts, filename.ts). Each names
 * what happened and what to do next. Hashes are shown in hex (they are not
 * secret); file contents never appear in a message.
 */

/** A file (offered, or about to be offered) is larger than the cap. */
export class FileTooLargeError extends Error {
  static override name = 'FileTooLargeError'
  readonly size: number
  readonly maxBytes: number

  constructor (size: number, maxBytes: number, what = 'the file') {
    super(`${what} is ${size} bytes, over the ${maxBytes}-byte cap: send a smaller file, or raise maxBytes on both sides if you trust the peer`)
    this.name = 'FileTooLargeError'
    this.size = size
    this.maxBytes = maxBytes
  }
}

/** The downloaded bytes do not hash to the offer's SHA-256; the part file was deleted. */
export class FileHashMismatchError extends Error {
  static override name = 'FileHashMismatchError'
  readonly expected: string
  readonly actual: string

  constructor (expected: string, actual: string) {
    super(`the received file's SHA-256 is ${actual}, not the offered ${expected}: it was deleted; ask the sender to offer the file again (it may have changed on their disk)`)
    this.name = 'FileHashMismatchError'
    this.expected = expected
    this.actual = actual
  }
}

/** The sender has no offer with this id for this peer (never made, withdrawn, expired, or made for someone else). */
export class FileNotOfferedError extends Error {
  static override name = 'FileNotOfferedError'
  /** The offer's id in hex. */
  readonly id: string

  constructor (id: string) {
    super(`the sender has no file ${id} for this peer (withdrawn, expired, or offered to someone else): ask the sender to offer it again`)
    this.name = 'FileNotOfferedError'
    this.id = id
  }
}

/**
 * A transfer failed for another reason: the sender's file changed, the
 * sender broke the protocol, the retries or the deadline ran out, or a local
 * write failed. `retriable` says whether trying the same offer again later
 * can help; the `.part` file is kept when it can.
 */
export class FileTransferError extends Error {
  static override name = 'FileTransferError'
  readonly retriable: boolean

  constructor (message: string, init: { retriable?: boolean } = {}, options?: ErrorOptions) {
    super(message, options)
    this.name = 'FileTransferError'
    this.retriable = init.retriable ?? false
  }
}

/** The downloads directory is a symlink or not a directory: files are never written through it. */
export class UnsafeDirectoryError extends Error {
  static override name = 'UnsafeDirectoryError'
  readonly dir: string

  constructor (dir: string, why: string) {
    super(`refusing to write into ${dir}: ${why}; point the downloads directory at a real directory`)
    this.name = 'UnsafeDirectoryError'
    this.dir = dir
  }
}
