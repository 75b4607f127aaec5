/**
 * src/tor on real tor: a managed tor that joins the private network as a full
 * member (hosts a service a testnet client reaches, exits on close or when
 * its owner is SIGKILLed), and attach mode with cookie and password auth.
 */
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { parseControlPortFile, WrongPasswordError } from '../../src/control/index.js'
import type { TestnetInfo } from '../../src/testnet/index.js'
import { attachTor, getTor, launchTor } from '../../src/tor/index.js'
import { findTorsUnder, isPidAlive, isTorWithTorrc, resolveTorBinary, sleep, spawnDetached, terminatePid, waitForPidExit } from '../../src/tor/process.js'
import { echoThroughTor, F0_MAX_ATTEMPTS, getTestnet, publishService, startEchoServer } from './fixture.js'

async function refusesConnections (port: number): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.once('connect', () => { socket.destroy(); resolve(false) })
    socket.once('error', () => { resolve(true) })
  })
}

/** Reads a file that another process writes, bounded. */
async function waitForFile (file: string, ms: number): Promise<string> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const text = await readFile(file, 'utf8').catch(() => '')
    if (text.endsWith('\n')) return text
    await sleep(50)
  }
  throw new Error(`${file} did not appear within ${ms} ms`)
}

describe('e2e: tor for a node (src/tor) on the private network', function () {
  this.timeout(120_000)
  let testnet: TestnetInfo
  let tmp: string

  before(async function () {
    this.timeout(120_000)
    testnet = await getTestnet()
    tmp = await mkdtemp(path.join(os.tmpdir(), 'p2p-tor-managed-'))
  })

  after(async () => {
    if (tmp != null) {
      assert.deepEqual(await findTorsUnder(tmp), [], 'no tor of this spec is left')
      await rm(tmp, { recursive: true, force: true })
    }
  })

  it('a managed tor joins the network, hosts a service client 1 reaches, and on close leaves no process or port', async () => {
    const dataDir = path.join(tmp, 'node-a')
    const t0 = performance.now()
    const handle = await launchTor({ dataDir, torrcLines: testnet.torrcLines, bootstrapTimeoutMs: 90_000 })
    console.log(`      managed tor launched and bootstrapped: ${(performance.now() - t0).toFixed(0)} ms`)
    const echo = await startEchoServer()
    const pid = handle.pid
    try {
      assert.equal(handle.mode, 'managed')
      assert.ok(pid != null && await isTorWithTorrc(pid, path.join(dataDir, 'tor', 'torrc')))
      assert.match(handle.description, /^managed tor \(pid \d+\): control 127\.0\.0\.1:\d+ \(SAFECOOKIE\), socks 127\.0\.0\.1:\d+/)
      await handle.waitForBootstrap({ timeoutMs: 5000 })

      const { serviceId, uploadMs } = await publishService(handle.control, echo.port)
      console.log(`      managed tor: ADD_ONION -> first HS_DESC UPLOADED: ${uploadMs.toFixed(0)} ms`)
      const data = randomBytes(16 * 1024)
      const { connectMs, echoed, attempts } = await echoThroughTor(testnet.clients[1].socksPort, serviceId, data)
      console.log(`      testnet client 1 -> managed tor's service, first connect: ${connectMs.toFixed(0)} ms, ${attempts} attempt(s) of ${F0_MAX_ATTEMPTS}`)
      assert.ok(attempts >= 1 && attempts <= F0_MAX_ATTEMPTS, `F0 retries out of bound: ${attempts}`)
      assert.ok(echoed.equals(data))
    } finally {
      const t1 = performance.now()
      await handle.close()
      console.log(`      managed tor close: ${(performance.now() - t1).toFixed(0)} ms`)
      await echo.close()
    }
    assert.ok(pid != null)
    assert.equal(await isPidAlive(pid), false, 'tor exited')
    assert.ok(handle.controlEndpoint.type === 'tcp')
    assert.equal(await refusesConnections(handle.controlEndpoint.port), true, 'control port closed')
    assert.equal(await refusesConnections(handle.socks.port), true, 'SOCKS port closed')
    await handle.close() // a second close is harmless
  })

  it('a managed tor (via getTor) exits when the process that owns it is killed with SIGKILL', async () => {
    const torIndex = new URL('../../src/tor/index.js', import.meta.url).href
    const script = `import { getTor } from ${JSON.stringify(torIndex)}
const h = await getTor({ managed: { dataDir: process.argv[1], torrcLines: JSON.parse(process.argv[2]), bootstrapTimeoutMs: 90000 } })
process.stdout.write(JSON.stringify({ mode: h.mode, pid: h.pid }) + '\\n')
setInterval(() => {}, 1000)`
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script, path.join(tmp, 'node-b'), JSON.stringify(testnet.torrcLines)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let torPid: number | undefined
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = ''
        owner.stdout.on('data', (b: Buffer) => { out += b.toString(); if (out.includes('\n')) resolve(out) })
        owner.once('exit', (code) => { reject(new Error(`owner exited with ${String(code)} before launching tor`)) })
      })
      const launched = JSON.parse(line) as { mode: string, pid: number }
      torPid = launched.pid
      assert.equal(launched.mode, 'managed')
      assert.equal(await isPidAlive(torPid), true)
      const t0 = performance.now()
      owner.kill('SIGKILL')
      assert.equal(await waitForPidExit(torPid, 15_000), true, 'tor exits with its owner')
      console.log(`      tor gone ${(performance.now() - t0).toFixed(0)} ms after its owner was SIGKILLed`)
    } finally {
      owner.kill('SIGKILL')
      if (torPid != null) await terminatePid(torPid)
    }
  })

  it('attaches to a testnet client with cookie auth, asks tor for its SOCKS port, and leaves it running on close', async () => {
    const c0 = testnet.clients[0]
    const handle = await attachTor({ control: `127.0.0.1:${c0.controlPort}` })
    try {
      assert.equal(handle.mode, 'attach')
      assert.equal(handle.pid, undefined)
      assert.deepEqual(handle.socks, { host: '127.0.0.1', port: c0.socksPort })
      assert.equal(handle.description, `attached to tor: control 127.0.0.1:${c0.controlPort} (SAFECOOKIE), socks 127.0.0.1:${c0.socksPort}`)
      await handle.waitForBootstrap({ timeoutMs: 10_000 })
    } finally {
      await handle.close()
    }
    const viaGetTor = await getTor({ control: `127.0.0.1:${c0.controlPort}`, cookieFile: c0.cookieFile })
    assert.equal(viaGetTor.mode, 'attach')
    await viaGetTor.close()
    assert.equal(await refusesConnections(c0.socksPort), false, 'the attached tor still runs')
  })

  it('attaches with password auth (HashedControlPassword); a wrong password is WrongPasswordError', async () => {
    const tor = await resolveTorBinary()
    const password = randomBytes(12).toString('hex')
    const { stdout } = await promisify(execFile)(tor, ['--hash-password', password, '--quiet'], { timeout: 30_000 })
    const hashed = stdout.trim().split('\n').pop() ?? ''
    assert.match(hashed, /^16:[0-9A-F]+$/)
    const dir = path.join(tmp, 'password-tor')
    await rm(dir, { recursive: true, force: true })
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const torrc = path.join(dir, 'torrc')
    await writeFile(torrc, [
      // A member of the private network (DisableNetwork would close the SOCKS port too).
      ...testnet.torrcLines,
      `DataDirectory ${dir}`, 'RunAsDaemon 0', 'ControlPort auto', `ControlPortWriteToFile ${dir}/control-port`,
      'SocksPort auto', 'CookieAuthentication 0', `HashedControlPassword ${hashed}`, `Log notice file ${dir}/notice.log`
    ].join('\n') + '\n')
    await writeFile(path.join(dir, 'empty'), '')
    const child = await spawnDetached(tor, ['-f', torrc, '--defaults-torrc', path.join(dir, 'empty')], path.join(dir, 'stdout.log'))
    try {
      const [control] = parseControlPortFile(await waitForFile(path.join(dir, 'control-port'), 15_000))
      const handle = await attachTor({ control, password })
      try {
        assert.match(handle.description, /\(HASHEDPASSWORD\), socks 127\.0\.0\.1:\d+$/)
        assert.ok(handle.socks.port > 0)
      } finally {
        await handle.close()
      }
      await assert.rejects(attachTor({ control, password: `${password}x` }), WrongPasswordError)
    } finally {
      assert.equal(await terminatePid(child.pid), true)
    }
  })
})
