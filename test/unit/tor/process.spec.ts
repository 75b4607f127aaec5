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
    // the child says "ready" only once its SIGTERM trap is installed
    const child = spawn('sh', ['-c', 'trap "" TERM; echo ready; while :; do sleep 1; done'], { stdio: ['ignore', 'pipe', 'ignore'] })
    const pid = child.pid
    assert.ok(pid != null)
    const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => {
      child.once('exit', (code, signal) => { resolve({ code, signal }) })
    })
    try {
      await new Promise<void>((resolve, reject) => {
        let out = ''
        const deadline = setTimeout(() => { reject(new Error(`the child did not print "ready" within 5 s (got ${JSON.stringify(out)})`)) }, 5_000)
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString()
          if (out.includes('ready\n')) { clearTimeout(deadline); resolve() }
        })
        child.once('exit', () => { clearTimeout(deadline); reject(new Error('the child exited before it was ready')) })
      })
      assert.equal(await terminatePid(pid, { graceMs: 300, killWaitMs: 3000 }), true)
      // it survived SIGTERM: only SIGKILL ended it
      assert.deepEqual(await exited, { code: null, signal: 'SIGKILL' })
      assert.equal(await isPidAlive(pid), false)
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
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
