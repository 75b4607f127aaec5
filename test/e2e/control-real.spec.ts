/**
 * The control client against a real tor (Debian's 0.4.9): every auth method
 * tor offers, a TCP and a unix control port, ADD_ONION / GETINFO / DEL_ONION
 * and the error codes tor really sends. tor runs with DisableNetwork, so no
 * traffic leaves the machine. It must be installed: this suite fails (never
 * skips) without it.
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ControlClient } from '../../src/control/client.js'
import { parseControlPortFile, type ControlEndpoint } from '../../src/control/endpoint.js'
import { ControlConnectionClosedError, ControlReplyError, TorBootstrapTimeoutError, WrongPasswordError } from '../../src/control/errors.js'
import { onionKeyFromAddOnionBlob } from '../../src/onion/keys.js'
import { newKeyBlob } from '../unit/control/key-blob.js'

const PASSWORD = 'p"a\\ss w0rd'
const START_TIMEOUT_MS = 20_000
const STOP_GRACE_MS = 5_000
const SERVICE_ID = /^[a-z2-7]{56}$/

interface RunningTor {
  proc: ChildProcess
  exited: Promise<void>
  dir: string
  dataDir: string
  tcp: ControlEndpoint
  unix: ControlEndpoint
  output: string[]
}

function requireTor (): void {
  const r = spawnSync('tor', ['--version'], { encoding: 'utf8' })
  if (r.error != null || r.status !== 0) {
    throw new Error(`tor is not installed or does not run (${r.error?.message ?? `exit ${r.status}`}): apt-get install -y tor`)
  }
}

function hashPassword (password: string): string {
  const r = spawnSync('tor', ['--hash-password', password], { encoding: 'utf8' })
  const hash = /^16:[0-9A-F]+$/m.exec(r.stdout ?? '')
  if (hash == null) throw new Error(`tor --hash-password gave no hash: ${r.stderr}`)
  return hash[0]
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

async function startTor (): Promise<RunningTor> {
  requireTor()
  const dir = await mkdtemp(join(tmpdir(), 'p2p-tor-control-e2e-'))
  const dataDir = join(dir, 'data')
  const portFile = join(dir, 'control-port')
  const proc = spawn('tor', [
    '--DisableNetwork', '1', '--SocksPort', '0',
    '--ControlPort', 'auto', '--ControlPortWriteToFile', portFile, '--ControlSocket', join(dir, 'control.sock'),
    '--CookieAuthentication', '1', '--HashedControlPassword', hashPassword(PASSWORD),
    '--DataDirectory', dataDir, '--GeoIPFile', '', '--GeoIPv6File', '',
    // tor exits on its own if this test process dies without stopping it
    '--__OwningControllerProcess', String(process.pid),
    '--Log', 'notice stdout'
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  const output: string[] = []
  const keep = (chunk: Buffer): void => { output.push(...chunk.toString('utf8').split('\n').filter(l => l.length > 0)) }
  proc.stdout?.on('data', keep)
  proc.stderr?.on('data', keep)
  let alive = true
  const exited = new Promise<void>(resolve => proc.once('exit', () => { alive = false; resolve() }))
  const started = { proc, exited, dir, dataDir, output }

  // bounded: at most START_TIMEOUT_MS / 100 polls for the file tor writes once its ports are open
  for (let i = 0; i < START_TIMEOUT_MS / 100; i++) {
    const text = await readFile(portFile, 'utf8').catch(() => '')
    const endpoints = parseControlPortFile(text)
    const tcp = endpoints.find(e => e.type === 'tcp')
    const unix = endpoints.find(e => e.type === 'unix')
    if (tcp != null && unix != null) return { ...started, tcp, unix }
    if (!alive) break
    await sleep(100)
  }
  await stopTor(started)
  throw new Error(`tor did not open its control port (pid ${proc.pid ?? '?'}):\n${output.slice(-10).join('\n')}`)
}

/** SIGTERM, then SIGKILL after 5 s; always by the recorded pid. */
async function stopTor (tor: Pick<RunningTor, 'proc' | 'exited' | 'dir'> | undefined): Promise<void> {
  if (tor == null) return
  if (tor.proc.exitCode == null && tor.proc.signalCode == null) {
    tor.proc.kill('SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const killed = new Promise<void>(resolve => {
      timer = setTimeout(() => {
        tor.proc.kill('SIGKILL')
        resolve()
      }, STOP_GRACE_MS)
    })
    await Promise.race([tor.exited, killed])
    clearTimeout(timer)
    await tor.exited
  }
  await rm(tor.dir, { recursive: true, force: true })
}

describe('control client against a real tor', function () {
  this.timeout(60_000)
  let tor: RunningTor | undefined
  const clients: ControlClient[] = []

  async function connect (endpoint?: ControlEndpoint): Promise<ControlClient> {
    assert.ok(tor != null, 'tor did not start')
    const c = await ControlClient.connect(endpoint ?? tor.tcp)
    clients.push(c)
    return c
  }

  async function authed (): Promise<ControlClient> {
    const c = await connect()
    await c.authenticate()
    return c
  }

  before(async () => {
    tor = await startTor()
  })

  afterEach(async () => {
    await Promise.all(clients.splice(0).map(async c => c.close()))
  })

  after(async () => {
    await stopTor(tor)
  })

  describe('authentication', () => {
    it('PROTOCOLINFO lists cookie and password methods and the cookie path', async () => {
      const info = await (await connect()).protocolInfo()
      assert.deepEqual([...info.authMethods].sort(), ['COOKIE', 'HASHEDPASSWORD', 'SAFECOOKIE'])
      assert.equal(info.cookieFile, join(tor?.dataDir ?? '', 'control_auth_cookie'))
      assert.match(info.torVersion ?? '', /^0\.4\.\d+/)
    })

    it('picks SAFECOOKIE by default', async () => {
      const c = await connect()
      assert.deepEqual(await c.authenticate({ password: PASSWORD }), { method: 'SAFECOOKIE' })
      assert.equal((await c.getInfo('version')).version, (await c.protocolInfo()).torVersion)
    })

    it('authenticates with COOKIE', async () => {
      const c = await connect()
      assert.deepEqual(await c.authenticate({ method: 'COOKIE' }), { method: 'COOKIE' })
      assert.ok('version' in await c.getInfo('version'))
    })

    it('authenticates with HASHEDPASSWORD, quoting a password with a quote, backslash and space', async () => {
      const c = await connect()
      assert.deepEqual(await c.authenticate({ method: 'HASHEDPASSWORD', password: PASSWORD }), { method: 'HASHEDPASSWORD' })
      assert.ok('version' in await c.getInfo('version'))
    })

    it('a wrong password is WrongPasswordError, and the connection is closed', async () => {
      const c = await connect()
      const closed = new Promise(resolve => c.once('close', resolve))
      await assert.rejects(c.authenticate({ method: 'HASHEDPASSWORD', password: 'wrong' }), WrongPasswordError)
      await closed
      await assert.rejects(c.getInfo('version'), ControlConnectionClosedError)
    })

    it('works over the unix ControlSocket', async () => {
      assert.ok(tor != null)
      const c = await connect(tor.unix)
      assert.deepEqual(await c.authenticate(), { method: 'SAFECOOKIE' })
      assert.match((await c.getInfo('version')).version, /^0\.4\./)
    })
  })

  describe('onion services', () => {
    it('ADD_ONION NEW, GETINFO onions/current, DEL_ONION, and 552 for a second DEL_ONION', async () => {
      const c = await authed()
      const a = await c.addOnion({ ports: [{ virtualPort: 80, target: { host: '127.0.0.1', port: 9 } }] })
      assert.match(a.serviceId, SERVICE_ID)
      assert.ok(a.privateKey?.startsWith('ED25519-V3:'))
      // the key tor generated is the one that names the service
      assert.equal(onionKeyFromAddOnionBlob(a.privateKey ?? '').serviceId, a.serviceId)
      assert.deepEqual(await c.getInfo('onions/current'), { 'onions/current': a.serviceId })

      const b = await c.addOnion({ flags: ['DiscardPK'], ports: [{ virtualPort: 81, target: { path: join(tor?.dir ?? '/tmp', 'svc.sock') } }] })
      assert.equal(b.privateKey, undefined)
      // two services come back as a data block
      assert.deepEqual((await c.getInfo(['onions/current']))['onions/current'].split('\n').sort(), [a.serviceId, b.serviceId].sort())

      await c.delOnion(a.serviceId)
      await c.delOnion(b.serviceId)
      assert.deepEqual(await c.getInfo('onions/current'), { 'onions/current': '' })
      await assert.rejects(c.delOnion(a.serviceId), (err: Error) =>
        err instanceof ControlReplyError && err.status === 552 && err.command === 'DEL_ONION')
    })

    it('ADD_ONION with a given key: the expected id, 550 on collision, and the same id again after DEL_ONION', async () => {
      const c = await authed()
      const key = newKeyBlob()
      const expected = onionKeyFromAddOnionBlob(key).serviceId
      const opts = { key, flags: ['DiscardPK' as const], maxStreams: 4, ports: [{ virtualPort: 7777, target: { host: '::1', port: 40000 } }] }
      assert.deepEqual(await c.addOnion(opts), { serviceId: expected })
      await assert.rejects(c.addOnion(opts), (err: Error) =>
        err instanceof ControlReplyError && err.status === 550 && err.command === 'ADD_ONION' &&
        /Onion address collision/.test(err.message) && !err.message.includes(key.slice(11)))
      await c.delOnion(expected)
      assert.deepEqual(await c.addOnion(opts), { serviceId: expected })
      await c.delOnion(expected)
    })

    it('a service dies with its connection unless detached', async () => {
      const owner = await authed()
      const kept = await owner.addOnion({ flags: ['Detach', 'DiscardPK'], ports: [{ virtualPort: 80 }] })
      const dropped = await owner.addOnion({ flags: ['DiscardPK'], ports: [{ virtualPort: 80 }] })
      await owner.close()
      const other = await authed()
      assert.deepEqual(await other.getInfo('onions/detached'), { 'onions/detached': kept.serviceId })
      await assert.rejects(other.delOnion(dropped.serviceId), { status: 552 })
      await other.delOnion(kept.serviceId)
    })
  })

  describe('configuration, signals and bootstrap', () => {
    it('SETCONF escapes a value that tor stores verbatim; RESETCONF restores the default', async () => {
      const c = await authed()
      const value = 'p2p-tor "test" \\ with spaces'
      await c.setConf({ ContactInfo: value })
      const got = await c.rawCommand('GETCONF ContactInfo')
      assert.equal(got.status, 250)
      assert.equal(got.lines[0].text, `ContactInfo=${value}`)
      await c.resetConf(['ContactInfo'])
      assert.equal((await c.rawCommand('GETCONF ContactInfo')).lines[0].text, 'ContactInfo')
    })

    it('maps tor\'s real error replies', async () => {
      const c = await authed()
      await assert.rejects(c.getInfo('no-such-key'), { name: 'ControlReplyError', status: 552, command: 'GETINFO' })
      await assert.rejects(c.setConf({ NoSuchOption: '1' }), { status: 552, command: 'SETCONF' })
      const bogus = await c.rawCommand('BOGUS')
      assert.equal(bogus.status, 510)
      await c.signal('HEARTBEAT')
      await c.setEvents(['HS_DESC', 'STATUS_CLIENT'])
      await c.setEvents([])
    })

    it('waitForBootstrap polls tor and times out at 0% with DisableNetwork', async () => {
      const c = await authed()
      const seen: number[] = []
      await assert.rejects(c.waitForBootstrap({ timeoutMs: 1500, onProgress: s => seen.push(s.progress) }), (err: Error) =>
        err instanceof TorBootstrapTimeoutError && err.progress === 0 && err.tag === 'starting' && err.summary === 'Starting')
      assert.deepEqual(seen, [0])
      assert.deepEqual(c.events, [])
    })
  })

  describe('ownership', () => {
    it('TAKEOWNERSHIP makes tor exit when the owning connection closes', async () => {
      const own = await startTor()
      try {
        const c = await ControlClient.connect(own.tcp)
        await c.authenticate()
        await c.takeOwnership()
        await c.resetConf(['__OwningControllerProcess'])
        await c.close()
        let timer: NodeJS.Timeout | undefined
        const exitedInTime = await Promise.race([
          own.exited.then(() => true),
          new Promise<boolean>(resolve => { timer = setTimeout(() => { resolve(false) }, 10_000) })
        ])
        clearTimeout(timer)
        assert.equal(exitedInTime, true, 'tor kept running after its owning control connection closed')
      } finally {
        await stopTor(own)
      }
    })
  })
})
