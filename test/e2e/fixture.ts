/**
 * The e2e tier's one private Tor network (mocha root hooks, required by
 * .mocharc.cjs). getTestnet() starts it lazily, once per mocha run; the
 * afterAll hook stops it and checks that none of its tor processes remain.
 *
 * - Directory: $P2P_TOR_TEST_DIR, else <tmpdir>/p2p-tor-e2e-<basePort>. It is
 *   kept after the run, so the next run reuses the keys (a ~3 s restart).
 * - Ports: $P2P_TOR_TEST_BASE_PORT (default 17000) .. +31 (4 per tor: 3
 *   authorities, 1 relay, 4 client tors: messaging puts a hub and three
 *   members on four different client tors). Runs in parallel
 *   on one machine need different base ports; a second run on the same one
 *   is refused (lock file) instead of sharing and stopping the other's network.
 * - P2P_TOR_TEST_VERBOSE=1 prints the start's progress.
 * - No tor installed: getTestnet() rejects with "tor is not installed: apt-get
 *   install -y tor". The tier fails; it never skips.
 */
import assert from 'node:assert/strict'
import type { Socket } from 'node:net'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { ControlClient } from '../../src/control/index.js'
import { socksConnect } from '../../src/socks/index.js'
import { startTestnet, stopTestnet, testnetStatus, type TestnetInfo } from '../../src/testnet/index.js'
import { findTorsUnder } from '../../src/tor/process.js'
import { watchUploads } from '../../src/control/index.js'

const basePort = Number(process.env.P2P_TOR_TEST_BASE_PORT ?? 17000)
export const TESTNET_DIR = path.resolve(process.env.P2P_TOR_TEST_DIR ?? path.join(os.tmpdir(), `p2p-tor-e2e-${basePort}`))
const LOCK_FILE = `${TESTNET_DIR}.lock`

/** Client tors in the e2e network. */
export const TESTNET_CLIENTS = 4

let starting: Promise<TestnetInfo> | undefined
let lockHeld = false

/** Refuse to share the network of another live mocha run (same dir). */
function takeLock (): void {
  try {
    const owner = Number(readFileSync(LOCK_FILE, 'utf8'))
    if (owner !== process.pid && Number.isSafeInteger(owner) && owner > 1) {
      let alive = true
      try { process.kill(owner, 0) } catch (err: any) { alive = err?.code === 'EPERM' }
      if (alive) {
        throw new Error(`another test run (pid ${owner}) uses the private network in ${TESTNET_DIR}; set P2P_TOR_TEST_BASE_PORT to another base port (e.g. ${basePort + 1000}) to run beside it`)
      }
    }
  } catch (err: any) {
    if (err?.code !== 'ENOENT') throw err
  }
  writeFileSync(LOCK_FILE, String(process.pid))
  lockHeld = true
}

function releaseLock (): void {
  if (lockHeld) rmSync(LOCK_FILE, { force: true })
  lockHeld = false
}

/** The run's private network: started on first call, the same promise afterwards. */
export async function getTestnet (): Promise<TestnetInfo> {
  starting ??= (async () => {
    takeLock()
    const verbose = (process.env.P2P_TOR_TEST_VERBOSE ?? '') !== ''
    const net = await startTestnet({
      dir: TESTNET_DIR,
      basePort,
      clients: TESTNET_CLIENTS,
      timeoutMs: 90_000,
      onProgress: verbose ? (e) => { console.log(`      [testnet] ${e.phase}: ${e.message}`) } : undefined
    })
    console.log(`      [testnet] ${net.alreadyRunning ? 'already running' : 'started'} in ${net.elapsedMs} ms: ${TESTNET_DIR}, base port ${net.basePort}`)
    return net
  })()
  return await starting
}

/** Best effort on Ctrl-C or an abrupt exit: SIGTERM the network's tors (verified by /proc cmdline). */
function killNetworkSync (): void {
  if (starting == null) return
  let nodes: Array<{ pidFile: string, torrcPath: string }> = []
  try {
    nodes = JSON.parse(readFileSync(path.join(TESTNET_DIR, 'testnet.json'), 'utf8')).nodes
  } catch {}
  for (const node of nodes) {
    try {
      const pid = Number(readFileSync(node.pidFile, 'utf8'))
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      if (argv.includes(node.torrcPath)) process.kill(pid, 'SIGTERM')
    } catch {}
  }
  releaseLock()
}

process.once('exit', killNetworkSync)
process.once('SIGINT', () => {
  killNetworkSync()
  process.exit(130)
})

export const mochaHooks = {
  async afterAll (this: Mocha.Context): Promise<void> {
    if (starting == null) return
    this.timeout(60_000)
    // A start that failed has already stopped what it started.
    const started = await starting.then(() => true, () => false)
    starting = undefined
    try {
      if (!started) return
      const t0 = Date.now()
      await stopTestnet(TESTNET_DIR)
      console.log(`      [testnet] stopped in ${Date.now() - t0} ms`)
      const { nodes } = await testnetStatus(TESTNET_DIR)
      assert.deepEqual(nodes.filter(n => n.alive).map(n => n.name), [], 'testnet nodes still alive after stop')
      assert.deepEqual(await findTorsUnder(TESTNET_DIR), [], `tor processes of ${TESTNET_DIR} remain after stop`)
    } finally {
      releaseLock()
    }
  }
}

// Helpers for the real-tor specs: an echo server, a published onion service, a round trip through SOCKS.

/** A TCP echo server on 127.0.0.1:<ephemeral>. */
export async function startEchoServer (): Promise<{ port: number, close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.pipe(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise(resolve => server.close(resolve))
    }
  }
}

/**
 * ADD_ONION (fresh key, DiscardPK) on `control`, virtual port 80 to
 * 127.0.0.1:`targetPort`, and wait for its first HS_DESC UPLOADED.
 */
export async function publishService (control: ControlClient, targetPort: number): Promise<{ serviceId: string, uploadMs: number }> {
  const watch = await watchUploads(control)
  try {
    const t0 = performance.now()
    const { serviceId } = await control.addOnion({ ports: [{ virtualPort: 80, target: { host: '127.0.0.1', port: targetPort } }], flags: ['DiscardPK'] })
    await watch.waitForUpload(serviceId, { timeoutMs: 60_000 })
    return { serviceId, uploadMs: performance.now() - t0 }
  } finally {
    await watch.stop()
  }
}

/** Connect to <serviceId>.onion:80 through `socksPort`, send `data`, read as many bytes back. */
/**
 * The first HS_DESC UPLOADED means one HS directory has the descriptor; the
 * others get it a few hundred ms later. A client that happens to ask one of
 * those first gets F0. Retry F0 a bounded number of times (1 s apart), and
 * say how many attempts it took, rather than flake.
 */
export const F0_MAX_ATTEMPTS = 5

async function connectRetryingF0 (socksPort: number, serviceId: string, maxAttempts = F0_MAX_ATTEMPTS): Promise<Socket & { attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const socket = await socksConnect({ proxy: { host: '127.0.0.1', port: socksPort }, host: `${serviceId}.onion`, port: 80, timeoutMs: 60_000 })
      return Object.assign(socket, { attempts: attempt })
    } catch (err: any) {
      if (err?.name !== 'OnionServiceNotFoundError' || attempt >= maxAttempts) throw err
      console.log(`      (F0 on attempt ${attempt}: descriptor not on that HS directory yet; retrying in 1 s)`)
      await new Promise(resolve => setTimeout(resolve, 1000))
    }
  }
}

/**
 * Echo `data` through <serviceId>.onion:80. `attempts` is how many SOCKS
 * connects it took (F0 retries included, at most F0_MAX_ATTEMPTS): callers
 * assert and report it, so a run that only passed by retrying shows.
 */
export async function echoThroughTor (socksPort: number, serviceId: string, data: Buffer): Promise<{ connectMs: number, echoed: Buffer, attempts: number }> {
  const t0 = performance.now()
  const socket = await connectRetryingF0(socksPort, serviceId)
  const connectMs = performance.now() - t0
  try {
    const echoed = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = []
      let got = 0
      const timer = setTimeout(() => { reject(new Error(`echo incomplete after 60 s: ${got} of ${data.length} bytes`)) }, 60_000)
      socket.on('data', (b: Buffer) => {
        chunks.push(b)
        got += b.length
        if (got >= data.length) { clearTimeout(timer); resolve(Buffer.concat(chunks)) }
      })
      socket.once('error', (err) => { clearTimeout(timer); reject(err) })
      socket.write(data)
    })
    return { connectMs, echoed, attempts: socket.attempts }
  } finally {
    socket.destroy()
  }
}
