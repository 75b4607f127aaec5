/**
 * The receiving side of chat file transfer: pulls an offered file over
 * FILE_PROTOCOL into `<dir>/<hex id>.part`, resumes from the part's size after
 * a drop, checks the SHA-256, then moves the part to a new file named after
 * the sanitized offer name (never over an existing file).
 *
 * Bounds: the offer's size against maxBytes before anything is fetched; no
 * byte written past offer.size; every frame at most one chunk; a stall
 * deadline per attempt (stallMs), a deadline for the whole transfer
 * (timeoutMs), and at most `retries` failed attempts in a row with capped
 * exponential backoff between them.
 */
import { AbortError, TimeoutError } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { pbStream } from '@libp2p/utils'
import { createHash } from 'node:crypto'
import { constants } from 'node:fs'
import { open, rename, unlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { makeDirectory } from '../onion/atomic-file.js'
import { FileHashMismatchError, FileNotOfferedError, FileTooLargeError, FileTransferError } from './file-errors.js'
import { DEFAULT_MAX_FILE_BYTES, FILE_CHUNK_BYTES, FILE_PROTOCOL, MAX_SERVED_FRAME_BYTES, checkOffer, hex } from './file-offer.js'
import { Get, Refusal, Served } from './file-pb.js'
import { Watchdog, sleep } from './file-watchdog.js'
import { assertRealDirectory, sanitizeFilename, uniquePath } from './filename.js'
import type { FileOffer } from './file-offer.js'
import type { AbortOptions, Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { FileHandle } from 'node:fs/promises'

const log = logger('p2p-tor:chat:files')

/** A whole transfer's deadline: 64 MiB at 40 KB/s, a slow Tor circuit. */
export const DEFAULT_TRANSFER_TIMEOUT_MS = 30 * 60 * 1000
export const DEFAULT_STALL_MS = 60_000
export const DEFAULT_RETRIES = 5
export const DEFAULT_BACKOFF_MS = 500
export const MAX_BACKOFF_MS = 10_000
/**
 * Frames read ahead of the disk. The byte buffer under pbStream is not flow
 * controlled (yamux grants window as bytes arrive), so the stream is paused
 * while each chunk is written; this cap is the safety net, and going over it
 * is a drop, which the resume logic recovers from.
 */
const MAX_READ_AHEAD_BYTES = 4 * 1024 * 1024

export interface ReceiveFileOptions extends AbortOptions {
  /** The downloads directory (created 0700 if missing; never a symlink). */
  dir: string
  /**
   * Refuse an offer larger than this before downloading anything.
   *
   * @default DEFAULT_MAX_FILE_BYTES (64 MiB)
   */
  maxBytes?: number
  /**
   * The whole transfer's deadline, retries included (TimeoutError; the part is kept).
   *
   * @default 1800000 (30 minutes)
   */
  timeoutMs?: number
  /**
   * No byte for this long drops the attempt and retries (the dial counts too).
   *
   * @default 60000
   */
  stallMs?: number
  /**
   * Failed attempts in a row (without a byte received) before giving up.
   *
   * @default 5
   */
  retries?: number
  /**
   * The wait before the first retry; it doubles per failure in a row, up to 10 s.
   *
   * @default 500
   */
  backoffMs?: number
  /** Called after each chunk is written, and once at the start with what a leftover part already holds. */
  onProgress?: (received: number, size: number) => void
}

export interface ReceivedFile {
  /** Where the file now is: inside `dir`, named after the sanitized offer name. */
  path: string
  bytes: number
  /** The offsets that Gets resumed from (every Get with an offset above 0), in order. */
  resumedFrom: number[]
}

/** A failure that retrying cannot fix; `dropPart` when the part's bytes are not to be trusted either. */
class Fatal extends Error {
  constructor (readonly error: Error, readonly dropPart: boolean) {
    super(error.message)
  }
}

/** Parts being written by this process: two receives of one offer into one directory would interleave. */
const busyParts = new Set<string>()

/**
 * Fetches `offer` from `from` (a multiaddr, or a PeerId the node can reach)
 * into `opts.dir`. See the module comment for the steps and bounds. Throws
 * FileTooLargeError (nothing fetched), FileNotOfferedError, FileHashMismatchError
 * (the part is deleted), FileTransferError (`retriable` says whether calling
 * again can help; the part is kept then), TimeoutError or AbortError (the
 * part is kept: calling again resumes).
 */
export async function receiveFile (node: Libp2p, from: Multiaddr | PeerId, offer: FileOffer, opts: ReceiveFileOptions): Promise<ReceivedFile> {
  checkOffer(offer)
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_FILE_BYTES
  if (offer.size > maxBytes) throw new FileTooLargeError(offer.size, maxBytes, 'the offered file')
  opts.signal?.throwIfAborted()
  const dir = resolve(opts.dir)
  await makeDirectory(dir)
  await assertRealDirectory(dir)
  const partPath = join(dir, `${hex(offer.id)}.part`)
  if (busyParts.has(partPath)) throw new FileTransferError(`file ${hex(offer.id)} is already being received into ${dir}: wait for that transfer to end`)
  busyParts.add(partPath)

  const timeoutMs = opts.timeoutMs ?? DEFAULT_TRANSFER_TIMEOUT_MS
  const deadline = new AbortController()
  const timer = setTimeout(() => { deadline.abort(new TimeoutError(`the file did not arrive within ${timeoutMs} ms; what arrived is kept in ${partPath}: receive it again to resume`)) }, timeoutMs)
  const signal = opts.signal == null ? deadline.signal : AbortSignal.any([deadline.signal, opts.signal])
  let part: FileHandle | undefined
  try {
    part = await openPart(partPath)
    const resumedFrom: number[] = []
    await download(node, from, offer, part, resumedFrom, opts, signal)
    const actual = await hashOf(part)
    await part.close()
    part = undefined
    if (Buffer.compare(actual, offer.sha256) !== 0) {
      await unlink(partPath)
      throw new FileHashMismatchError(hex(offer.sha256), hex(actual))
    }
    const target = await uniquePath(dir, sanitizeFilename(offer.name))
    try {
      await rename(partPath, target)
    } catch (err) {
      await unlink(target).catch(() => {})
      throw new FileTransferError(`the received file could not be moved into place (${(err as NodeJS.ErrnoException).code ?? 'error'}); it is kept in ${partPath}`, {}, { cause: err })
    }
    return { path: target, bytes: offer.size, resumedFrom }
  } catch (err) {
    // a part that never got a byte is not worth keeping (a refused or unreachable offer leaves nothing behind)
    const empty = part != null && (await part.stat().catch(() => undefined))?.size === 0
    if ((err instanceof Fatal && err.dropPart) || empty) {
      await part?.close()
      part = undefined
      await unlink(partPath).catch(() => {})
    }
    if (err instanceof Fatal) throw err.error
    if (signal.aborted && !(err instanceof FileHashMismatchError)) {
      throw opts.signal?.aborted === true ? new AbortError(`receiving the file was aborted; what arrived is kept in ${partPath}`) : signal.reason
    }
    throw err
  } finally {
    clearTimeout(timer)
    await part?.close()
    busyParts.delete(partPath)
  }
}

/** Opens (or creates, 0600) the part file without following a symlink. */
async function openPart (path: string): Promise<FileHandle> {
  const handle = await open(path, constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o600)
  const info = await handle.stat()
  if (!info.isFile()) {
    await handle.close()
    throw new FileTransferError(`${path} is not a regular file: remove it and receive again`)
  }
  if ((info.mode & 0o077) !== 0) await handle.chmod(0o600)
  return handle
}

async function hashOf (part: FileHandle): Promise<Buffer> {
  const hash = createHash('sha256')
  // bounded by the part's size, which is the offer's size (capped)
  for await (const chunk of part.createReadStream({ start: 0, highWaterMark: FILE_CHUNK_BYTES, autoClose: false })) {
    hash.update(chunk as Buffer)
  }
  return hash.digest()
}

async function download (node: Libp2p, from: Multiaddr | PeerId, offer: FileOffer, part: FileHandle, resumedFrom: number[], opts: ReceiveFileOptions, signal: AbortSignal): Promise<void> {
  const retries = opts.retries ?? DEFAULT_RETRIES
  const backoffMs = opts.backoffMs ?? DEFAULT_BACKOFF_MS
  const state = { received: (await part.stat()).size }
  if (state.received > offer.size) {
    // longer than the file can be: not ours to trust
    await part.truncate(0)
    state.received = 0
  }
  if (state.received > 0) opts.onProgress?.(state.received, offer.size)
  let failures = 0
  // bounded: each turn adds at least one byte (at most offer.size in all) or
  // counts a failure (at most retries + 1 in a row), and the deadline bounds both
  while (state.received < offer.size) {
    const before = state.received
    if (before > 0) resumedFrom.push(before)
    try {
      await fetchOnce(node, from, offer, part, state, opts, signal)
      return
    } catch (err) {
      if (err instanceof Fatal || signal.aborted) throw err
      failures = state.received > before ? 1 : failures + 1
      log('file %s: attempt failed at %d/%d bytes (%d in a row): %s', hex(offer.id), state.received, offer.size, failures, (err as Error).message)
      if (failures > retries) {
        throw new FileTransferError(`the file stopped arriving after ${retries} retries (${state.received} of ${offer.size} bytes kept): check the sender is online and receive it again to resume`, { retriable: true }, { cause: err })
      }
      await sleep(Math.min(backoffMs * 2 ** (failures - 1), MAX_BACKOFF_MS), signal)
    }
  }
}

/** One stream: Get from state.received, write chunks until End. Returns at End; throws Fatal for what a retry cannot fix. */
async function fetchOnce (node: Libp2p, from: Multiaddr | PeerId, offer: FileOffer, part: FileHandle, state: { received: number }, opts: ReceiveFileOptions, signal: AbortSignal): Promise<void> {
  const stallMs = opts.stallMs ?? DEFAULT_STALL_MS
  const id = hex(offer.id)
  const watchdog = new Watchdog(stallMs, [signal], () => new TimeoutError(`no byte of file ${id} for ${stallMs} ms`))
  let stream: Stream | undefined
  try {
    stream = await node.dialProtocol(from, FILE_PROTOCOL, { signal: watchdog.signal, negotiateFully: false }) // the Get goes out with the protocol name
    const frames = pbStream(stream, { maxDataLength: MAX_SERVED_FRAME_BYTES, maxBufferSize: MAX_READ_AHEAD_BYTES })
    await frames.write({ id: offer.id as Uint8Array<ArrayBuffer>, offset: BigInt(state.received) }, Get, { signal: watchdog.signal })
    // bounded: every Chunk carries at least one byte and the total stops at offer.size
    while (true) {
      const frame = await frames.read(Served, { signal: watchdog.signal })
      if (frame.refusal != null) throw refusalError(frame.refusal.code, id)
      if (frame.end != null) {
        if (state.received !== offer.size) throw protocolError(`the sender ended file ${id} after ${state.received} of ${offer.size} bytes`)
        await stream.close({ signal: watchdog.signal }).catch(() => {})
        return
      }
      const data = frame.chunk?.data
      if (data == null || data.byteLength === 0) throw protocolError(`the sender sent an empty frame for file ${id}`)
      if (state.received + data.byteLength > offer.size) throw protocolError(`the sender sent more than the offered ${offer.size} bytes of file ${id}`)
      // stop granting yamux window while the disk catches up (not once the sender has closed its end)
      if (stream.readStatus === 'readable') stream.pause()
      try {
        await part.write(data, 0, data.byteLength, state.received)
      } catch (err) {
        throw new Fatal(new FileTransferError(`could not write the part file (${(err as NodeJS.ErrnoException).code ?? 'error'}): free some space or fix the downloads directory, then receive again`, { retriable: true }, { cause: err }), false)
      }
      if (stream.readStatus === 'paused') stream.resume()
      state.received += data.byteLength
      watchdog.kick()
      opts.onProgress?.(state.received, offer.size)
    }
  } catch (err) {
    stream?.abort(err as Error)
    throw err
  } finally {
    watchdog.stop()
  }
}

function protocolError (message: string): Fatal {
  return new Fatal(new FileTransferError(`${message}: the part is deleted; ask the sender to offer the file again`), true)
}

function refusalError (code: Refusal.Code, id: string): Error {
  switch (code) {
    case Refusal.Code.NOT_FOUND:
      return new Fatal(new FileNotOfferedError(id), false)
    case Refusal.Code.CHANGED:
      return new Fatal(new FileTransferError(`the sender's copy of file ${id} changed since it was offered: the part is deleted; ask the sender to offer it again`), true)
    case Refusal.Code.BAD_OFFSET:
      return new Fatal(new FileTransferError(`the sender refused to resume file ${id} from this offset: the part is deleted; receive it again`), true)
    case Refusal.Code.BUSY:
      // retriable: the loop backs off and asks again
      return new Error(`the sender is busy with other transfers (file ${id})`)
    default:
      return new Fatal(new FileTransferError(`the sender could not read file ${id}: ask them to check it and offer it again`, { retriable: true }), false)
  }
}
