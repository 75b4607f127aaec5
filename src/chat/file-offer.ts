/**
 * What the chat file protocol shares between sender and receiver: its name,
 * caps and frame sizes, the FileOffer a sender makes (makeOffer hashes the
 * file) and the checks a receiver makes on an offer from a peer.
 */
import { createHash, randomBytes } from 'node:crypto'
import { open } from 'node:fs/promises'
import { basename } from 'node:path'
import { AbortError, InvalidParametersError } from '@libp2p/interface'
import { FileTooLargeError } from './file-errors.js'
import type { AbortOptions } from '@libp2p/interface'

export const FILE_PROTOCOL = '/p2p-tor/chat-file/1.0.0'
/** The largest file offered or accepted unless both sides raise it. */
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024
/**
 * Bytes per Chunk frame. 64 KiB: a quarter of yamux's initial 256 KiB
 * stream window, so several frames are in flight on a slow Tor circuit; a
 * drop loses at most one frame's worth of work; and the receiver's progress
 * updates every 64 KiB (about a second on a slow circuit). Larger frames
 * gain nothing: Tor cells are 509 bytes whatever the frame.
 */
export const FILE_CHUNK_BYTES = 64 * 1024
/** A Served frame: one chunk plus its field tags and lengths. */
export const MAX_SERVED_FRAME_BYTES = FILE_CHUNK_BYTES + 32
/** A Get frame: a 16-byte id and a varint offset, with tags. */
export const MAX_GET_FRAME_BYTES = 64
/** The offer id's length in bytes. */
export const FILE_ID_BYTES = 16
/** A SHA-256 digest's length in bytes. */
export const SHA256_BYTES = 32
/** The longest offered name accepted (it is sanitized to 200 bytes anyway). */
export const MAX_OFFER_NAME_CHARS = 4096

/** A file a peer may fetch: sent inside a sealed chat payload, then pulled over FILE_PROTOCOL. */
export interface FileOffer {
  /** 16 random bytes naming this offer (and the receiver's `.part` file). */
  id: Uint8Array
  /** The sender's file name: never trusted, always sanitized before use. */
  name: string
  /** Bytes. */
  size: number
  /** SHA-256 of the whole file. */
  sha256: Uint8Array
}

export interface MakeOfferOptions extends AbortOptions {
  /**
   * Refuse files larger than this (FileTooLargeError).
   *
   * @default DEFAULT_MAX_FILE_BYTES (64 MiB)
   */
  maxBytes?: number
}

export function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/**
 * Makes an offer for the regular file at `path`: a fresh random id, its base
 * name, its size and its SHA-256, read through once in FILE_CHUNK_BYTES
 * pieces. Refuses a file over `maxBytes` before reading it, and stops reading
 * if it grows past `maxBytes` meanwhile.
 */
export async function makeOffer (path: string, opts: MakeOfferOptions = {}): Promise<FileOffer> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_FILE_BYTES
  opts.signal?.throwIfAborted()
  const handle = await open(path, 'r')
  try {
    const info = await handle.stat()
    if (!info.isFile()) throw new InvalidParametersError(`${path} is not a regular file: only files can be offered`)
    if (info.size > maxBytes) throw new FileTooLargeError(info.size, maxBytes, path)
    const hash = createHash('sha256')
    let size = 0
    // bounded: the loop stops at maxBytes
    for await (const chunk of handle.createReadStream({ highWaterMark: FILE_CHUNK_BYTES, autoClose: false })) {
      if (opts.signal?.aborted === true) throw new AbortError('making the file offer was aborted')
      size += (chunk as Buffer).byteLength
      if (size > maxBytes) throw new FileTooLargeError(size, maxBytes, path)
      hash.update(chunk as Buffer)
    }
    return {
      id: new Uint8Array(randomBytes(FILE_ID_BYTES)),
      name: basename(path),
      size,
      sha256: new Uint8Array(hash.digest())
    }
  } finally {
    await handle.close()
  }
}

/** Checks the shape of an offer from a peer (id, hash and size); the name is sanitized where it is used. */
export function checkOffer (offer: FileOffer): void {
  if (!(offer.id instanceof Uint8Array) || offer.id.byteLength !== FILE_ID_BYTES) {
    throw new InvalidParametersError(`a file offer's id must be ${FILE_ID_BYTES} bytes: the offer is malformed, ask the sender to offer the file again`)
  }
  if (!(offer.sha256 instanceof Uint8Array) || offer.sha256.byteLength !== SHA256_BYTES) {
    throw new InvalidParametersError(`a file offer's sha256 must be ${SHA256_BYTES} bytes: the offer is malformed, ask the sender to offer the file again`)
  }
  if (!Number.isSafeInteger(offer.size) || offer.size < 0) {
    throw new InvalidParametersError('a file offer\'s size must be a whole number of bytes: the offer is malformed, ask the sender to offer the file again')
  }
  if (typeof offer.name !== 'string' || offer.name.length > MAX_OFFER_NAME_CHARS) {
    throw new InvalidParametersError(`a file offer's name must be a string of at most ${MAX_OFFER_NAME_CHARS} characters`)
  }
}
