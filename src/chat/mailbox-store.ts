/**
 * The mailbox's store: opaque blobs per recipient inbox, in a LevelDB store
 * (classic-level, as src/messaging/history.ts uses it). The mailbox cannot
 * read what it holds, and it never learns who deposited it: a deposit names
 * only the inbox and the blob, so no depositor PeerId or address is ever
 * written here.
 *
 * ## Keys (UTF-8 strings; hex is lower case, counters 16 hex digits, so
 * lexicographic order is numeric order)
 *
 * | key | value |
 * |---|---|
 * | `m/format` | the format version, one byte |
 * | `m/counter` | the last arrival counter, 8 bytes big-endian |
 * | `o/<inbox hex>` | the inbox: JSON `{ owner, blobs, bytes }` (the owner's PeerId, not a depositor's) |
 * | `i/<inbox hex>/<counter hex>` | a blob: version (1) · arrival time (float64 BE, ms) · the blob |
 * | `e/<counter hex>` | the expiry index: arrival time (float64 BE) · inbox id (16 bytes) |
 *
 * The counter is global and only grows (persisted in every deposit's
 * batch), so an inbox's blobs come back in arrival order across restarts,
 * and `e/` lists every blob in arrival order: the expiry sweep reads it from
 * the start and stops at the first blob that has not expired. (A clock that
 * steps backwards can make a later blob look older; it then waits for the
 * sweep to reach it, and a fetch skips it anyway once it has expired.)
 *
 * The blob value's layout is written by hand: a version byte, a float64 and
 * the opaque bytes need no schema language (history.ts does the same).
 *
 * ## Quotas
 *
 * {@link MailboxLimits}: per blob, per inbox (count and bytes), total bytes,
 * number of inboxes; `bytes` counts blob bytes only. Blobs leave only by the
 * owner's delete (by id) or by expiry.
 */
import { mkdir } from 'node:fs/promises'
import { InvalidParametersError } from '@libp2p/interface'
import { ClassicLevel } from 'classic-level'
import { MailboxError, MailboxNotOwnerError, MailboxQuotaError, MailboxRefusedError, MailboxTooLargeError, MailboxUnknownInboxError } from './errors.js'

export interface MailboxLimits {
  /**
   * The largest blob accepted, in bytes (at most {@link MAILBOX_MAX_BLOB_BYTES}).
   *
   * @default 262144 (256 KiB)
   */
  maxBlobBytes: number
  /**
   * Blobs one inbox may hold.
   *
   * @default 1000
   */
  maxBlobsPerInbox: number
  /**
   * Blob bytes one inbox may hold.
   *
   * @default 16777216 (16 MiB)
   */
  maxBytesPerInbox: number
  /**
   * Blob bytes the whole mailbox may hold.
   *
   * @default 268435456 (256 MiB)
   */
  maxTotalBytes: number
  /**
   * Inboxes the mailbox keeps.
   *
   * @default 1000
   */
  maxInboxes: number
  /**
   * How long a blob is kept, in ms from its arrival.
   *
   * @default 604800000 (7 days)
   */
  expiryMs: number
}

export const MAILBOX_INBOX_BYTES = 16
/** The cap on maxBlobBytes: a fetch answer must hold at least one blob in its frame. */
export const MAILBOX_MAX_BLOB_BYTES = 4 * 1024 * 1024
/** A fetch returns at most this many blobs. */
export const MAILBOX_MAX_FETCH = 256
/** The blob bytes one fetch answer may hold (it holds at least one blob). */
export const MAILBOX_MAX_FETCH_BYTES = 4 * 1024 * 1024
/** A delete names at most this many ids. */
export const MAILBOX_MAX_DELETE = 1024
/** One sweep deletes at most this many expired blobs (the timer runs again). */
export const MAILBOX_SWEEP_MAX = 10_000

export const DEFAULT_MAILBOX_LIMITS: Readonly<MailboxLimits> = Object.freeze({
  maxBlobBytes: 256 * 1024,
  maxBlobsPerInbox: 1000,
  maxBytesPerInbox: 16 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxInboxes: 1000,
  expiryMs: 7 * 24 * 3600 * 1000
})

export interface MailboxStoreOptions {
  limits?: Partial<MailboxLimits>
  /** The clock, in ms since the epoch (tests inject one). @default Date.now */
  now?: () => number
}

/** A stored blob as a fetch returns it. */
export interface StoredMailboxBlob {
  /** The arrival counter: the id the owner deletes it by. */
  id: bigint
  blob: Uint8Array
}

export interface MailboxStats {
  inboxes: number
  blobs: number
  bytes: number
}

interface Inbox {
  owner: string
  blobs: number
  bytes: number
}

type Op = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

const FORMAT = 1
const FORMAT_KEY = 'm/format'
const COUNTER_KEY = 'm/counter'
const BLOB_HEADER = 9
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Checks `limits` over the defaults; throws InvalidParametersError naming the first bad one. */
export function mailboxLimits (limits: Partial<MailboxLimits> = {}): MailboxLimits {
  const out: MailboxLimits = { ...DEFAULT_MAILBOX_LIMITS }
  for (const [key, value] of Object.entries(limits) as Array<[keyof MailboxLimits, number | undefined]>) {
    if (!(key in DEFAULT_MAILBOX_LIMITS)) throw new InvalidParametersError(`unknown mailbox limit ${key}`)
    if (value === undefined) continue
    if (!Number.isSafeInteger(value) || value < 1) throw new InvalidParametersError(`the mailbox limit ${key} is a positive integer, got ${String(value)}`)
    out[key] = value
  }
  if (out.maxBlobBytes > MAILBOX_MAX_BLOB_BYTES) {
    throw new InvalidParametersError(`maxBlobBytes is at most ${MAILBOX_MAX_BLOB_BYTES} (a fetch answer must hold a blob), got ${out.maxBlobBytes}`)
  }
  return out
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

function counterHex (n: bigint): string {
  return n.toString(16).padStart(16, '0')
}

function u64 (n: bigint): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, n)
  return out
}

function inboxHex (inbox: Uint8Array): string {
  if (!(inbox instanceof Uint8Array) || inbox.byteLength !== MAILBOX_INBOX_BYTES) {
    throw new InvalidParametersError(`an inbox id is ${MAILBOX_INBOX_BYTES} bytes`)
  }
  return hex(inbox)
}

function encodeInbox (inbox: Inbox): Uint8Array {
  return encoder.encode(JSON.stringify({ owner: inbox.owner, blobs: inbox.blobs, bytes: inbox.bytes }))
}

/** The mailbox's blobs. Open one per mailbox data directory. */
export class MailboxStore {
  readonly limits: Readonly<MailboxLimits>
  private readonly db: ClassicLevel<string, Uint8Array>
  private readonly dir: string
  private readonly now: () => number
  private readonly inboxes: Map<string, Inbox>
  private counter: bigint
  private totalBlobs = 0
  private totalBytes = 0
  /** Writes run one at a time: each reads then writes an inbox's counts. */
  private tail: Promise<void> = Promise.resolve()
  private closed = false

  private constructor (dir: string, db: ClassicLevel<string, Uint8Array>, limits: MailboxLimits, now: () => number, counter: bigint, inboxes: Map<string, Inbox>) {
    this.dir = dir
    this.db = db
    this.limits = Object.freeze(limits)
    this.now = now
    this.counter = counter
    this.inboxes = inboxes
    for (const inbox of inboxes.values()) {
      this.totalBlobs += inbox.blobs
      this.totalBytes += inbox.bytes
    }
  }

  /**
   * Opens (or creates, mode 0700) the store in `dir`.
   *
   * @throws {InvalidParametersError} for a bad limit
   * @throws {MailboxError} when another process holds the store, or it is damaged or of another format
   */
  static async open (dir: string, opts: MailboxStoreOptions = {}): Promise<MailboxStore> {
    const limits = mailboxLimits(opts.limits)
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
    try {
      await db.open()
    } catch (err: any) {
      if (err?.cause?.code === 'LEVEL_LOCKED') {
        throw new MailboxError(`the mailbox store ${dir} is in use by another process (another mailbox with the same data directory?); stop it, or give this one its own data directory`, 'INTERNAL', { cause: err })
      }
      throw new MailboxError(`cannot open the mailbox store ${dir}: ${String(err?.message)}`, 'INTERNAL', { cause: err })
    }
    try {
      const format = await db.get(FORMAT_KEY)
      if (format == null) {
        await db.batch([{ type: 'put', key: FORMAT_KEY, value: Uint8Array.of(FORMAT) }, { type: 'put', key: COUNTER_KEY, value: u64(0n) }])
      } else if (format.byteLength !== 1 || format[0] !== FORMAT) {
        throw new MailboxError(`the mailbox store ${dir} has format ${format[0]}, this mailbox reads format ${FORMAT}; use the version that wrote it, or remove the directory`)
      }
      const counterBytes = await db.get(COUNTER_KEY)
      if (counterBytes == null || counterBytes.byteLength !== 8) throw damaged(dir)
      const counter = new DataView(counterBytes.buffer, counterBytes.byteOffset, 8).getBigUint64(0)
      const inboxes = new Map<string, Inbox>()
      // bounded: at most maxInboxes records were ever written (a lower limit
      // on reopen keeps what is there and refuses new ones)
      for await (const [key, value] of db.iterator({ gt: 'o/', lt: 'o/\xff' })) {
        inboxes.set(key.slice(2), parseInbox(dir, value))
      }
      return new MailboxStore(dir, db, limits, opts.now ?? Date.now, counter, inboxes)
    } catch (err) {
      await db.close()
      throw err
    }
  }

  private exclusive<T> (fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new MailboxError(`the mailbox store ${this.dir} is closed`))
    const run = this.tail.then(fn)
    this.tail = run.then(() => {}, () => {})
    return run
  }

  /** Counts of what is stored (expired blobs count until swept). */
  stats (): MailboxStats {
    return { inboxes: this.inboxes.size, blobs: this.totalBlobs, bytes: this.totalBytes }
  }

  /** The PeerId that owns `inbox`, or undefined if it is not registered. */
  ownerOf (inbox: Uint8Array): string | undefined {
    return this.inboxes.get(inboxHex(inbox))?.owner
  }

  /**
   * Registers `inbox` for `owner`. Idempotent for the same owner.
   *
   * @returns true when it was created, false when `owner` already had it
   * @throws {MailboxNotOwnerError} when another PeerId owns it
   * @throws {MailboxRefusedError} when maxInboxes is reached
   */
  async register (inbox: Uint8Array, owner: string): Promise<boolean> {
    const id = inboxHex(inbox)
    if (typeof owner !== 'string' || owner === '') throw new InvalidParametersError('an inbox owner is a PeerId string')
    return await this.exclusive(async () => {
      const known = this.inboxes.get(id)
      if (known != null) {
        if (known.owner !== owner) throw new MailboxNotOwnerError('this inbox id is registered by another PeerId: pick a fresh random inbox id')
        return false
      }
      if (this.inboxes.size >= this.limits.maxInboxes) {
        throw new MailboxRefusedError(`the mailbox holds ${this.inboxes.size} inboxes, its limit: ask its operator to raise it, or use another mailbox`)
      }
      const record: Inbox = { owner, blobs: 0, bytes: 0 }
      await this.db.put(`o/${id}`, encodeInbox(record))
      this.inboxes.set(id, record)
      return true
    })
  }

  /**
   * Stores `blob` in `inbox`.
   *
   * @returns the blob's id (its arrival counter)
   * @throws {MailboxUnknownInboxError} | {MailboxTooLargeError} | {MailboxQuotaError}
   */
  async deposit (inbox: Uint8Array, blob: Uint8Array): Promise<bigint> {
    const id = inboxHex(inbox)
    if (!(blob instanceof Uint8Array)) throw new InvalidParametersError('a blob is a Uint8Array')
    if (blob.byteLength > this.limits.maxBlobBytes) {
      throw new MailboxTooLargeError(`the blob is ${blob.byteLength} bytes, over the mailbox's cap of ${this.limits.maxBlobBytes}: send something smaller`)
    }
    return await this.exclusive(async () => {
      let record = this.inboxes.get(id)
      if (record == null) throw new MailboxUnknownInboxError()
      if (this.overQuota(record, blob.byteLength) != null) {
        // expired blobs may still be counted: sweep, then judge again
        await this.sweepLocked(MAILBOX_SWEEP_MAX)
        record = this.inboxes.get(id) ?? record
      }
      const over = this.overQuota(record, blob.byteLength)
      if (over != null) throw new MailboxQuotaError(over)
      const counter = this.counter + 1n
      const time = this.now()
      const value = new Uint8Array(BLOB_HEADER + blob.byteLength)
      value[0] = FORMAT
      new DataView(value.buffer).setFloat64(1, time)
      value.set(blob, BLOB_HEADER)
      const expiry = new Uint8Array(8 + MAILBOX_INBOX_BYTES)
      new DataView(expiry.buffer).setFloat64(0, time)
      expiry.set(inbox, 8)
      const next: Inbox = { owner: record.owner, blobs: record.blobs + 1, bytes: record.bytes + blob.byteLength }
      await this.db.batch([
        { type: 'put', key: `i/${id}/${counterHex(counter)}`, value },
        { type: 'put', key: `e/${counterHex(counter)}`, value: expiry },
        { type: 'put', key: `o/${id}`, value: encodeInbox(next) },
        { type: 'put', key: COUNTER_KEY, value: u64(counter) }
      ])
      this.counter = counter
      this.inboxes.set(id, next)
      this.totalBlobs += 1
      this.totalBytes += blob.byteLength
      return counter
    })
  }

  private overQuota (record: Inbox, size: number): string | undefined {
    if (record.blobs + 1 > this.limits.maxBlobsPerInbox) return `the inbox holds ${record.blobs} blobs, its limit: try again after its owner has fetched`
    if (record.bytes + size > this.limits.maxBytesPerInbox) return `the inbox holds ${record.bytes} bytes; this blob would pass its limit of ${this.limits.maxBytesPerInbox}: try again after its owner has fetched`
    if (this.totalBytes + size > this.limits.maxTotalBytes) return 'the mailbox is full: try again later, or deliver directly'
    return undefined
  }

  /**
   * The owner's blobs in arrival order, after sweeping expired ones: at most
   * `limit`, and no more blob bytes than `maxBytes` (at least one blob).
   *
   * @throws {MailboxUnknownInboxError} | {MailboxNotOwnerError}
   */
  async fetch (inbox: Uint8Array, owner: string, limit = MAILBOX_MAX_FETCH, maxBytes = MAILBOX_MAX_FETCH_BYTES): Promise<{ blobs: StoredMailboxBlob[], more: boolean }> {
    const id = inboxHex(inbox)
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAILBOX_MAX_FETCH) throw new InvalidParametersError(`a fetch limit is 1 to ${MAILBOX_MAX_FETCH}`)
    return await this.exclusive(async () => {
      this.checkOwner(id, owner)
      await this.sweepLocked(MAILBOX_SWEEP_MAX)
      const cutoff = this.now() - this.limits.expiryMs
      const blobs: StoredMailboxBlob[] = []
      let bytes = 0
      let more = false
      // bounded by maxBlobsPerInbox records, and stops at limit
      for await (const [key, value] of this.db.iterator({ gt: `i/${id}/`, lt: `i/${id}/\xff` })) {
        if (value.byteLength < BLOB_HEADER || value[0] !== FORMAT) throw damaged(this.dir)
        const time = new DataView(value.buffer, value.byteOffset, value.byteLength).getFloat64(1)
        if (time <= cutoff) continue
        const size = value.byteLength - BLOB_HEADER
        if (blobs.length >= limit || (blobs.length > 0 && bytes + size > maxBytes)) {
          more = true
          break
        }
        blobs.push({ id: BigInt(`0x${key.slice(key.lastIndexOf('/') + 1)}`), blob: new Uint8Array(value.subarray(BLOB_HEADER)) })
        bytes += size
      }
      return { blobs, more }
    })
  }

  /**
   * Deletes the owner's blobs by id; ids it does not hold (already deleted or
   * expired) are skipped.
   *
   * @returns how many were deleted
   * @throws {MailboxUnknownInboxError} | {MailboxNotOwnerError}
   */
  async delete (inbox: Uint8Array, owner: string, ids: bigint[]): Promise<number> {
    const id = inboxHex(inbox)
    if (!Array.isArray(ids) || ids.length > MAILBOX_MAX_DELETE || ids.some(i => typeof i !== 'bigint' || i < 1n || i >= 2n ** 64n)) {
      throw new InvalidParametersError(`a delete names at most ${MAILBOX_MAX_DELETE} blob ids, each a positive 64-bit integer`)
    }
    return await this.exclusive(async () => {
      this.checkOwner(id, owner)
      const keys = [...new Set(ids)].map(n => `i/${id}/${counterHex(n)}`)
      const values = await this.db.getMany(keys)
      const ops: Op[] = []
      let blobs = 0
      let bytes = 0
      keys.forEach((key, i) => {
        const value = values[i]
        if (value == null) return
        ops.push({ type: 'del', key }, { type: 'del', key: `e/${key.slice(key.lastIndexOf('/') + 1)}` })
        blobs += 1
        bytes += value.byteLength - BLOB_HEADER
      })
      if (blobs > 0) await this.commitRemoval(id, blobs, bytes, ops)
      return blobs
    })
  }

  private checkOwner (id: string, owner: string): void {
    const record = this.inboxes.get(id)
    if (record == null) throw new MailboxUnknownInboxError()
    if (record.owner !== owner) throw new MailboxNotOwnerError()
  }

  /** Writes `ops` plus the inbox's new counts, then updates the counts in memory. */
  private async commitRemoval (id: string, blobs: number, bytes: number, ops: Op[]): Promise<void> {
    const record = this.inboxes.get(id)
    if (record == null) {
      await this.db.batch(ops)
      return
    }
    const next: Inbox = { owner: record.owner, blobs: Math.max(0, record.blobs - blobs), bytes: Math.max(0, record.bytes - bytes) }
    ops.push({ type: 'put', key: `o/${id}`, value: encodeInbox(next) })
    await this.db.batch(ops)
    this.inboxes.set(id, next)
    this.totalBlobs -= record.blobs - next.blobs
    this.totalBytes -= record.bytes - next.bytes
  }

  /**
   * Deletes blobs older than expiryMs, oldest first, at most `max` of them.
   *
   * @returns how many were deleted
   */
  async sweep (max = MAILBOX_SWEEP_MAX): Promise<number> {
    return await this.exclusive(async () => await this.sweepLocked(max))
  }

  private async sweepLocked (max: number): Promise<number> {
    const cutoff = this.now() - this.limits.expiryMs
    const perInbox = new Map<string, { blobs: number, bytes: number, ops: Op[] }>()
    let count = 0
    for await (const [key, value] of this.db.iterator({ gt: 'e/', lt: 'e/\xff', limit: max })) {
      if (value.byteLength !== 8 + MAILBOX_INBOX_BYTES) throw damaged(this.dir)
      const time = new DataView(value.buffer, value.byteOffset, 8).getFloat64(0)
      if (time > cutoff) break
      const id = hex(value.subarray(8))
      const counter = key.slice(2)
      const blobKey = `i/${id}/${counter}`
      const blob = await this.db.get(blobKey)
      const entry = perInbox.get(id) ?? { blobs: 0, bytes: 0, ops: [] }
      entry.ops.push({ type: 'del', key }, { type: 'del', key: blobKey })
      if (blob != null) {
        entry.blobs += 1
        entry.bytes += blob.byteLength - BLOB_HEADER
      }
      perInbox.set(id, entry)
      count += 1
    }
    for (const [id, entry] of perInbox) {
      await this.commitRemoval(id, entry.blobs, entry.bytes, entry.ops)
    }
    return count
  }

  /** Waits for pending writes, then closes the store. Safe to call twice. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.tail
    await this.db.close()
  }
}

function damaged (dir: string): MailboxError {
  return new MailboxError(`the mailbox store ${dir} is damaged; stop the mailbox and remove the directory to start afresh (its inboxes must then be registered again)`)
}

function parseInbox (dir: string, value: Uint8Array): Inbox {
  try {
    const parsed = JSON.parse(decoder.decode(value))
    if (typeof parsed.owner === 'string' && Number.isSafeInteger(parsed.blobs) && Number.isSafeInteger(parsed.bytes)) {
      return { owner: parsed.owner, blobs: parsed.blobs, bytes: parsed.bytes }
    }
  } catch {}
  throw damaged(dir)
}
