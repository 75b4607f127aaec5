/**
 * The hub's retained messages ("event history", as Crossbar's router keeps
 * it), in a LevelDB store (classic-level, which installs from npm alone).
 *
 * A record is the signed gossipsub message exactly as the hub received it:
 * `from`, `data`, `seqno`, `signature` and `key` are kept as bytes and never
 * interpreted. Sealed data stays sealed: the hub stores bytes it cannot read.
 *
 * ## Order, duplicates, trimming
 *
 * - Order is the hub's arrival order: a sequence number that only grows,
 *   persisted with every append, so it survives a restart.
 * - A record whose `id` is already retained on that topic is not stored
 *   again (an id that was trimmed away can be stored again).
 * - Each append trims the topic, oldest first, to its {@link HistoryPolicy}:
 *   at most `limit` records, at most `maxBytes` bytes (the sum of the
 *   records' encoded sizes, below), and none older than `maxAgeSeconds`
 *   before the new record's `time`. A record larger than `maxBytes` on its
 *   own is not stored. A topic that goes quiet keeps its records until the
 *   next append or {@link HistoryStore.trim} (the hub may call it from a timer).
 *
 * ## Keys (all bytes; `topic` is UTF-8 behind a 2-byte big-endian length, so
 * no topic's keys are a prefix of another's)
 *
 * | key | value |
 * |---|---|
 * | `M` | format version (1 byte) · last sequence number (8 bytes BE) |
 * | `R` · len · topic · seq (8 bytes BE) | the record (below) |
 * | `I` · len · topic · id (16 bytes) | seq (8 bytes BE): duplicates and `afterId` |
 * | `S` · len · topic | retained count (8 bytes BE) · retained bytes (8 bytes BE) |
 *
 * ## Record value: a length-prefixed layout, written by hand
 *
 * `version (1) · id (16) · time (float64 BE, ms) · then from, data, seqno,
 * signature, key, each a uint32 BE length and the bytes`. Five opaque byte
 * fields in a fixed order need no schema language; this keeps the store free
 * of a generated codec and a second .proto that nothing else reads. The
 * version byte lets a later format be told apart.
 */
import { mkdir } from 'node:fs/promises'
import { InvalidParametersError } from '@libp2p/interface'
import { ClassicLevel } from 'classic-level'
import { HistoryStoreError } from './errors.js'
import type { HistoryPolicy } from './realm.js'
import { validateUri } from './uri.js'

/** One retained message: the signed gossipsub message as received, plus the hub's receive time. */
export interface HistoryRecord {
  /** The envelope id, 16 bytes. */
  id: Uint8Array
  /** The hub's receive time, ms since the epoch. */
  time: number
  topic: string
  from: Uint8Array
  data: Uint8Array
  seqno: Uint8Array
  signature: Uint8Array
  key: Uint8Array
}

/** Where {@link HistoryStore.since} starts. */
export interface HistorySince {
  /** Hex of an envelope id: records retained after it. */
  afterId?: string
  /** Ms since the epoch: records the hub received at or after it. */
  sinceTime?: number
}

export interface HistorySinceOptions {
  /**
   * At most this many records (oldest first); ask again with the last id as
   * `afterId` for the next page.
   *
   * @default 10000
   */
  max?: number
  /**
   * Stop before the records' encoded bytes would pass this (one record is
   * always returned, so paging moves on).
   *
   * @default 33554432 (32 MiB)
   */
  maxBytes?: number
}

export const HISTORY_ID_BYTES = 16
export const DEFAULT_SINCE_MAX = 10_000
export const DEFAULT_SINCE_MAX_BYTES = 32 * 1024 * 1024

const FORMAT = 1
const META = Uint8Array.of(0x4d) // 'M'
const RECORD = 0x52 // 'R'
const ID = 0x49 // 'I'
const STATS = 0x53 // 'S'
const FIELDS = ['from', 'data', 'seqno', 'signature', 'key'] as const
const HEADER = 1 + HISTORY_ID_BYTES + 8
const encoder = new TextEncoder()

function u64 (n: number): Uint8Array {
  const out = new Uint8Array(8)
  const view = new DataView(out.buffer)
  view.setUint32(0, Math.floor(n / 2 ** 32))
  view.setUint32(4, n >>> 0)
  return out
}

function readU64 (bytes: Uint8Array, offset = 0): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return view.getUint32(offset) * 2 ** 32 + view.getUint32(offset + 4)
}

function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.byteLength
  }
  return out
}

/** `tag · len · topic`: the start of every key of one topic in one space. */
function topicPrefix (tag: number, topic: string): Uint8Array {
  const name = encoder.encode(topic)
  const out = new Uint8Array(3 + name.byteLength)
  out[0] = tag
  new DataView(out.buffer).setUint16(1, name.byteLength)
  out.set(name, 3)
  return out
}

function toHex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

function encodeRecord (rec: Omit<HistoryRecord, 'topic'>): Uint8Array {
  const size = HEADER + FIELDS.reduce((n, f) => n + 4 + rec[f].byteLength, 0)
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  out[0] = FORMAT
  out.set(rec.id, 1)
  view.setFloat64(1 + HISTORY_ID_BYTES, rec.time)
  let at = HEADER
  for (const f of FIELDS) {
    view.setUint32(at, rec[f].byteLength)
    out.set(rec[f], at + 4)
    at += 4 + rec[f].byteLength
  }
  return out
}

/** A plain Uint8Array copy: classic-level hands out Buffers that may share a larger allocation. */
function copy (bytes: Uint8Array, start: number, end: number): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end))
}

function decodeRecord (dir: string, topic: string, bytes: Uint8Array): HistoryRecord {
  const damaged = (): HistoryStoreError => new HistoryStoreError(dir, `a retained record of ${topic} in ${dir} is damaged; stop the hub and remove the history directory to start it afresh`)
  if (bytes.byteLength < HEADER || bytes[0] !== FORMAT) {
    throw damaged()
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const rec: any = {
    id: copy(bytes, 1, 1 + HISTORY_ID_BYTES),
    time: view.getFloat64(1 + HISTORY_ID_BYTES),
    topic
  }
  let at = HEADER
  for (const f of FIELDS) {
    if (at + 4 > bytes.byteLength) {
      throw damaged()
    }
    const length = view.getUint32(at)
    if (at + 4 + length > bytes.byteLength) {
      throw damaged()
    }
    rec[f] = copy(bytes, at + 4, at + 4 + length)
    at += 4 + length
  }
  if (at !== bytes.byteLength) {
    throw damaged()
  }
  return rec
}

function checkPolicy (policy: HistoryPolicy): void {
  const positive = (v: number | undefined): boolean => v === undefined || (Number.isSafeInteger(v) && v > 0)
  if (!positive(policy.limit) || !positive(policy.maxAgeSeconds) || !positive(policy.maxBytes)) {
    throw new InvalidParametersError('a history policy has a positive integer maxBytes, and limit and maxAgeSeconds are positive integers when present')
  }
}

/** The hub's retained messages, per topic. Open one per hub data directory. */
export class HistoryStore {
  private readonly db: ClassicLevel<Uint8Array, Uint8Array>
  private readonly dir: string
  private seq: number
  /** Appends and trims run one at a time: each reads then writes a topic's stats. */
  private tail: Promise<void> = Promise.resolve()
  private closed = false

  private constructor (dir: string, db: ClassicLevel<Uint8Array, Uint8Array>, seq: number) {
    this.dir = dir
    this.db = db
    this.seq = seq
  }

  /**
   * Opens (or creates, mode 0700) the store in `dir`.
   *
   * @throws {HistoryStoreError} when another process holds it, or it has an unknown format
   */
  static async open (dir: string): Promise<HistoryStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
    try {
      await db.open()
    } catch (err: any) {
      if (err?.cause?.code === 'LEVEL_LOCKED') {
        throw new HistoryStoreError(dir, `the history store ${dir} is in use by another process (another hub with the same data directory?); stop it, or give this hub its own data directory`, { cause: err })
      }
      throw new HistoryStoreError(dir, `cannot open the history store ${dir}: ${String(err?.message)}`, { cause: err })
    }
    const meta = await db.get(META)
    if (meta == null) {
      await db.put(META, concat(Uint8Array.of(FORMAT), u64(0)))
      return new HistoryStore(dir, db, 0)
    }
    if (meta.byteLength !== 9 || meta[0] !== FORMAT) {
      await db.close()
      throw new HistoryStoreError(dir, `the history store ${dir} has format ${meta[0]}, this hub reads format ${FORMAT}; use the hub version that wrote it, or remove the directory`)
    }
    return new HistoryStore(dir, db, readU64(meta, 1))
  }

  private exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn)
    this.tail = run.then(() => {}, () => {})
    return run
  }

  private assertOpen (): void {
    if (this.closed) {
      throw new HistoryStoreError(this.dir, `the history store ${this.dir} is closed`)
    }
  }

  /**
   * Retains `rec` on `topic` (its `topic` field is not read) and trims the
   * topic to `policy`. A record whose id the topic already retains is not
   * stored again.
   *
   * @throws {InvalidUriError} for a topic that is not a valid URI
   * @throws {InvalidParametersError} for an id that is not 16 bytes, a time that is not finite, or a bad policy
   */
  async append (topic: string, rec: Omit<HistoryRecord, 'topic'>, policy: HistoryPolicy): Promise<void> {
    validateUri(topic)
    checkPolicy(policy)
    if (!(rec.id instanceof Uint8Array) || rec.id.byteLength !== HISTORY_ID_BYTES) {
      throw new InvalidParametersError(`a history record id is ${HISTORY_ID_BYTES} bytes`)
    }
    if (!Number.isFinite(rec.time)) {
      throw new InvalidParametersError('a history record time is a finite number of ms since the epoch')
    }
    const value = encodeRecord(rec)
    this.assertOpen()
    await this.exclusive(async () => {
      if (value.byteLength > policy.maxBytes) {
        return
      }
      const idKey = concat(topicPrefix(ID, topic), rec.id)
      if (await this.db.has(idKey)) {
        return
      }
      const seq = this.seq + 1
      const ops: Array<{ type: 'put', key: Uint8Array, value: Uint8Array } | { type: 'del', key: Uint8Array }> = [
        { type: 'put', key: concat(topicPrefix(RECORD, topic), u64(seq)), value },
        { type: 'put', key: idKey, value: u64(seq) }
      ]
      const stats = await this.stats(topic)
      const kept = await this.trimOps(topic, policy, rec.time, stats.count + 1, stats.bytes + value.byteLength, ops)
      ops.push({ type: 'put', key: topicPrefix(STATS, topic), value: concat(u64(kept.count), u64(kept.bytes)) })
      ops.push({ type: 'put', key: META, value: concat(Uint8Array.of(FORMAT), u64(seq)) })
      await this.db.batch(ops)
      this.seq = seq
    })
  }

  /** Trims `topic` to `policy` as of `now` (ms); for topics that have gone quiet. */
  async trim (topic: string, policy: HistoryPolicy, now: number = Date.now()): Promise<void> {
    validateUri(topic)
    checkPolicy(policy)
    this.assertOpen()
    await this.exclusive(async () => {
      const stats = await this.stats(topic)
      const ops: Array<{ type: 'put', key: Uint8Array, value: Uint8Array } | { type: 'del', key: Uint8Array }> = []
      const kept = await this.trimOps(topic, policy, now, stats.count, stats.bytes, ops)
      if (ops.length > 0) {
        ops.push({ type: 'put', key: topicPrefix(STATS, topic), value: concat(u64(kept.count), u64(kept.bytes)) })
        await this.db.batch(ops)
      }
    })
  }

  private async stats (topic: string): Promise<{ count: number, bytes: number }> {
    const stats = await this.db.get(topicPrefix(STATS, topic))
    return stats == null ? { count: 0, bytes: 0 } : { count: readU64(stats, 0), bytes: readU64(stats, 8) }
  }

  /**
   * Adds to `ops` the deletes that bring the topic, counted as `count`
   * records of `bytes`, within `policy` at time `now`, oldest first. Only
   * records already stored are read: a record being appended is the newest.
   */
  private async trimOps (topic: string, policy: HistoryPolicy, now: number, count: number, bytes: number, ops: Array<{ type: 'del', key: Uint8Array } | { type: 'put', key: Uint8Array, value: Uint8Array }>): Promise<{ count: number, bytes: number }> {
    const limit = policy.limit ?? Infinity
    const cutoff = policy.maxAgeSeconds == null ? -Infinity : now - policy.maxAgeSeconds * 1000
    const prefix = topicPrefix(RECORD, topic)
    for await (const [key, value] of this.db.iterator({ gt: prefix, lt: concat(prefix, new Uint8Array(8).fill(0xff)) })) {
      const time = new DataView(value.buffer, value.byteOffset, value.byteLength).getFloat64(1 + HISTORY_ID_BYTES)
      if (count <= limit && bytes <= policy.maxBytes && !(time < cutoff)) {
        break
      }
      ops.push({ type: 'del', key })
      ops.push({ type: 'del', key: concat(topicPrefix(ID, topic), value.subarray(1, 1 + HISTORY_ID_BYTES)) })
      count -= 1
      bytes -= value.byteLength
    }
    return { count, bytes }
  }

  /**
   * The records of `topic` from a point on, oldest first, in arrival order.
   *
   * - `afterId` known: the records retained after it (`sinceTime` is not used).
   * - `afterId` unknown (trimmed, or from before a store was wiped): everything
   *   retained, filtered by `sinceTime` when given. Sending too much is safe
   *   where sending too little is not: the subscriber drops the ids it has
   *   already seen.
   * - `sinceTime` alone: the records received at or after it.
   * - neither: everything retained.
   *
   * @throws {InvalidParametersError} for an `afterId` that is not 32 hex digits, or a bad `max`
   */
  async since (topic: string, from: HistorySince, opts: HistorySinceOptions = {}): Promise<HistoryRecord[]> {
    validateUri(topic)
    const max = opts.max ?? DEFAULT_SINCE_MAX
    const maxBytes = opts.maxBytes ?? DEFAULT_SINCE_MAX_BYTES
    if (!Number.isSafeInteger(max) || max < 1 || max > DEFAULT_SINCE_MAX) {
      throw new InvalidParametersError(`max is an integer from 1 to ${DEFAULT_SINCE_MAX}`)
    }
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new InvalidParametersError('maxBytes is a positive integer')
    }
    this.assertOpen()
    const prefix = topicPrefix(RECORD, topic)
    let after = 0
    let sinceTime = from.sinceTime
    if (from.afterId != null) {
      if (!/^[0-9a-f]{32}$/i.test(from.afterId)) {
        throw new InvalidParametersError(`afterId is the hex of a ${HISTORY_ID_BYTES}-byte id (32 hex digits)`)
      }
      const seq = await this.db.get(concat(topicPrefix(ID, topic), Buffer.from(from.afterId, 'hex')))
      if (seq != null) {
        after = readU64(seq)
        sinceTime = undefined
      }
    }
    const out: HistoryRecord[] = []
    let bytes = 0
    for await (const [, value] of this.db.iterator({ gt: concat(prefix, u64(after)), lt: concat(prefix, new Uint8Array(8).fill(0xff)) })) {
      const rec = decodeRecord(this.dir, topic, value)
      if (sinceTime != null && rec.time < sinceTime) {
        continue
      }
      if (out.length > 0 && bytes + value.byteLength > maxBytes) {
        break
      }
      out.push(rec)
      bytes += value.byteLength
      if (out.length >= max) {
        break
      }
    }
    return out
  }

  /** Waits for pending appends, then closes the store. Safe to call twice. */
  async close (): Promise<void> {
    if (this.closed) {
      return
    }
    this.closed = true
    await this.tail
    await this.db.close()
  }
}

/** The hex form of a record id, as `afterId` takes it. */
export function historyIdHex (id: Uint8Array): string {
  return toHex(id)
}
