import assert from 'node:assert/strict'
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IDENTITY_KEY_FILE, loadOrCreateIdentity, loadOrCreateIdentityKey, ONION_KEY_FILE } from '../../../src/cli/identity.js'
import { writeFileAtomically } from '../../../src/onion/atomic-file.js'
import { KeyFileError } from '../../../src/onion/errors.js'

describe('cli identity: keys in the data directory', () => {
  let dir: string

  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'p2p-tor-cli-id-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('creates both keys on first use with mode 0600 in a 0700 directory, then reuses them', async () => {
    const dataDir = join(dir, 'node')
    const first = await loadOrCreateIdentity(dataDir)
    assert.equal(first.created, true)
    assert.match(first.peerId, /^12D3KooW/)
    for (const f of [IDENTITY_KEY_FILE, ONION_KEY_FILE]) {
      assert.equal((await stat(join(dataDir, f))).mode & 0o777, 0o600, f)
    }
    assert.equal((await stat(dataDir)).mode & 0o777, 0o700)
    const again = await loadOrCreateIdentity(dataDir)
    assert.equal(again.created, false)
    assert.equal(again.peerId, first.peerId)
    assert.equal(again.onionKey.serviceId, first.onionKey.serviceId)
    // no temporary files left behind
    assert.deepEqual((await readdir(dataDir)).sort(), [ONION_KEY_FILE, IDENTITY_KEY_FILE].sort())
  })

  it('concurrent first runs agree on one key', async () => {
    const path = join(dir, IDENTITY_KEY_FILE)
    const results = await Promise.all([1, 2, 3, 4].map(async () => loadOrCreateIdentityKey(path)))
    assert.equal(results.filter(r => r.created).length, 1)
    const raw = results.map(r => Buffer.from(r.privateKey.raw).toString('hex'))
    assert.equal(new Set(raw).size, 1)
  })

  it('a damaged identity file is an error that says how to recover, and the file is left as it was', async () => {
    const path = join(dir, IDENTITY_KEY_FILE)
    const junk = Buffer.from('not a protobuf key at all')
    await writeFile(path, junk, { mode: 0o600 })
    await assert.rejects(loadOrCreateIdentityKey(path), (err: Error) => {
      assert.ok(err instanceof KeyFileError)
      assert.equal(err.reason, 'corrupt')
      assert.match(err.message, /damaged.*restore it from a backup, or move it away/)
      return true
    })
    assert.deepEqual(await readFile(path), junk)
  })

  it('a damaged onion key file is not replaced either', async () => {
    await writeFile(join(dir, ONION_KEY_FILE), Buffer.alloc(10), { mode: 0o600 })
    await assert.rejects(loadOrCreateIdentity(dir), KeyFileError)
    assert.deepEqual(await readFile(join(dir, ONION_KEY_FILE)), Buffer.alloc(10))
  })

  it('refuses an identity file that group or others can read', async () => {
    const path = join(dir, IDENTITY_KEY_FILE)
    await loadOrCreateIdentityKey(path)
    await chmod(path, 0o644)
    await assert.rejects(loadOrCreateIdentityKey(path), (err: Error) => err instanceof KeyFileError && err.reason === 'permissions' && err.message.includes(`chmod 600 ${path}`))
  })

  it('refuses an identity file with any group or other bit, as the onion key file does (one check)', async () => {
    const path = join(dir, IDENTITY_KEY_FILE)
    await loadOrCreateIdentityKey(path)
    for (const mode of [0o601, 0o602, 0o604, 0o610, 0o620, 0o640]) {
      await chmod(path, mode)
      const err = await loadOrCreateIdentityKey(path).then(() => assert.fail(`mode ${mode.toString(8)} was accepted`), (e: Error) => e)
      assert.ok(err instanceof KeyFileError && err.reason === 'permissions', String(err))
      assert.ok(err.message.startsWith(`identity key file ${path} is accessible to group or others`), err.message)
    }
    await chmod(path, 0o600)
    await loadOrCreateIdentityKey(path)
  })

  it('writeFileAtomically with replace: false never overwrites', async () => {
    const path = join(dir, 'f')
    assert.equal(await writeFileAtomically(path, Uint8Array.of(1), { replace: false }), true)
    assert.equal(await writeFileAtomically(path, Uint8Array.of(2), { replace: false }), false)
    assert.deepEqual([...await readFile(path)], [1])
    assert.deepEqual(await readdir(dir), ['f'])
  })

  it('the error messages never contain key bytes', async () => {
    const path = join(dir, IDENTITY_KEY_FILE)
    const { privateKey } = await loadOrCreateIdentityKey(path)
    await chmod(path, 0o640)
    const err = await loadOrCreateIdentityKey(path).then(() => assert.fail('expected a permissions error'), (e: Error) => e)
    const hex = Buffer.from(privateKey.raw).toString('hex')
    const b64 = Buffer.from(privateKey.raw).toString('base64')
    assert.ok(!err.message.includes(hex) && !err.message.includes(b64))
  })
})
