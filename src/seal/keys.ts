/**
 * A node's X25519 sealing keys, kept in its data directory in one file
 * (`seal-x25519.key`, a SealKeyFile protobuf): the current key, and the keys
 * it replaced while their grace period lasts, so that messages sealed to the
 * old key before the sender saw the new card still open.
 *
 * The file is written atomically with mode 0600 (src/onion/atomic-file.ts)
 * and a file that group or others can read is refused, as the onion key is.
 * Key bytes are never logged: a SealKeyPair prints as its key id only.
 */
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { x25519 } from '@noble/curves/ed25519.js'
import { writeFileAtomically } from '../onion/atomic-file.js'
import { KeyFileError } from '../onion/errors.js'
import { assertOwnerOnlyMode } from '../onion/keyfile.js'
import { SealKeyFile } from './seal-pb.js'
import { sealKeyId, X25519_KEY_BYTES } from './suite.js'

/** The file name inside the data directory. */
export const SEAL_KEY_FILE = 'seal-x25519.key'
/** How long a replaced key still opens messages, by default: 10 minutes. */
export const DEFAULT_SEAL_KEY_GRACE_MS = 10 * 60 * 1000
/** At most this many previous keys are kept (older ones are dropped at rotation). */
export const MAX_PREVIOUS_SEAL_KEYS = 8
const KEY_FILE_VERSION = 1
/** The file holds at most 1 + MAX_PREVIOUS_SEAL_KEYS entries of ~50 bytes. */
const MAX_KEY_FILE_BYTES = 4096

/** One X25519 key pair. `expires` is set on a previous (rotated-out) key only. */
export interface SealKeyPair {
  readonly privateKey: Uint8Array<ArrayBuffer>
  readonly publicKey: Uint8Array<ArrayBuffer>
  /** sealKeyId(publicKey): 8 bytes */
  readonly keyId: Uint8Array<ArrayBuffer>
  /** ms since the epoch */
  readonly created: number
  /** ms since the epoch; after it the key no longer opens anything */
  readonly expires?: number
}

function hex (b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

/** A key pair from 32 private key bytes (copied). */
export function sealKeyPairFromPrivateKey (privateKey: Uint8Array, created: number, expires?: number): SealKeyPair {
  if (privateKey.length !== X25519_KEY_BYTES) throw new RangeError(`an X25519 private key is ${X25519_KEY_BYTES} bytes, got ${privateKey.length}`)
  const priv = new Uint8Array(privateKey)
  const publicKey = new Uint8Array(x25519.getPublicKey(priv))
  const pair: SealKeyPair = { privateKey: priv, publicKey, keyId: sealKeyId(publicKey), created, ...(expires != null ? { expires } : {}) }
  // console.log, util.inspect and JSON.stringify show the key id, never the key
  const shown = `SealKeyPair(${hex(pair.keyId)})`
  Object.defineProperty(pair, inspect.custom, { value: () => shown, enumerable: false })
  Object.defineProperty(pair, 'toJSON', { value: () => ({ keyId: hex(pair.keyId), created: pair.created, expires: pair.expires }), enumerable: false })
  return pair
}

/** A new random key pair (crypto.getRandomValues through @noble/curves). */
export function generateSealKeyPair (created = Date.now()): SealKeyPair {
  const secret = x25519.utils.randomSecretKey()
  try {
    return sealKeyPairFromPrivateKey(secret, created)
  } finally {
    secret.fill(0)
  }
}

/** The current key and the previous keys still in (or past) their grace period. */
export class SealKeyRing {
  readonly current: SealKeyPair
  readonly previous: readonly SealKeyPair[]

  constructor (current: SealKeyPair, previous: readonly SealKeyPair[] = []) {
    if (current.expires != null) throw new RangeError('the current seal key cannot have an expiry')
    if (previous.some(k => k.expires == null)) throw new RangeError('every previous seal key needs an expiry')
    this.current = current
    this.previous = previous
  }

  /** Keys that open messages at `now`: the current key, then unexpired previous keys. */
  openingKeys (now = Date.now()): SealKeyPair[] {
    return [this.current, ...this.previous.filter(k => (k.expires ?? 0) > now)]
  }

  [inspect.custom] (): string {
    return `SealKeyRing(current ${hex(this.current.keyId)}, ${this.previous.length} previous)`
  }
}

function errorCode (err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code
}

const KEEP_IT = 'or move it away and restart to make a new key (members then need the new key card)'

function encodeRing (ring: SealKeyRing): Uint8Array {
  return SealKeyFile.encode({
    version: KEY_FILE_VERSION,
    keys: [ring.current, ...ring.previous].map(k => ({ privateKey: k.privateKey, created: k.created, ...(k.expires != null ? { expires: k.expires } : {}) }))
  })
}

function decodeRing (bytes: Uint8Array, path: string): SealKeyRing {
  let file: SealKeyFile
  try {
    file = SealKeyFile.decode(bytes, { limits: { keys: 1 + MAX_PREVIOUS_SEAL_KEYS } })
  } catch (err) {
    throw new KeyFileError(path, 'corrupt', `seal key file ${path} is not a p2p-tor seal key file; restore it from a backup, ${KEEP_IT}`, { cause: err })
  }
  if (file.version !== KEY_FILE_VERSION) {
    throw new KeyFileError(path, 'corrupt', `seal key file ${path} has version ${file.version}, this build reads version ${KEY_FILE_VERSION}; use the p2p-tor that wrote it, ${KEEP_IT}`)
  }
  const [first, ...rest] = file.keys
  if (first == null) throw new KeyFileError(path, 'truncated', `seal key file ${path} holds no key; restore it from a backup, ${KEEP_IT}`)
  if (file.keys.some(k => k.privateKey.length !== X25519_KEY_BYTES)) {
    throw new KeyFileError(path, 'corrupt', `seal key file ${path} holds a key that is not ${X25519_KEY_BYTES} bytes; restore it from a backup, ${KEEP_IT}`)
  }
  if (first.expires != null || rest.some(k => k.expires == null)) {
    throw new KeyFileError(path, 'corrupt', `seal key file ${path} does not start with its current key; restore it from a backup, ${KEEP_IT}`)
  }
  return new SealKeyRing(
    sealKeyPairFromPrivateKey(first.privateKey, first.created),
    rest.map(k => sealKeyPairFromPrivateKey(k.privateKey, k.created, k.expires))
  )
}

/**
 * Reads the key file at `path`. Throws KeyFileError: 'missing', 'unreadable',
 * 'permissions' (group or others have access: `chmod 600`), 'truncated' or
 * 'corrupt'.
 */
export async function loadSealKeyFile (path: string): Promise<SealKeyRing> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    if (errorCode(err) === 'ENOENT') {
      throw new KeyFileError(path, 'missing', `seal key file ${path} does not exist; create it with loadOrCreateSealKeys()`, { cause: err })
    }
    throw new KeyFileError(path, 'unreadable', `cannot open seal key file ${path} (${errorCode(err) ?? 'error'}); check that it exists and that this user may read it`, { cause: err })
  }
  const buffer = new Uint8Array(MAX_KEY_FILE_BYTES + 1)
  try {
    const stats = await handle.stat()
    if (!stats.isFile()) throw new KeyFileError(path, 'unreadable', `seal key file ${path} is not a regular file`)
    assertOwnerOnlyMode(path, stats.mode, 'seal key file')
    let length = 0
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length)
      if (bytesRead === 0) break
      length += bytesRead
    }
    if (length === 0) throw new KeyFileError(path, 'truncated', `seal key file ${path} is empty; restore it from a backup, ${KEEP_IT}`)
    if (length > MAX_KEY_FILE_BYTES) throw new KeyFileError(path, 'corrupt', `seal key file ${path} is longer than ${MAX_KEY_FILE_BYTES} bytes; restore it from a backup, ${KEEP_IT}`)
    return decodeRing(buffer.subarray(0, length), path)
  } catch (err) {
    if (err instanceof KeyFileError) throw err
    throw new KeyFileError(path, 'unreadable', `cannot read seal key file ${path} (${errorCode(err) ?? 'error'}); check the file and its permissions`, { cause: err })
  } finally {
    buffer.fill(0)
    await handle.close()
  }
}

async function writeRing (path: string, ring: SealKeyRing, replace: boolean): Promise<boolean> {
  const bytes = encodeRing(ring)
  try {
    return await writeFileAtomically(path, bytes, { replace })
  } catch (err) {
    throw new KeyFileError(path, 'unwritable', `cannot write seal key file ${path} (${errorCode(err) ?? 'error'}); check that this user may create files in its directory`, { cause: err })
  } finally {
    bytes.fill(0)
  }
}

export interface SealKeyOptions {
  /** The clock, ms since the epoch (tests inject one). @default Date.now() */
  now?: number
}

/**
 * The node's sealing keys from `dir`/seal-x25519.key, made (mode 0600,
 * atomically) if the file does not exist. A damaged file is an error, never
 * replaced. If another process creates the file first, its keys are used.
 */
export async function loadOrCreateSealKeys (dir: string, opts: SealKeyOptions = {}): Promise<SealKeyRing> {
  const path = join(dir, SEAL_KEY_FILE)
  try {
    return await loadSealKeyFile(path)
  } catch (err) {
    if (!(err instanceof KeyFileError) || err.reason !== 'missing') throw err
  }
  const ring = new SealKeyRing(generateSealKeyPair(opts.now ?? Date.now()))
  if (await writeRing(path, ring, false)) return ring
  return await loadSealKeyFile(path)
}

export interface RotateSealKeysOptions extends SealKeyOptions {
  /** How long the replaced key still opens messages. @default 10 minutes */
  graceMs?: number
}

/**
 * Makes a new current key; the old current key is kept until now + graceMs,
 * previous keys already expired are dropped, and at most
 * MAX_PREVIOUS_SEAL_KEYS are kept. Writes the file atomically (replacing it)
 * and returns the new ring. Make and publish a new key card for
 * `ring.current` afterwards.
 */
export async function rotateSealKeys (dir: string, opts: RotateSealKeysOptions = {}): Promise<SealKeyRing> {
  const now = opts.now ?? Date.now()
  const graceMs = opts.graceMs ?? DEFAULT_SEAL_KEY_GRACE_MS
  if (!Number.isSafeInteger(graceMs) || graceMs < 0) throw new RangeError(`graceMs must be a whole number of ms >= 0, got ${graceMs}`)
  const path = join(dir, SEAL_KEY_FILE)
  const old = await loadOrCreateSealKeys(dir, { now })
  const retired = sealKeyPairFromPrivateKey(old.current.privateKey, old.current.created, now + graceMs)
  const previous = [retired, ...old.previous.filter(k => (k.expires ?? 0) > now)].slice(0, MAX_PREVIOUS_SEAL_KEYS)
  // a new key's `created` must grow even if the clock did not: cards order by it
  const created = Math.max(now, old.current.created + 1)
  const ring = new SealKeyRing(generateSealKeyPair(created), previous)
  await writeRing(path, ring, true)
  return ring
}
