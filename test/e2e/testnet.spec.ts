/**
 * The private network itself: idempotent start, status, env, restart of a
 * killed client (with a stale pid file) reusing keys, and a port clash.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { startTestnet, testnetEnv, testnetStatus, TestnetBusyError, TestnetConfigMismatchError, TestnetPortInUseError, type TestnetInfo } from '../../src/testnet/index.js'
import { findTorsUnder, isPidAlive, terminatePid } from '../../src/tor/process.js'
import { getTestnet, TESTNET_CLIENTS, TESTNET_DIR } from './fixture.js'

describe('e2e: private Tor network (src/testnet)', function () {
  this.timeout(120_000)
  let info: TestnetInfo

  before(async function () {
    this.timeout(120_000)
    info = await getTestnet()
  })

  it('a second start on the running network says alreadyRunning and returns the same network', async () => {
    const again = await startTestnet({ dir: TESTNET_DIR })
    console.log(`      second start: ${again.elapsedMs} ms`)
    assert.equal(again.alreadyRunning, true)
    assert.equal(again.basePort, info.basePort)
    assert.deepEqual(again.clients, info.clients)
    assert.deepEqual(again.torrcLines, info.torrcLines)
  })

  it('status lists 3 authorities, the relay and the 4 clients the e2e tier asks for, all alive with pids', async () => {
    const { nodes } = await testnetStatus(TESTNET_DIR)
    assert.equal(TESTNET_CLIENTS, 4)
    assert.deepEqual(nodes.map(n => `${n.name}/${n.role}`), ['auth0/authority', 'auth1/authority', 'auth2/authority', 'relay0/relay', 'client0/client', 'client1/client', 'client2/client', 'client3/client'])
    for (const n of nodes) {
      assert.equal(n.alive, true, `${n.name} alive`)
      assert.ok(n.pid != null && await isPidAlive(n.pid), `${n.name} pid`)
    }
  })

  it('env gives each client its ports and a 32-byte cookie, and torrc lines to join', async () => {
    const env = await testnetEnv(TESTNET_DIR)
    assert.deepEqual(env, { dir: info.dir, basePort: info.basePort, clients: info.clients, torrcLines: info.torrcLines, scheduler: 'KIST' })
    assert.deepEqual(env.clients.map(c => [c.name, c.controlPort, c.socksPort]), [
      ['client0', info.basePort + 18, info.basePort + 19],
      ['client1', info.basePort + 22, info.basePort + 23],
      ['client2', info.basePort + 26, info.basePort + 27],
      ['client3', info.basePort + 30, info.basePort + 31]
    ])
    for (const c of env.clients) {
      assert.equal(c.cookieFile, path.join(TESTNET_DIR, c.name, 'control_auth_cookie'))
      assert.equal((await stat(c.cookieFile)).size, 32)
    }
    assert.equal(env.torrcLines.filter(l => l.startsWith('DirAuthority ')).length, 3)
    assert.ok(env.torrcLines.includes('TestingTorNetwork 1'))
  })

  it('start restarts a killed client (its pid file now stale) and reuses the keys', async () => {
    const certFile = path.join(TESTNET_DIR, 'auth0', 'keys', 'authority_certificate')
    const certBefore = await readFile(certFile, 'utf8')
    const before = (await testnetStatus(TESTNET_DIR)).nodes.find(n => n.name === 'client1')
    assert.ok(before?.pid != null)
    assert.equal(await terminatePid(before.pid, { graceMs: 0 }), true) // straight to SIGKILL
    // A stale pid file that names a live process which is not that tor: this one.
    await writeFile(path.join(TESTNET_DIR, 'client1', 'tor.pid'), `${process.pid}\n`)
    assert.equal((await testnetStatus(TESTNET_DIR)).nodes.find(n => n.name === 'client1')?.alive, false)

    const restarted = await startTestnet({ dir: TESTNET_DIR })
    console.log(`      restart of a killed client: ${restarted.elapsedMs} ms`)
    assert.equal(restarted.alreadyRunning, false)
    assert.deepEqual(restarted.torrcLines, info.torrcLines, 'same authorities, same keys')
    assert.equal(await readFile(certFile, 'utf8'), certBefore)
    const after = (await testnetStatus(TESTNET_DIR)).nodes.find(n => n.name === 'client1')
    assert.equal(after?.alive, true)
    assert.notEqual(after?.pid, before.pid)
    assert.notEqual(after?.pid, process.pid)
  })

  it('refuses other settings while the network runs, and a second concurrent start', async () => {
    await assert.rejects(startTestnet({ dir: TESTNET_DIR, clients: 3 }), TestnetConfigMismatchError)
    const lock = path.join(TESTNET_DIR, 'start.lock')
    await writeFile(lock, `${process.pid}\n`) // a live pid: a start in progress
    try {
      await assert.rejects(startTestnet({ dir: TESTNET_DIR }), (err: Error) => err instanceof TestnetBusyError && err.pid === process.pid)
    } finally {
      await rm(lock, { force: true })
    }
  })

  it('a port clash is an error naming the port and suggesting --base-port, before anything starts', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as net.AddressInfo).port
    const dir = await mkdtemp(path.join(os.tmpdir(), 'p2p-tor-clash-'))
    try {
      await assert.rejects(startTestnet({ dir, basePort: port, timeoutMs: 20_000 }), (err: Error) => {
        assert.ok(err instanceof TestnetPortInUseError, err.message)
        assert.equal(err.port, port)
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port} .*--base-port`))
        return true
      })
      assert.deepEqual(await findTorsUnder(dir), [], 'nothing was started')
    } finally {
      await new Promise(resolve => blocker.close(resolve))
      await rm(dir, { recursive: true, force: true })
    }
  })
})
