/**
 * makeDirectory (src/onion/atomic-file.ts): `mkdir -p` that cannot loop
 * (Node 20's recursive mkdir never returns below /proc).
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeDirectory } from '../../../src/onion/atomic-file.js'
import { CreateDirectoryError } from '../../../src/onion/errors.js'

describe('onion makeDirectory', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'p2p-tor-mkdir-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('creates every missing level with mode 0700, and accepts an existing directory', async () => {
    const deep = join(dir, 'a', 'b', 'c')
    await makeDirectory(deep)
    for (const level of [join(dir, 'a'), join(dir, 'a', 'b'), deep]) assert.equal((await stat(level)).mode & 0o777, 0o700, level)
    await makeDirectory(deep)
    await makeDirectory(dir)
  })

  it('a file on the way is CreateDirectoryError ENOTDIR', async () => {
    await writeFile(join(dir, 'file'), '')
    for (const target of [join(dir, 'file'), join(dir, 'file', 'x')]) {
      await assert.rejects(makeDirectory(target), (err: unknown) => err instanceof CreateDirectoryError && err.code === 'ENOTDIR' && err.path === target)
    }
  })

  it('below /proc it fails with ENOENT instead of looping', async () => {
    await assert.rejects(makeDirectory('/proc/p2p-tor-test/x'), (err: unknown) =>
      err instanceof CreateDirectoryError && err.code === 'ENOENT' && err.message.includes('/proc/p2p-tor-test/x'))
  })
})
