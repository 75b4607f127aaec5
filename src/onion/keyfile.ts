/**
 * Onion keys on disk, in tor's own `hs_ed25519_secret_key` format, so a key
 * moves freely between this library and a tor HiddenServiceDir (tor rebuilds
 * `hs_ed25519_public_key` and `hostname` from it).
 *
 * Format (tor: crypto_write_tagged_contents_to_file in
 * src/lib/crypt_ops/crypto_format.c, called by ed25519_seckey_write_to_file
 * with typestring "ed25519v1-secret" and tag "type0"): the 32-byte header
 * "== ed25519v1-secret: type0 ==" NUL-padded, then the 64-byte expanded
 * secret key. 96 bytes in all.
 */
import { randomBytes } from 'node:crypto'
import { link, lstat, mkdir, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { writeFileAtomically } from './atomic-file.js'
import { InvalidOnionKeyError, KeyFileError } from './errors.js'
import { generateOnionKey, onionKeyFromExpandedSecret, EXPANDED_SECRET_BYTES } from './keys.js'
import type { OnionKey } from './keys.js'

const HEADER_TEXT = '== ed25519v1-secret: type0 =='
export const KEY_FILE_HEADER_BYTES = 32
export const KEY_FILE_BYTES = KEY_FILE_HEADER_BYTES + EXPANDED_SECRET_BYTES

/** The 32 header bytes tor writes before a v3 onion service secret key. */
export const KEY_FILE_HEADER: Uint8Array = (() => {
  const header = new Uint8Array(KEY_FILE_HEADER_BYTES)
  header.set(new TextEncoder().encode(HEADER_TEXT))
  return header
})()

const KEEP_IT = 'do not delete it: the key is the node\'s onion address'

function errorCode (err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code
}

/**
 * The one check of a secret key file's permissions: throws KeyFileError
 * 'permissions' (saying to `chmod 600`) when group or others have any access.
 * `mode` is the file's `stat().mode` (type bits are ignored); `what` names
 * the file in the message, e.g. 'onion key file'. Not checked on Windows,
 * where these mode bits mean nothing.
 */
export function assertOwnerOnlyMode (path: string, mode: number, what: string): void {
  if (process.platform === 'win32' || (mode & 0o077) === 0) return
  throw new KeyFileError(path, 'permissions', `${what} ${path} is accessible to group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}) but holds a secret key; run: chmod 600 ${path}`)
}

/** The 96 bytes of a key file holding `key`. */
export function encodeOnionKeyFile (key: OnionKey): Uint8Array {
  const bytes = new Uint8Array(KEY_FILE_BYTES)
  bytes.set(KEY_FILE_HEADER, 0)
  bytes.set(key.expandedSecretKey, KEY_FILE_HEADER_BYTES)
  return bytes
}

/** Parses key file bytes; `path` is only used in errors. */
export function decodeOnionKeyFile (bytes: Uint8Array, path: string): OnionKey {
  const headerPart = Math.min(bytes.length, KEY_FILE_HEADER_BYTES)
  for (let i = 0; i < headerPart; i++) {
    if (bytes[i] !== KEY_FILE_HEADER[i]) {
      throw new KeyFileError(path, 'corrupt', `onion key file ${path} does not start with tor's "${HEADER_TEXT}" header, so it is not a v3 onion service secret key; check the path (${KEEP_IT})`)
    }
  }
  if (bytes.length < KEY_FILE_BYTES) {
    throw new KeyFileError(path, 'truncated', `onion key file ${path} is truncated: ${bytes.length} of ${KEY_FILE_BYTES} bytes; restore it from a backup (${KEEP_IT})`)
  }
  if (bytes.length > KEY_FILE_BYTES) {
    throw new KeyFileError(path, 'corrupt', `onion key file ${path} is longer than ${KEY_FILE_BYTES} bytes; restore it from a backup (${KEEP_IT})`)
  }
  try {
    return onionKeyFromExpandedSecret(bytes.subarray(KEY_FILE_HEADER_BYTES))
  } catch (err) {
    if (err instanceof InvalidOnionKeyError) {
      throw new KeyFileError(path, 'corrupt', `onion key file ${path} has a valid header but its key is damaged (${err.problem}); restore it from a backup (${KEEP_IT})`, { cause: err })
    }
    throw err
  }
}

/**
 * Loads a key file. Throws KeyFileError: 'missing' (no file), 'unreadable'
 * (not a regular file, or no access), 'permissions' (group or others have any
 * access: run `chmod 600`), 'truncated' or 'corrupt'.
 */
export async function loadOnionKeyFile (path: string): Promise<OnionKey> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    if (errorCode(err) === 'ENOENT') {
      throw new KeyFileError(path, 'missing', `onion key file ${path} does not exist; check the path, or create a key with loadOrCreateOnionKeyFile()`, { cause: err })
    }
    throw new KeyFileError(path, 'unreadable', `cannot open onion key file ${path} (${errorCode(err) ?? 'error'}); check that it exists and that this user may read it`, { cause: err })
  }
  const buffer = new Uint8Array(KEY_FILE_BYTES + 1)
  try {
    const stats = await handle.stat()
    if (!stats.isFile()) {
      throw new KeyFileError(path, 'unreadable', `onion key file ${path} is not a regular file; point to the hs_ed25519_secret_key file itself`)
    }
    assertOwnerOnlyMode(path, stats.mode, 'onion key file')
    // Read at most one byte past the expected size, to notice a longer file.
    let length = 0
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length)
      if (bytesRead === 0) {
        break
      }
      length += bytesRead
    }
    return decodeOnionKeyFile(buffer.subarray(0, length), path)
  } catch (err) {
    if (err instanceof KeyFileError) {
      throw err
    }
    throw new KeyFileError(path, 'unreadable', `cannot read onion key file ${path} (${errorCode(err) ?? 'error'}); check the file and its permissions`, { cause: err })
  } finally {
    buffer.fill(0)
    await handle.close()
  }
}

/** {@link writeFileAtomically}, with failures as a KeyFileError that says what to check. */
async function writeKeyFile (path: string, bytes: Uint8Array, replace: boolean): Promise<boolean> {
  try {
    return await writeFileAtomically(path, bytes, { replace })
  } catch (err) {
    throw new KeyFileError(path, 'unwritable', `cannot write onion key file ${path} (${errorCode(err) ?? 'error'}); check that this user may create files in ${dirname(path)}`, { cause: err })
  }
}

/**
 * Saves `key` to `path` atomically (temporary file, fsync, rename, directory
 * fsync) with mode 0600, creating the parent directory with mode 0700 if
 * needed. Replaces an existing file.
 */
export async function saveOnionKeyFile (path: string, key: OnionKey): Promise<void> {
  const bytes = encodeOnionKeyFile(key)
  try {
    await writeKeyFile(path, bytes, true)
  } finally {
    bytes.fill(0)
  }
}

/**
 * Loads the key at `path`, or creates one there if (and only if) no file
 * exists. A damaged file is an error, never replaced: a new key would be a new
 * onion address. If another process creates the file first, its key is used.
 */
export async function loadOrCreateOnionKeyFile (path: string): Promise<{ key: OnionKey, created: boolean }> {
  try {
    return { key: await loadOnionKeyFile(path), created: false }
  } catch (err) {
    if (!(err instanceof KeyFileError) || err.reason !== 'missing') {
      throw err
    }
  }
  const key = generateOnionKey()
  const bytes = encodeOnionKeyFile(key)
  try {
    if (await writeKeyFile(path, bytes, false)) {
      return { key, created: true }
    }
  } finally {
    bytes.fill(0)
  }
  return { key: await loadOnionKeyFile(path), created: false }
}
