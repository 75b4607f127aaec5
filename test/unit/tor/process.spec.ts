import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { TorNotInstalledError } from '../../../src/tor/errors.js'
import { isPidAlive, isPortFree, isTorWithTorrc, resolveBinary, tailLines, terminatePid } from '../../../src/tor/process.js'

describe('tor process primitives', () => {
  let dir: string
  before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'p2p-tor-process-')) })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  it('a missing binary is TorNotInstalledError telling how to install tor', async () => {
    await assert.rejects(resolveBinary('no-such-tor-binary-here'), (err: Error) => {
      assert.ok(err instanceof TorNotInstalledError)
      assert.match(err.message, /^tor is not installed: apt-get install -y tor/)
      return true
    })
  })

  it('a process that is not tor with our torrc is not ours, even if alive', async () => {
    assert.equal(await isPidAlive(process.pid), true)
    assert.equal(await isTorWithTorrc(process.pid, path.join(dir, 'torrc')), false)
    assert.equal(await isPidAlive(2 ** 22 + 12345), false)
  })

  it('terminatePid stops a process that ignores SIGTERM with SIGKILL, bounded', async function () {
    this.timeout(10_000)
    const child = spawn('sh', ['-c', 'trap "" TERM; while :; do sleep 1; done'], { stdio: 'ignore' })
    assert.ok(child.pid != null)
    await new Promise(resolve => setTimeout(resolve, 100))
    assert.equal(await terminatePid(child.pid, { graceMs: 300, killWaitMs: 3000 }), true)
    assert.equal(await isPidAlive(child.pid), false)
  })

  it('isPortFree sees a listening port as taken', async () => {
    const server = net.createServer()
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as net.AddressInfo).port
    try {
      assert.equal(await isPortFree(port), false)
    } finally {
      await new Promise(resolve => server.close(resolve))
    }
    assert.equal(await isPortFree(port), true)
  })

  it('tailLines joins the last lines of several files and skips missing ones', async () => {
    await writeFile(path.join(dir, 'a.log'), 'a1\na2\n\n')
    await writeFile(path.join(dir, 'b.log'), 'b1\nb2\nb3\n')
    assert.deepEqual(await tailLines([path.join(dir, 'a.log'), path.join(dir, 'missing'), path.join(dir, 'b.log')], 4), ['a2', 'b1', 'b2', 'b3'])
  })
})
