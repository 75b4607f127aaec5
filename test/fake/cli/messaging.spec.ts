/**
 * The messaging commands in-process through main(argv, ctx) against the fake
 * Tor (its SOCKS port maps the hub's onion to its local listener): the exact
 * JSON shape of every event hub, publish, subscribe, register and call print,
 * and a call whose deadline passes kills the callee's command. The real-tor
 * run of the same flow, between processes, is test/e2e/cli-messaging.spec.ts.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InterruptedError } from '../../../src/cli/errors.js'
import { main } from '../../../src/cli/main.js'
import type { CliContext } from '../../../src/cli/context.js'
import { startFakeTor } from '../../fixtures/fake-tor.js'
import type { FakeTor } from '../../fixtures/fake-tor.js'

type CliEvent = Record<string, any> & { event: string }

/** One in-process CLI run with recording streams, no TTY, and its own SIGINT. */
class CliRun {
  stdout = ''
  stderr = ''
  readonly done: Promise<number>
  finished = false
  readonly #controller = new AbortController()
  readonly #waiters = new Set<() => void>()

  constructor (argv: string[]) {
    const ctx: CliContext = {
      env: {},
      stdout: { write: (s: string) => { this.stdout += s; this.#wake() } },
      stderr: { write: (s: string) => { this.stderr += s } },
      signal: this.#controller.signal
    }
    this.done = main(argv, ctx)
    this.done.finally(() => { this.finished = true; this.#wake() }).catch(() => {})
  }

  #wake (): void {
    for (const wake of this.#waiters) wake()
  }

  get events (): CliEvent[] {
    return this.stdout.split('\n').filter(l => l !== '').map(l => JSON.parse(l) as CliEvent)
  }

  /** The first event matching `pred`, waiting for it at most `ms`. */
  async waitFor (pred: (e: CliEvent) => boolean, what: string, ms = 15_000): Promise<CliEvent> {
    const deadline = Date.now() + ms
    for (;;) {
      const found = this.events.find(pred)
      if (found != null) return found
      const left = deadline - Date.now()
      if (this.finished || left <= 0) assert.fail(`no ${what} (${this.finished ? 'the command ended' : `within ${ms} ms`}); stdout:\n${this.stdout}\nstderr:\n${this.stderr}`)
      await new Promise<void>(resolve => {
        const wake = (): void => { clearTimeout(timer); this.#waiters.delete(wake); resolve() }
        const timer = setTimeout(wake, Math.min(left, 200))
        this.#waiters.add(wake)
      })
    }
  }

  async event (name: string, ms?: number): Promise<CliEvent> {
    return await this.waitFor(e => e.event === name, `"${name}" event`, ms)
  }

  interrupt (): void {
    this.#controller.abort(new InterruptedError('SIGINT'))
  }
}

/** The keys of an event, in the order printed. */
const keys = (e: CliEvent | undefined): string[] => Object.keys(e ?? {})

describe('CLI messaging commands against a fake Tor: the JSON events', function () {
  this.timeout(60_000)
  let fake: FakeTor
  let dir: string
  let realmFile: string
  const peer: Record<string, string> = {}
  let hub: CliRun
  let hubAddr: string
  const runs: CliRun[] = []

  function cli (...argv: string[]): CliRun {
    const end = argv.indexOf('--')
    const own = end === -1 ? argv : argv.slice(0, end)
    const tail = end === -1 ? [] : argv.slice(end)
    const run = new CliRun([...own, '--tor-control', fake.control, '--tor-socks', `${fake.socks.host}:${fake.socks.port}`, '--json', ...tail])
    runs.push(run)
    return run
  }

  const as = (who: string): string[] => ['--hub', hubAddr, '--data-dir', join(dir, who)]

  function realm (without: string[] = []): unknown {
    const peers = (who: string): string[] => without.includes(who) ? [] : [peer[who]]
    return {
      roles: [
        { name: 'pub', peers: peers('a'), permissions: [{ uri: 'news.', match: 'prefix', allow: { publish: true } }, { uri: 'svc.', match: 'prefix', allow: { call: true } }] },
        { name: 'sub', peers: peers('b'), permissions: [{ uri: 'news.', match: 'prefix', allow: { subscribe: true } }, { uri: 'svc.', match: 'prefix', allow: { register: true } }] },
        { name: 'none', peers: peers('c'), permissions: [{ uri: 'other.topic', allow: { subscribe: true } }] }
      ]
    }
  }

  async function writeRealm (value: unknown): Promise<void> {
    await writeFile(`${realmFile}.tmp`, typeof value === 'string' ? value : JSON.stringify(value))
    await rename(`${realmFile}.tmp`, realmFile)
  }

  async function finish (run: CliRun): Promise<number> {
    return await run.done
  }

  before(async () => {
    fake = await startFakeTor()
    dir = await mkdtemp(join(tmpdir(), 'p2p-tor-fake-cli-messaging-'))
    realmFile = join(dir, 'realm.json')
    for (const who of ['a', 'b', 'c']) {
      const id = new CliRun(['id', '--data-dir', join(dir, who), '--json'])
      assert.equal(await id.done, 0, id.stderr)
      peer[who] = id.events[0].peerId
    }
    await writeRealm(realm())
    hub = cli('hub', '--realm', realmFile, '--data-dir', join(dir, 'hub'))
    hubAddr = (await hub.event('listening')).multiaddrs[0]
  })

  after(async () => {
    for (const run of runs.splice(0)) {
      run.interrupt()
      await run.done.catch(() => {})
    }
    await fake?.stop()
    if (dir != null) await rm(dir, { recursive: true, force: true })
  })

  let sub: CliRun

  it('subscribe: joined, subscribed, then message; publish: joined, published; hub: member', async () => {
    sub = cli('subscribe', 'news.today', ...as('b'))
    const joined = await sub.event('joined')
    assert.deepEqual(keys(joined), ['event', 'hub', 'peerId', 'joinMs'])
    assert.equal(joined.hub, hubAddr)
    assert.equal(joined.peerId, peer.b)
    assert.equal(typeof joined.joinMs, 'number')
    assert.deepEqual(await sub.event('subscribed'), { event: 'subscribed', topic: 'news.today', replayed: 0 })

    const pub = cli('publish', 'news.today', 'hello', '--content-type', 'text/plain', ...as('a'))
    assert.equal(await finish(pub), 0, pub.stderr)
    assert.deepEqual(pub.events.filter(e => e.event !== 'progress').map(e => e.event), ['joined', 'published'])
    const published = pub.events.at(-1) as CliEvent
    assert.deepEqual(keys(published), ['event', 'topic', 'id', 'acknowledged', 'publishMs'])
    assert.equal(published.topic, 'news.today')
    assert.match(published.id, /^[0-9a-f]{32}$/)
    assert.equal(published.acknowledged, true)

    const msg = await sub.waitFor(e => e.event === 'message' && e.id === published.id, 'the message')
    assert.deepEqual(keys(msg), ['event', 'topic', 'from', 'id', 'time', 'receivedAt', 'contentType', 'replayed', 'data'])
    assert.deepEqual({ ...msg, time: 0, receivedAt: 0 }, { event: 'message', topic: 'news.today', from: peer.a, id: published.id, time: 0, receivedAt: 0, contentType: 'text/plain', replayed: false, data: 'hello' })
    assert.ok(msg.receivedAt >= msg.time - 60_000)

    const member = await hub.waitFor(e => e.event === 'member' && e.peerId === peer.a, 'member a')
    assert.deepEqual(member, { event: 'member', peerId: peer.a, joined: true })
    assert.deepEqual(await hub.waitFor(e => e.event === 'member' && e.peerId === peer.a && e.joined === false, 'a left'), { event: 'member', peerId: peer.a, joined: false })
  })

  it('a refusal: error { event, code, exitCode, message } last and exit 5; the hub prints refused { peerId, action, uri }', async () => {
    const pub = cli('publish', 'news.today', 'x', ...as('c'))
    assert.equal(await finish(pub), 5, pub.stderr)
    const error = pub.events.at(-1) as CliEvent
    assert.deepEqual(keys(error), ['event', 'code', 'exitCode', 'message'])
    assert.deepEqual({ ...error, message: '' }, { event: 'error', code: 'NOT_AUTHORIZED', exitCode: 5, message: '' })
    assert.match(error.message, /publish on news\.today/)
    assert.deepEqual(await hub.event('refused'), { event: 'refused', peerId: peer.c, action: 'publish', uri: 'news.today' })
  })

  it('register: registered, invocation { ok } per call; call: result; a failing command: invocation { ok: false, message } and exit 6', async () => {
    // b cannot register while its subscribe runs (one session per PeerId at the hub)
    sub.interrupt()
    assert.equal(await sub.done, 0, sub.stderr)
    const stopped = sub.events.at(-1) as CliEvent
    assert.deepEqual(keys(stopped), ['event', 'signal', 'shutdownMs'])
    assert.equal(stopped.signal, 'SIGINT')

    const reg = cli('register', 'svc.sh', ...as('b'), '--', 'sh', '-c', 'read x; case "$x" in fail) echo "no: $x" >&2; exit 1;; *) echo "got $x";; esac')
    assert.deepEqual(await reg.event('registered'), { event: 'registered', uri: 'svc.sh' })

    const ok = cli('call', 'svc.sh', 'hi', ...as('a'))
    assert.equal(await finish(ok), 0, ok.stderr)
    const result = ok.events.at(-1) as CliEvent
    assert.deepEqual(keys(result), ['event', 'uri', 'callMs', 'data'])
    assert.deepEqual({ ...result, callMs: 0 }, { event: 'result', uri: 'svc.sh', callMs: 0, data: 'got hi\n' })
    const invocation = await reg.event('invocation')
    assert.deepEqual(keys(invocation), ['event', 'uri', 'caller', 'ok', 'callMs'])
    assert.deepEqual({ ...invocation, callMs: 0 }, { event: 'invocation', uri: 'svc.sh', caller: peer.a, ok: true, callMs: 0 })

    const bad = cli('call', 'svc.sh', 'fail', ...as('a'))
    assert.equal(await finish(bad), 6, bad.stderr)
    assert.deepEqual(bad.events.at(-1), { event: 'error', code: 'RPC_ERROR', exitCode: 6, message: 'svc.sh: no: fail' })
    const failed = await reg.waitFor(e => e.event === 'invocation' && e.ok === false, 'the failed invocation')
    assert.deepEqual(keys(failed), ['event', 'uri', 'caller', 'ok', 'callMs', 'message'])
    assert.equal(failed.message, 'no: fail')

    const none = cli('call', 'svc.nobody', 'x', ...as('a'))
    assert.equal(await finish(none), 6, none.stderr)
    assert.equal((none.events.at(-1) as CliEvent).code, 'NO_SUCH_PROCEDURE')

    reg.interrupt()
    assert.equal(await reg.done, 0, reg.stderr)
  })

  it('a call whose --timeout passes: the caller exits 4 TIMEOUT, and the callee\'s command is killed (invocation ok: false)', async () => {
    const reg = cli('register', 'svc.slow', ...as('b'), '--', 'sh', '-c', 'sleep 30; echo late')
    await reg.event('registered')
    const call = cli('call', 'svc.slow', 'x', '--timeout', '3', ...as('a'))
    const code = await finish(call)
    const error = call.events.at(-1) as CliEvent
    assert.equal(error.event, 'error', call.stdout)
    assert.deepEqual({ code, exitCode: error.exitCode, errorCode: error.code }, { code: 4, exitCode: 4, errorCode: 'TIMEOUT' }, call.stdout)
    // without the kill the handler would hold its slot for 30 s
    const aborted = await reg.waitFor(e => e.event === 'invocation', 'the aborted invocation', 10_000)
    assert.equal(aborted.ok, false)
    reg.interrupt()
    assert.equal(await reg.done, 0, reg.stderr)
  })

  it('realm-error for a bad file (the hub keeps running); realm-reloaded { disconnected }; the member prints hub-lost, then reconnected when let back in', async () => {
    sub = cli('subscribe', 'news.today', ...as('b'))
    await sub.event('subscribed')

    await writeRealm('{ "roles": [ { "name": "x", "peers": ["not a peer"], "permissions": [] } ] }')
    const realmError = await hub.event('realm-error')
    assert.deepEqual(keys(realmError), ['event', 'message'])
    assert.match(realmError.message, /roles\[0\]\.peers\[0\]/)
    assert.equal(hub.finished, false)

    await writeRealm(realm(['b']))
    assert.deepEqual(await hub.event('realm-reloaded'), { event: 'realm-reloaded', disconnected: [peer.b] })
    const lost = await sub.event('hub-lost')
    assert.deepEqual(keys(lost), ['event', 'message'])

    await writeRealm(realm())
    await hub.waitFor(e => e.event === 'realm-reloaded' && e.disconnected.length === 0, 'the second reload')
    const back = await sub.event('reconnected', 30_000)
    assert.deepEqual({ ...back, attempts: 0 }, { event: 'reconnected', subscriptions: 1, registrations: 0, attempts: 0 })
    assert.ok(back.attempts >= 1)

    // and messages flow again
    const pub = cli('publish', 'news.today', 'again', ...as('a'))
    assert.equal(await finish(pub), 0, pub.stderr)
    await sub.waitFor(e => e.event === 'message' && e.data === 'again', 'the message after the reconnect')
  })

  it('a second hub on the same data dir: exit 1 ONION_IN_USE, and the message says a listen or a hub holds it', async () => {
    const second = cli('hub', '--realm', realmFile, '--data-dir', join(dir, 'hub'))
    assert.equal(await second.done, 1, second.stderr)
    assert.deepEqual(second.events.at(-1), {
      event: 'error',
      code: 'ONION_IN_USE',
      exitCode: 1,
      message: `another p2p-tor listen or hub (pid ${process.pid}) already uses the data directory ${join(dir, 'hub')} and publishes its onion key; stop it, or use another --data-dir`
    })
    assert.equal(hub.finished, false)
  })

  it('SIGINT on the hub: exit 0, stopped last', async () => {
    sub.interrupt()
    assert.equal(await sub.done, 0, sub.stderr)
    hub.interrupt()
    assert.equal(await hub.done, 0, hub.stderr)
    assert.equal((hub.events.at(-1) as CliEvent).event, 'stopped')
  })
})

describe('CLI publish/call - (stdin): a missing --hub is said at once', function () {
  this.timeout(20_000)
  const BIN = fileURLToPath(new URL('../../../src/cli/bin.js', import.meta.url))

  for (const argv of [['publish', 'news.x', '-'], ['call', 'svc.x', '-']]) {
    it(`${argv.join(' ')} without --hub, stdin left open: exit 2 without waiting for stdin`, async () => {
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('P2P_TOR_')))
      const child = spawn(process.execPath, [BIN, ...argv, '--json'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
      let stdout = ''
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
      try {
        // stdin stays open: before the fix the command waited for its end, for ever
        const [code] = await once(child, 'exit') as [number | null]
        assert.equal(code, 2, stdout)
        assert.equal(JSON.parse(stdout.trim()).code, 'USAGE')
        assert.match(JSON.parse(stdout.trim()).message, /--hub <multiaddr> is required/)
      } finally {
        child.stdin.destroy()
        if (child.exitCode == null) child.kill('SIGKILL')
      }
    })
  }
})
