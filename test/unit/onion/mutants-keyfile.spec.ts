/**
 * Key-file failures that the main keyfile spec does not reach: the OS refuses
 * to open, read or write the file. Each must surface as a KeyFileError with
 * the right reason, the OS error code in the message and the OS error as
 * `cause`, so the user can tell "wrong path" from "disk problem".
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateOnionKey, KeyFileError, loadOnionKeyFile, loadOrCreateOnionKeyFile, saveOnionKeyFile } from '../../../src/onion/index.js'
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
})
