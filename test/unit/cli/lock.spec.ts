/**
 * The listen lock of a data directory (src/cli/lock.ts): one holder at a
 * time, the holder's pid in the error, stale locks of dead pids taken over,
 * and release only of our own lock.
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DataDirLockedError, LISTEN_LOCK_FILE, lockDataDir, parseLockPid } from '../../../src/cli/lock.js'

/** The pid of a process that has already exited. */
function deadPid (): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  return Number(child.stdout)
}

describe('cli lock: one listen per data directory', () => {
  let dir: string

  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'p2p-tor-lock-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('creates the data dir and a 0600 lock holding our pid; release removes it', async () => {
    const dataDir = join(dir, 'data')
    const lock = await lockDataDir(dataDir)
    assert.equal(lock.path, join(dataDir, LISTEN_LOCK_FILE))
    assert.equal(await readFile(lock.path, 'utf8'), `${process.pid}\n`)
    assert.equal((await stat(lock.path)).mode & 0o777, 0o600)
    await lock.release()
    await assert.rejects(stat(lock.path), { code: 'ENOENT' })
  })

  it('a second lock while a live process holds it is a DataDirLockedError naming that pid', async () => {
    const lock = await lockDataDir(dir)
    try {
      await assert.rejects(lockDataDir(dir), (err: unknown) =>
        err instanceof DataDirLockedError && err.pid === process.pid && err.dataDir === dir &&
        err.message.includes(`pid ${process.pid}`) && err.message.includes('--data-dir'))
    } finally {
      await lock.release()
    }
  })

  it('a lock naming another live process is that process\'s: DataDirLockedError with its pid, and the file is left alone', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' })
    try {
      const pid = child.pid as number
      await writeFile(join(dir, LISTEN_LOCK_FILE), `${pid}\n`)
      await assert.rejects(lockDataDir(dir), (err: unknown) => err instanceof DataDirLockedError && err.pid === pid)
      assert.equal(await readFile(join(dir, LISTEN_LOCK_FILE), 'utf8'), `${pid}\n`)
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('takes over a stale lock whose pid is dead, and one that names no pid', async () => {
    for (const stale of [`${deadPid()}\n`, '', 'garbage\n']) {
      await writeFile(join(dir, LISTEN_LOCK_FILE), stale)
      const lock = await lockDataDir(dir)
      assert.equal(await readFile(lock.path, 'utf8'), `${process.pid}\n`, `stale ${JSON.stringify(stale)}`)
      await lock.release()
    }
  })

  it('release leaves a lock that is no longer ours alone', async () => {
    const lock = await lockDataDir(dir)
    await writeFile(lock.path, '1\n')
    await lock.release()
    assert.equal(await readFile(lock.path, 'utf8'), '1\n')
  })

  it('parseLockPid accepts only a positive decimal pid and one newline', () => {
    assert.equal(parseLockPid('123\n'), 123)
    assert.equal(parseLockPid('123'), 123)
    for (const bad of ['', '\n', '0\n', '-1\n', '12a\n', '1 2\n', '123\n\n', '12345678901\n']) assert.equal(parseLockPid(bad), undefined, bad)
  })
})
