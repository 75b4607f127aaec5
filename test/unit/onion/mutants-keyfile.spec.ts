/**
 * Key-file failures that the main keyfile spec does not reach: the OS refuses
 * to open, read or write the file. Each must surface as a KeyFileError with
 * the right reason, the OS error code in the message and the OS error as
 * `cause`, so the user can tell "wrong path" from "disk problem".
 */
import assert from 'node:assert/strict'
import { chmod, mkdir, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateOnionKey, KeyFileError, loadOnionKeyFile, loadOrCreateOnionKeyFile, saveOnionKeyFile } from '../../../src/onion/index.js'
import { encodeOnionKeyFile } from '../../../src/onion/keyfile.js'
import type { KeyFileProblem } from '../../../src/onion/index.js'

async function rejection (promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  assert.fail('expected a rejection')
}

async function rejectsWithCode (promise: Promise<unknown>, reason: KeyFileProblem, path: string, code: string): Promise<KeyFileError> {
  const err = await rejection(promise)
  assert.ok(err instanceof KeyFileError, `expected KeyFileError, got ${String(err)}`)
  assert.equal(err.reason, reason)
  assert.equal(err.path, path)
  assert.ok(err.message.includes(`(${code})`), err.message)
  assert.equal((err.cause as NodeJS.ErrnoException | undefined)?.code, code)
  return err
}

describe('onion key files: operating-system failures', () => {
  let dir: string

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2p-tor-onion-'))
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('a path through a regular file cannot be opened: unreadable (ENOTDIR), not missing', async () => {
    const file = join(dir, 'file')
    await writeFile(file, 'x')
    const path = join(file, 'key')
    await rejectsWithCode(loadOnionKeyFile(path), 'unreadable', path, 'ENOTDIR')
    // and loadOrCreate must not treat it as "no key yet"
    await rejectsWithCode(loadOrCreateOnionKeyFile(path), 'unreadable', path, 'ENOTDIR')
  })

  it('a 0600 regular file whose read fails (/proc/self/mem): unreadable (EIO)', async function () {
    // /proc/self/mem is a regular, owner-only file on Linux, and reading it at
    // offset 0 fails with EIO: a real read error after a successful open.
    assert.equal(process.platform, 'linux', 'this test needs Linux procfs')
    await rejectsWithCode(loadOnionKeyFile('/proc/self/mem'), 'unreadable', '/proc/self/mem', 'EIO')
  })

  it('saving under a regular file fails as unwritable, naming the directory to check', async () => {
    const file = join(dir, 'file')
    await writeFile(file, 'x')
    const path = join(file, 'sub', 'key')
    const err = await rejection(saveOnionKeyFile(path, generateOnionKey()))
    assert.ok(err instanceof KeyFileError, `expected KeyFileError, got ${String(err)}`)
    assert.equal(err.reason, 'unwritable')
    assert.equal(err.path, path)
    const code = (err.cause as NodeJS.ErrnoException | undefined)?.code
    assert.ok(code === 'ENOTDIR' || code === 'EEXIST', `unexpected cause ${String(code)}`)
    assert.ok(err.message.includes(`(${code})`), err.message)
    assert.ok(err.message.includes(join(file, 'sub')), err.message)
  })

  it('says what is wrong, keeping the underlying error as the cause', async () => {
    const missing = join(dir, 'none')
    const gone = await rejection(loadOnionKeyFile(missing))
    assert.ok(gone instanceof KeyFileError)
    assert.equal(gone.reason, 'missing')
    assert.match(gone.message, /does not exist; check the path, or create a key with loadOrCreateOnionKeyFile\(\)/)
    assert.equal((gone.cause as NodeJS.ErrnoException).code, 'ENOENT')

    const path = join(dir, 'key')
    const good = encodeOnionKeyFile(generateOnionKey())
    await writeFile(path, Uint8Array.from([...good, 0]), { mode: 0o600 })
    const longer = await rejection(loadOnionKeyFile(path))
    assert.ok(longer instanceof KeyFileError && longer.reason === 'corrupt')
    assert.match(longer.message, /is longer than 96 bytes; restore it from a backup/)

    const damaged = Uint8Array.from(good)
    damaged[32] |= 0x07 // the scalar is no longer a multiple of 8
    await writeFile(path, damaged)
    const bad = await rejection(loadOnionKeyFile(path))
    assert.ok(bad instanceof KeyFileError && bad.reason === 'corrupt')
    assert.match(bad.message, /has a valid header but its key is damaged \(clamping\)/)
    assert.equal((bad.cause as Error).name, 'InvalidOnionKeyError')

    await writeFile(path, new TextEncoder().encode('not a key file, but a longer text than the header'))
    const text = await rejection(loadOnionKeyFile(path))
    assert.ok(text instanceof KeyFileError && text.reason === 'corrupt')
    assert.match(text.message, /does not start with tor's "== ed25519v1-secret: type0 ==" header, so it is not a v3 onion service secret key; check the path/)

    await writeFile(path, good)
    await chmod(path, 0o044)
    const open = await rejection(loadOnionKeyFile(path))
    assert.ok(open instanceof KeyFileError && open.reason === 'permissions')
    assert.match(open.message, /\(mode 0044\)/)

    const sub = join(dir, 'sub')
    await mkdir(sub)
    const notFile = await rejection(loadOnionKeyFile(sub))
    assert.ok(notFile instanceof KeyFileError && notFile.reason === 'unreadable')
    assert.match(notFile.message, /is not a regular file; point to the hs_ed25519_secret_key file itself/)
  })

  it('creating a key leaves only the key file in the directory (no temporary file)', async () => {
    const path = join(dir, 'key')
    assert.equal((await loadOrCreateOnionKeyFile(path)).created, true)
    assert.deepEqual(await readdir(dir), ['key'])
  })

  it('leaves no file descriptor open on the key directory after saving, creating or loading', async function () {
    assert.equal(process.platform, 'linux', 'this test reads /proc/self/fd')
    /** Descriptors of this process that point into the test directory (checked right after each call, before any GC). */
    async function openInDir (): Promise<string[]> {
      const targets = await Promise.all((await readdir('/proc/self/fd')).map(async fd => await readlink(`/proc/self/fd/${fd}`).catch(() => '')))
      return targets.filter(t => t === dir || t.startsWith(`${dir}/`))
    }
    for (let i = 0; i < 5; i++) {
      await saveOnionKeyFile(join(dir, `saved-${i}`), generateOnionKey())
      assert.deepEqual(await openInDir(), [], 'after saveOnionKeyFile')
      await loadOnionKeyFile(join(dir, `saved-${i}`))
      assert.deepEqual(await openInDir(), [], 'after loadOnionKeyFile')
      await loadOrCreateOnionKeyFile(join(dir, `created-${i}`))
      assert.deepEqual(await openInDir(), [], 'after loadOrCreateOnionKeyFile')
    }
  })
})
