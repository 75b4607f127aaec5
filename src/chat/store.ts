/**
 * The chat's encrypted store (docs/chat.md, "Storage"): classic-level, where
 * every value is sealed with XChaCha20-Poly1305 (@noble/ciphers) under the
 * 32-byte store key, with a random 24-byte nonce and the record's key (its
 * UTF-8 bytes) as AAD, so a value moved to another key does not open.
 *
 *   stored value = version (1 byte, 1) ‖ nonce (24) ‖ ciphertext ‖ tag (16)
 *
 * Keys are stored in the clear, so callers must keep names and PeerIds out
 * of them (contacts are filed under random local ids). A check record
 * (`meta/check`) is written when the store is made, so a wrong key fails at
 * open with StoreKeyError rather than as damaged records later.
 *
 * The key comes from loadStoreKey(dataDir): a random key in `store.key`, or
 * scrypt (N=2^15, r=8, p=1) of a passphrase with the salt in `store.salt`.
 * Both files are written once, atomically, mode 0600, and a file that group
 * or others can read is refused (src/onion/atomic-file.ts, keyfile.ts). The
 * passphrase is NFKC-normalized first, so it derives the same key however a
 * keyboard composes its accented letters.
 */
import { randomBytes, scrypt } from 'node:crypto'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { InvalidParametersError } from '@libp2p/interface'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ClassicLevel } from 'classic-level'
import { makeDirectory, writeFileAtomically } from '../onion/atomic-file.js'
import { KeyFileError } from '../onion/errors.js'
import { assertOwnerOnlyMode } from '../onion/keyfile.js'
import { StoreCorruptError, StoreKeyError, StoreKeyModeError, StoreUnavailableError } from './core-errors.js'

export const STORE_KEY_BYTES = 32
export const STORE_KEY_FILE = 'store.key'
export const STORE_SALT_FILE = 'store.salt'
export const STORE_SALT_BYTES = 16
/** scrypt cost: N = 2^15, r = 8, p = 1 (about 32 MiB and 0.1 s). */
export const STORE_SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const
/** Largest value put() takes. */
export const MAX_STORE_VALUE_BYTES = 16 * 1024 * 1024
/** Longest key, in UTF-8 bytes. */
export const MAX_STORE_KEY_BYTES = 1024
/** The reserved record that tells a wrong key at open. */
export const STORE_CHECK_KEY = 'meta/check'

const VALUE_VERSION = 1
const NONCE_BYTES = 24
const TAG_BYTES = 16
const CHECK_PLAINTEXT = new TextEncoder().encode('p2p-tor chat store v1')
const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

export type StoreOp =
  | { type: 'put', key: string, value: Uint8Array }
  | { type: 'del', key: string }

export interface StoreEntriesOptions {
  /** At most this many entries. @default all */
  limit?: number
  /** Highest key first. @default false */
  reverse?: boolean
  /** Only keys after this one (for paging: the last key of the previous page). */
  gt?: string
}

function keyBytes (key: string): Uint8Array {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidParametersError('a store key is a non-empty string')
  const bytes = utf8.encode(key)
  if (bytes.length > MAX_STORE_KEY_BYTES) throw new InvalidParametersError(`a store key is at most ${MAX_STORE_KEY_BYTES} bytes, got ${bytes.length}`)
  return bytes
}

function userKeyBytes (key: string): Uint8Array {
  if (key === STORE_CHECK_KEY) throw new InvalidParametersError(`the store key ${STORE_CHECK_KEY} is reserved`)
  return keyBytes(key)
}

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b)
}

function errorCode (err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code
}

/** An encrypted key-value store in one directory. Open one per data directory. */
export class ChatStore {
  readonly dir: string
  private readonly db: ClassicLevel<Uint8Array, Uint8Array>
  private readonly key: Uint8Array
  private closed = false

  private constructor (dir: string, db: ClassicLevel<Uint8Array, Uint8Array>, key: Uint8Array) {
    this.dir = dir
    this.db = db
    this.key = key
  }

  /**
   * Opens (or creates, mode 0700) the store in `dir` (the database directory,
   * e.g. `<data dir>/chat.db`) with `key` (32 bytes, from loadStoreKey).
   *
   * @throws {StoreKeyError} the key does not open this store
   * @throws {StoreUnavailableError} another process holds it, or it cannot be opened
   */
  static async open (dir: string, key: Uint8Array): Promise<ChatStore> {
    if (!(key instanceof Uint8Array) || key.length !== STORE_KEY_BYTES) throw new InvalidParametersError(`the store key is ${STORE_KEY_BYTES} bytes`)
    await makeDirectory(dir, 0o700)
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
    try {
      await db.open()
    } catch (err: any) {
      if (err?.cause?.code === 'LEVEL_LOCKED') {
        throw new StoreUnavailableError(dir, `the chat store ${dir} is in use by another process (another chat with the same data directory?); stop it, or use another data directory`, { cause: err })
      }
      throw new StoreUnavailableError(dir, `cannot open the chat store ${dir}: ${String(err?.message)}`, { cause: err })
    }
    const store = new ChatStore(dir, db, new Uint8Array(key))
    try {
      await store.check()
    } catch (err) {
      await store.close()
      throw err
    }
    return store
  }

  /** Writes the check record into a new store, or proves the key against it. */
  private async check (): Promise<void> {
    const checkKey = keyBytes(STORE_CHECK_KEY)
    const stored = await this.db.get(checkKey)
    if (stored == null) {
      const any = await this.db.keys({ limit: 1 }).all()
      if (any.length > 0) throw new StoreCorruptError(this.dir, STORE_CHECK_KEY, 'the store has records but no check record')
      await this.db.put(checkKey, this.seal(checkKey, CHECK_PLAINTEXT))
      return
    }
    let plain: Uint8Array
    try {
      plain = this.unseal(checkKey, stored)
    } catch (err) {
      throw new StoreKeyError(this.dir, { cause: err })
    }
    if (compareBytes(plain, CHECK_PLAINTEXT) !== 0) throw new StoreCorruptError(this.dir, STORE_CHECK_KEY, 'unexpected check value')
  }

  private seal (key: Uint8Array, value: Uint8Array): Uint8Array {
    const nonce = randomBytes(NONCE_BYTES)
    const ct = xchacha20poly1305(this.key, nonce, key).encrypt(value)
    const out = new Uint8Array(1 + NONCE_BYTES + ct.length)
    out[0] = VALUE_VERSION
    out.set(nonce, 1)
    out.set(ct, 1 + NONCE_BYTES)
    return out
  }

  /** Throws a plain Error (the caller names the record). */
  private unseal (key: Uint8Array, stored: Uint8Array): Uint8Array {
    if (stored.length < 1 + NONCE_BYTES + TAG_BYTES) throw new Error('shorter than a sealed value')
    if (stored[0] !== VALUE_VERSION) throw new Error(`value format ${stored[0]}, this build reads ${VALUE_VERSION}`)
    return xchacha20poly1305(this.key, stored.subarray(1, 1 + NONCE_BYTES), key).decrypt(stored.subarray(1 + NONCE_BYTES))
  }

  private openValue (key: string, bytes: Uint8Array, stored: Uint8Array): Uint8Array {
    try {
      return this.unseal(bytes, stored)
    } catch (err) {
      throw new StoreCorruptError(this.dir, key, 'it does not authenticate under the store key', { cause: err })
    }
  }

  private assertOpen (): void {
    if (this.closed) throw new StoreUnavailableError(this.dir, `the chat store ${this.dir} is closed`)
  }

  private sealedPut (key: string, value: Uint8Array): { key: Uint8Array, value: Uint8Array } {
    const bytes = userKeyBytes(key)
    if (!(value instanceof Uint8Array)) throw new InvalidParametersError('a store value is a Uint8Array')
    if (value.length > MAX_STORE_VALUE_BYTES) throw new InvalidParametersError(`a store value is at most ${MAX_STORE_VALUE_BYTES} bytes, got ${value.length}`)
    return { key: bytes, value: this.seal(bytes, value) }
  }

  /** The value under `key`, or undefined. @throws {StoreCorruptError} */
  async get (key: string): Promise<Uint8Array | undefined> {
    this.assertOpen()
    const bytes = userKeyBytes(key)
    const stored = await this.db.get(bytes)
    return stored == null ? undefined : this.openValue(key, bytes, stored)
  }

  async put (key: string, value: Uint8Array): Promise<void> {
    this.assertOpen()
    const op = this.sealedPut(key, value)
    await this.db.put(op.key, op.value)
  }

  async del (key: string): Promise<void> {
    this.assertOpen()
    await this.db.del(userKeyBytes(key))
  }

  /** Applies every op or none. */
  async batch (ops: readonly StoreOp[]): Promise<void> {
    this.assertOpen()
    const sealed = ops.map(op => op.type === 'put'
      ? { type: 'put' as const, ...this.sealedPut(op.key, op.value) }
      : { type: 'del' as const, key: userKeyBytes(op.key) })
    await this.db.batch(sealed)
  }

  /**
   * Entries whose key starts with `prefix` (may be ''), in key order (UTF-8
   * bytes), each value opened. @throws {StoreCorruptError} at a damaged record
   */
  async * entries (prefix: string, opts: StoreEntriesOptions = {}): AsyncGenerator<[string, Uint8Array]> {
    this.assertOpen()
    const low = utf8.encode(prefix)
    // 0xff never occurs in UTF-8, so prefix ‖ 0xff is above every key with the prefix
    const high = new Uint8Array(low.length + 1)
    high.set(low)
    high[low.length] = 0xff
    const limit = opts.limit ?? -1
    if (limit !== -1 && (!Number.isSafeInteger(limit) || limit < 0)) throw new InvalidParametersError(`limit must be a whole number >= 0, got ${String(limit)}`)
    const after = opts.gt != null ? keyBytes(opts.gt) : undefined
    // abstract-level: gte wins over gt, so give only one lower bound
    const range = after != null && compareBytes(after, low) >= 0 ? { gt: after } : { gte: low }
    const checkKey = keyBytes(STORE_CHECK_KEY)
    let left = limit
    // bounded by the store's entries and by limit
    for await (const [key, stored] of this.db.iterator({ ...range, lt: high, reverse: opts.reverse === true })) {
      if (left === 0) break
      if (compareBytes(key, checkKey) === 0) continue
      let name: string
      try {
        name = fromUtf8.decode(key)
      } catch (err) {
        throw new StoreCorruptError(this.dir, Buffer.from(key).toString('hex'), 'the key is not UTF-8', { cause: err })
      }
      yield [name, this.openValue(name, key, stored)]
      if (left > 0) left--
    }
  }

  /** Closes the store and forgets the key. Safe to call twice. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.key.fill(0)
    await this.db.close()
  }

  [inspect.custom] (): string {
    return `ChatStore(${this.dir})`
  }
}

/**
 * Reads a small secret file: undefined if it does not exist; KeyFileError
 * if group or others may read it, it is not a regular file, or it is not
 * exactly `size` bytes.
 */
async function readExact (path: string, size: number, what: string): Promise<Uint8Array | undefined> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined
    throw new KeyFileError(path, 'unreadable', `cannot open ${what} ${path} (${errorCode(err) ?? 'error'}); check that this user may read it`, { cause: err })
  }
  const buffer = new Uint8Array(size + 1)
  try {
    const stats = await handle.stat()
    if (!stats.isFile()) throw new KeyFileError(path, 'unreadable', `${what} ${path} is not a regular file`)
    assertOwnerOnlyMode(path, stats.mode, what)
    let length = 0
    // bounded: reads at most size + 1 bytes
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length)
      if (bytesRead === 0) break
      length += bytesRead
    }
    if (length !== size) throw new KeyFileError(path, length < size ? 'truncated' : 'corrupt', `${what} ${path} is not ${size} bytes; restore it from a backup (without it the chat store cannot be read)`)
    return buffer.slice(0, size)
  } catch (err) {
    if (err instanceof KeyFileError) throw err
    throw new KeyFileError(path, 'unreadable', `cannot read ${what} ${path} (${errorCode(err) ?? 'error'})`, { cause: err })
  } finally {
    buffer.fill(0)
    await handle.close()
  }
}

/** Reads `path`, or creates it with `fresh` bytes (atomically, 0600) if absent; a racing creator's file wins. */
async function loadOrCreate (path: string, size: number, what: string, fresh: () => Uint8Array): Promise<Uint8Array> {
  const existing = await readExact(path, size, what)
  if (existing != null) return existing
  const bytes = fresh()
  try {
    if (await writeFileAtomically(path, bytes, { replace: false })) return bytes
  } catch (err) {
    throw new KeyFileError(path, 'unwritable', `cannot write ${what} ${path} (${errorCode(err) ?? 'error'}); check that this user may create files in its directory`, { cause: err })
  }
  bytes.fill(0)
  const theirs = await readExact(path, size, what)
  if (theirs == null) throw new KeyFileError(path, 'missing', `${what} ${path} vanished while it was being created; try again`)
  return theirs
}

async function exists (path: string): Promise<boolean> {
  const handle = await open(path, 'r').catch((err: unknown) => {
    if (errorCode(err) === 'ENOENT') return undefined
    throw new KeyFileError(path, 'unreadable', `cannot open ${path} (${errorCode(err) ?? 'error'})`, { cause: err })
  })
  await handle?.close()
  return handle != null
}

export interface LoadStoreKeyOptions {
  /** Derive the key from this passphrase (scrypt, salt in store.salt) instead of a random store.key. */
  passphrase?: string
}

/**
 * The store key for the data directory `dir`: scrypt of `passphrase` with
 * `<dir>/store.salt`, or the random key in `<dir>/store.key`; the file is made
 * once (atomically, mode 0600) when missing.
 *
 * @throws {StoreKeyModeError} the directory's key was made the other way
 * @throws {KeyFileError} a key or salt file is readable by group or others, the wrong size, or unreadable
 */
export async function loadStoreKey (dir: string, opts: LoadStoreKeyOptions = {}): Promise<Uint8Array> {
  const keyPath = join(dir, STORE_KEY_FILE)
  const saltPath = join(dir, STORE_SALT_FILE)
  const passphrase = opts.passphrase
  if (passphrase == null) {
    if (await exists(saltPath)) throw new StoreKeyModeError(dir, 'passphrase')
    return await loadOrCreate(keyPath, STORE_KEY_BYTES, 'store key file', () => new Uint8Array(randomBytes(STORE_KEY_BYTES)))
  }
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw new InvalidParametersError('the passphrase must not be empty')
  if (await exists(keyPath)) throw new StoreKeyModeError(dir, 'keyfile')
  const salt = await loadOrCreate(saltPath, STORE_SALT_BYTES, 'store salt file', () => new Uint8Array(randomBytes(STORE_SALT_BYTES)))
  return await new Promise<Uint8Array>((resolve, reject) => {
    // node:crypto's scrypt runs on the thread pool, so the event loop goes on
    // (@noble/hashes' scrypt would block it for the whole derivation)
    scrypt(passphrase.normalize('NFKC'), salt, STORE_KEY_BYTES, { ...STORE_SCRYPT, maxmem: 64 * 1024 * 1024 }, (err, key) => {
      if (err != null) reject(err)
      else resolve(new Uint8Array(key))
    })
  })
}
