import assert from 'node:assert/strict'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  assertOwnerOnlyMode, generateOnionKey, KeyFileError, loadOnionKeyFile, loadOrCreateOnionKeyFile, onionKeyFromSeed, saveOnionKeyFile
} from '../../../src/onion/index.js'
import type { KeyFileProblem } from '../../../src/onion/index.js'
import { hex, RFC8032_TEST1_EXPANDED, RFC8032_TEST1_SEED, TOR_BUILD_ADDRESS, TOR_KEY_FILE, toHex } from './vectors.js'

const torFile = hex(TOR_KEY_FILE.hex)
/** The first 32 bytes of the file tor wrote: its header, independent of our constant. */
const torHeader = torFile.subarray(0, 32)

async function rejectsWith (promise: Promise<unknown>, reason: KeyFileProblem, path: string): Promise<KeyFileError> {
  let caught: unknown
  try {
    await promise
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof KeyFileError, `expected KeyFileError, got ${String(caught)}`)
  assert.equal(caught.name, 'KeyFileError')
  assert.equal(caught.reason, reason)
  assert.equal(caught.path, path)
  return caught
}

async function writeKey (path: string, bytes: Uint8Array, mode = 0o600): Promise<void> {
  await writeFile(path, bytes, { mode })
  await chmod(path, mode)
}

describe('onion key files', () => {
  let dir: string

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2p-tor-onion-'))
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('loads a key file written by tor, giving the address in tor\'s hostname file', async () => {
    const path = join(dir, 'hs_ed25519_secret_key')
    await writeKey(path, torFile)
    const key = await loadOnionKeyFile(path)
    assert.equal(key.serviceId, TOR_KEY_FILE.serviceId)
    assert.equal(toHex(key.publicKey), TOR_KEY_FILE.publicKey)
  })

  it('writes tor\'s format: tor\'s 32 header bytes, then the 64-byte expanded key', async () => {
    const path = join(dir, 'key')
    await saveOnionKeyFile(path, onionKeyFromSeed(hex(RFC8032_TEST1_SEED)))
    const bytes = new Uint8Array(await readFile(path))
    assert.equal(bytes.length, 96)
    assert.deepEqual(bytes.subarray(0, 32), torHeader)
    assert.equal(toHex(bytes.subarray(32)), RFC8032_TEST1_EXPANDED)
  })

  it('round-trips a key', async () => {
    const path = join(dir, 'key')
    const key = generateOnionKey()
    await saveOnionKeyFile(path, key)
    const loaded = await loadOnionKeyFile(path)
    assert.equal(loaded.serviceId, key.serviceId)
    assert.deepEqual(loaded.expandedSecretKey, key.expandedSecretKey)
    assert.deepEqual(loaded.publicKey, key.publicKey)
  })

  it('saves with mode 0600, creating missing directories with mode 0700', async () => {
    const path = join(dir, 'a', 'b', 'key')
    await saveOnionKeyFile(path, generateOnionKey())
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    assert.equal((await stat(join(dir, 'a'))).mode & 0o777, 0o700)
    assert.equal((await stat(join(dir, 'a', 'b'))).mode & 0o777, 0o700)
  })

  it('leaves no temporary file behind, also when replacing a key', async () => {
    const path = join(dir, 'key')
    await saveOnionKeyFile(path, generateOnionKey())
    const second = generateOnionKey()
    await saveOnionKeyFile(path, second)
    assert.deepEqual(await readdir(dir), ['key'])
    assert.equal((await loadOnionKeyFile(path)).serviceId, second.serviceId)
  })

  describe('rejects', () => {
    it('a missing file', async () => {
      const path = join(dir, 'nope')
      await rejectsWith(loadOnionKeyFile(path), 'missing', path)
    })

    it('a truncated file, including an empty one', async () => {
      const path = join(dir, 'key')
      for (const length of [95, 50, 32, 10, 0]) {
        await writeKey(path, torFile.subarray(0, length))
        const err = await rejectsWith(loadOnionKeyFile(path), 'truncated', path)
        assert.match(err.message, new RegExp(`${length} of 96 bytes`))
      }
    })

    it('a file without tor\'s header, a wrong tag, or a longer file', async () => {
      const path = join(dir, 'key')
      const publicTag = new Uint8Array(torFile)
      publicTag.set(new TextEncoder().encode('== ed25519v1-public: type0 =='))
      const type1 = new Uint8Array(torFile)
      type1[27] = '1'.charCodeAt(0)
      const noNul = new Uint8Array(torFile)
      noNul[31] = 0x20
      const longer = new Uint8Array([...torFile, 0])
      const text = new TextEncoder().encode('this is not a key file at all')
      for (const bytes of [publicTag, type1, noNul, longer, text]) {
        await writeKey(path, bytes)
        await rejectsWith(loadOnionKeyFile(path), 'corrupt', path)
      }
    })

    it('a damaged key after a good header, without the key in the message', async () => {
      const path = join(dir, 'key')
      const damaged = new Uint8Array(torFile)
      damaged[63] |= 0x80 // the scalar is no longer clamped
      await writeKey(path, damaged)
      const err = await rejectsWith(loadOnionKeyFile(path), 'corrupt', path)
      assert.ok(!err.message.includes(toHex(damaged.subarray(32, 40))))
    })

    it('a file that group or others can access, saying to chmod 600', async () => {
      const path = join(dir, 'key')
      for (const mode of [0o644, 0o640, 0o604, 0o620]) {
        await writeKey(path, torFile, mode)
        const err = await rejectsWith(loadOnionKeyFile(path), 'permissions', path)
        assert.ok(err.message.includes(`chmod 600 ${path}`), err.message)
      }
    })

    it('the mode check alone (assertOwnerOnlyMode): any group or other bit is refused, owner-only modes pass', () => {
      for (const mode of [0o600, 0o400, 0o700, 0o100600, 0o100400]) {
        assert.doesNotThrow(() => { assertOwnerOnlyMode('/k', mode, 'onion key file') }, mode.toString(8))
      }
      for (const bits of [0o001, 0o002, 0o004, 0o010, 0o020, 0o040, 0o077]) {
        assert.throws(() => { assertOwnerOnlyMode('/k', 0o100600 | bits, 'some key file') }, (err: unknown) => {
          assert.ok(err instanceof KeyFileError)
          assert.equal(err.reason, 'permissions')
          assert.equal(err.path, '/k')
          assert.match(err.message, /^some key file \/k is accessible to group or others \(mode 06[0-7]{2}\)/)
          assert.ok(err.message.includes('chmod 600 /k'), err.message)
          return true
        }, bits.toString(8))
      }
    })

    it('a directory in place of the file', async () => {
      const path = join(dir, 'sub')
      await mkdir(path)
      await rejectsWith(loadOnionKeyFile(path), 'unreadable', path)
    })
  })

  describe('loadOrCreateOnionKeyFile', () => {
    it('creates a 0600 key when there is no file, then loads that same key', async () => {
      const path = join(dir, 'hs', 'key')
      const first = await loadOrCreateOnionKeyFile(path)
      assert.equal(first.created, true)
      assert.equal((await stat(path)).mode & 0o777, 0o600)
      const second = await loadOrCreateOnionKeyFile(path)
      assert.equal(second.created, false)
      assert.equal(second.key.serviceId, first.key.serviceId)
      assert.deepEqual(await readdir(join(dir, 'hs')), ['key'])
    })

    it('loads an existing key without replacing it', async () => {
      const path = join(dir, 'key')
      await writeKey(path, torFile)
      const { key, created } = await loadOrCreateOnionKeyFile(path)
      assert.equal(created, false)
      assert.equal(key.serviceId, TOR_KEY_FILE.serviceId)
    })

    it('never replaces a corrupt, truncated or over-permissive file', async () => {
      const path = join(dir, 'key')
      const corrupt = new Uint8Array(torFile)
      corrupt[0] = 0
      const cases: Array<[Uint8Array, number, KeyFileProblem]> = [
        [corrupt, 0o600, 'corrupt'],
        [torFile.subarray(0, 40), 0o600, 'truncated'],
        [new Uint8Array(0), 0o600, 'truncated'],
        [torFile, 0o644, 'permissions']
      ]
      for (const [bytes, mode, reason] of cases) {
        await writeKey(path, bytes, mode)
        await rejectsWith(loadOrCreateOnionKeyFile(path), reason, path)
        assert.deepEqual(new Uint8Array(await readFile(path)), bytes)
        assert.deepEqual(await readdir(dir), ['key'])
      }
    })

    it('gives every concurrent caller the same key, created once', async () => {
      const path = join(dir, 'key')
      const results = await Promise.all(Array.from({ length: 8 }, async () => loadOrCreateOnionKeyFile(path)))
      assert.equal(new Set(results.map(r => r.key.serviceId)).size, 1)
      assert.equal(results.filter(r => r.created).length, 1)
      assert.equal((await loadOnionKeyFile(path)).serviceId, results[0].key.serviceId)
      assert.deepEqual(await readdir(dir), ['key'])
    })
  })

  it('the RFC 8032 test-1 key saved by us loads back as C tor\'s address for it', async () => {
    const path = join(dir, 'key')
    await saveOnionKeyFile(path, onionKeyFromSeed(hex(RFC8032_TEST1_SEED)))
    assert.equal((await loadOnionKeyFile(path)).serviceId, TOR_BUILD_ADDRESS)
  })
})
