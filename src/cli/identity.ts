/**
 * The node's persistent identities in its data directory:
 *
 * - `hs_ed25519_secret_key`: the onion service key (tor's own format, via
 *   src/onion), which is the node's onion address;
 * - `identity.key`: the libp2p private key (protobuf, as
 *   @libp2p/crypto privateKeyToProtobuf writes it), which is its peer id.
 *
 * Both are created on first use, written atomically (temporary file, fsync,
 * link into place, directory fsync) with mode 0600, and never replaced: a
 * damaged file is a KeyFileError (src/onion's, for either file) that says how
 * to recover, because a new key would silently be a new address.
 */
import { open } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { writeFileAtomically } from '../onion/atomic-file.js'
import { assertOwnerOnlyMode, KeyFileError, loadOrCreateOnionKeyFile } from '../onion/index.js'
import type { OnionKey } from '../onion/index.js'
import type { PrivateKey } from '@libp2p/interface'

export const ONION_KEY_FILE = 'hs_ed25519_secret_key'
export const IDENTITY_KEY_FILE = 'identity.key'
/** A protobuf-encoded Ed25519 key is 68 bytes; RSA keys are larger, but never this large. */
const MAX_IDENTITY_BYTES = 16 * 1024

function codeOf (err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? 'error'
}

/** Reads and decodes the identity file; undefined when it does not exist. */
async function readIdentity (path: string): Promise<PrivateKey | undefined> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return undefined
    throw new KeyFileError(path, 'unreadable', `cannot open identity key file ${path} (${codeOf(err)}); check that this user may read it`, { cause: err })
  }
  try {
    const stats = await handle.stat()
    if (!stats.isFile() || stats.size > MAX_IDENTITY_BYTES) {
      throw new KeyFileError(path, 'corrupt', `identity key file ${path} is not a libp2p key (not a small regular file); check the path or --data-dir`)
    }
    assertOwnerOnlyMode(path, stats.mode, 'identity key file')
    const bytes = await handle.readFile()
    try {
      return privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new KeyFileError(path, 'corrupt', `identity key file ${path} is damaged (not a libp2p private key); restore it from a backup, or move it away to get a new peer id`, { cause: err })
    } finally {
      bytes.fill(0)
    }
  } catch (err) {
    if (err instanceof KeyFileError) throw err
    throw new KeyFileError(path, 'unreadable', `cannot read identity key file ${path} (${codeOf(err)}); check the file and its permissions`, { cause: err })
  } finally {
    await handle.close()
  }
}

/**
 * Loads the libp2p private key at `path`, or creates an Ed25519 one there if
 * (and only if) no file exists. If another process creates it first, that
 * key is used.
 */
export async function loadOrCreateIdentityKey (path: string): Promise<{ privateKey: PrivateKey, created: boolean }> {
  const existing = await readIdentity(path)
  if (existing != null) return { privateKey: existing, created: false }
  const privateKey = await generateKeyPair('Ed25519')
  const bytes = privateKeyToProtobuf(privateKey)
  let created: boolean
  try {
    created = await writeFileAtomically(path, bytes, { replace: false })
  } catch (err) {
    throw new KeyFileError(path, 'unwritable', `cannot write identity key file ${path} (${codeOf(err)}); check that this user may create files in ${dirname(path)}`, { cause: err })
  } finally {
    bytes.fill(0)
  }
  if (created) return { privateKey, created }
  const raced = await readIdentity(path)
  if (raced == null) throw new KeyFileError(path, 'unreadable', `identity key file ${path} vanished while it was being created; run the command again`)
  return { privateKey: raced, created: false }
}

export interface NodeIdentity {
  privateKey: PrivateKey
  peerId: string
  onionKey: OnionKey
  /** True when either key was created by this call. */
  created: boolean
}

/** Both keys of the node whose data directory is `dataDir`, created on first use. */
export async function loadOrCreateIdentity (dataDir: string): Promise<NodeIdentity> {
  const identity = await loadOrCreateIdentityKey(join(dataDir, IDENTITY_KEY_FILE))
  const onion = await loadOrCreateOnionKeyFile(join(dataDir, ONION_KEY_FILE))
  return {
    privateKey: identity.privateKey,
    peerId: peerIdFromPrivateKey(identity.privateKey).toString(),
    onionKey: onion.key,
    created: identity.created || onion.created
  }
}
