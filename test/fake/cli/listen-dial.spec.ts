/**
 * The CLI's long-running commands, `listen` and `dial`, run in-process
 * through main(argv, ctx) against the fake Tor: the JSON events they print,
 * a clean stop on SIGINT (ctx.signal), and the exit codes.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InterruptedError } from '../../../src/cli/errors.js'
import { main } from '../../../src/cli/main.js'
import { generateOnionKey } from '../../../src/onion/index.js'
import type { CliContext } from '../../../src/cli/context.js'
import { startFakeTor } from '../../fixtures/fake-tor.js'
import type { FakeTor } from '../../fixtures/fake-tor.js'

type CliEvent = Record<string, any> & { event: string }

/** One in-process CLI run with recording streams, no TTY, and its own SIGINT. */
class CliRun {
  stdout = ''
  stderr = ''
  readonly done: Promise<number>
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
    this.done.finally(() => { this.#wake() }).catch(() => {})
  }

  #wake (): void {
    for (const wake of this.#waiters) wake()
  }

  /** Every JSON line printed so far. */
  get events (): CliEvent[] {
    return this.stdout.split('\n').filter(l => l !== '').map(l => JSON.parse(l) as CliEvent)
  }

  /** The first `name` event, waiting for it at most `ms`. */
  async event (name: string, ms = 8000): Promise<CliEvent> {
    const deadline = Date.now() + ms
    let finished = false
    void this.done.finally(() => { finished = true }).catch(() => {})
    for (;;) {
      const found = this.events.find(e => e.event === name)
      if (found != null) return found
      const left = deadline - Date.now()
      if (finished || left <= 0) assert.fail(`no "${name}" event (${finished ? 'the command ended' : `within ${ms} ms`}); stdout:\n${this.stdout}\nstderr:\n${this.stderr}`)
      await new Promise<void>(resolve => {
        const wake = (): void => { clearTimeout(timer); this.#waiters.delete(wake); resolve() }
        const timer = setTimeout(wake, Math.min(left, 200))
        this.#waiters.add(wake)
      })
    }
  }

  /** What bin.ts does on the first SIGINT/SIGTERM. */
  interrupt (signal: 'SIGINT' | 'SIGTERM' = 'SIGINT'): void {
    this.#controller.abort(new InterruptedError(signal))
  }
}

describe('CLI listen and dial against a fake Tor', function () {
  this.timeout(20_000)
  let fake: FakeTor
  let dir: string
  const runs: CliRun[] = []

  function cli (...argv: string[]): CliRun {
    const run = new CliRun([...argv, '--tor-control', fake.control, '--tor-socks', `${fake.socks.host}:${fake.socks.port}`, '--json'])
    runs.push(run)
    return run
  }

  beforeEach(async () => {
    fake = await startFakeTor()
    dir = await mkdtemp(join(tmpdir(), 'p2p-tor-fake-cli-'))
  })

  afterEach(async () => {
    // a failed test must not leave a listener running
    for (const run of runs.splice(0)) {
      run.interrupt()
      await run.done.catch(() => {})
    }
    await fake.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('listen prints a listening event with its onion multiaddr; SIGINT stops it with exit 0, a stopped event and DEL_ONION', async () => {
    const listen = cli('listen', '--data-dir', join(dir, 'listener'), '--port', '7777')
    const listening = await listen.event('listening')
    const { serviceId, peerId } = listening
    assert.match(serviceId, /^[a-z2-7]{56}$/)
    assert.match(peerId, /^12D3KooW/)
    assert.deepEqual(listening.multiaddrs, [`/onion3/${String(serviceId)}:7777/p2p/${String(peerId)}`])
    assert.equal(listening.tor, 'attach')
    assert.ok(fake.services.has(serviceId), 'the onion service is published while listening')
    assert.ok(!fake.commands.includes(`DEL_ONION ${String(serviceId)}`))

    listen.interrupt('SIGINT')
    assert.equal(await listen.done, 0, listen.stderr)
    const last = listen.events.at(-1)
    assert.equal(last?.event, 'stopped')
    assert.equal(last?.signal, 'SIGINT')
    assert.ok(fake.commands.includes(`DEL_ONION ${String(serviceId)}`), fake.commands.join(' | '))
    assert.ok(!fake.services.has(serviceId), 'the onion service is gone after the stop')
  })

  it('a second listen on the same data dir exits 1 with ONION_IN_USE naming the pid that holds it, and publishes nothing', async () => {
    const dataDir = join(dir, 'listener')
    const first = cli('listen', '--data-dir', dataDir)
    const { serviceId } = await first.event('listening')
    const adds = fake.commands.filter(c => c.startsWith('ADD_ONION')).length
    const second = cli('listen', '--data-dir', dataDir)
    assert.equal(await second.done, 1, second.stdout + second.stderr)
    const error = second.events.at(-1)
    assert.equal(error?.event, 'error')
    assert.equal(error?.code, 'ONION_IN_USE')
    assert.match(String(error?.message), new RegExp(`pid ${process.pid}\\b`))
    assert.equal(fake.commands.filter(c => c.startsWith('ADD_ONION')).length, adds, 'the second listen never sent ADD_ONION')
    assert.ok(fake.services.has(serviceId), 'the first listener still publishes')

    first.interrupt('SIGINT')
    assert.equal(await first.done, 0, first.stderr)
    // the lock is released on exit: the data dir can be listened on again
    const third = cli('listen', '--data-dir', dataDir)
    assert.equal((await third.event('listening')).serviceId, serviceId)
  })

  it('a --tor-password that tor never checked (it accepted another method) is a warning event and a note, not silence', async () => {
    // the fake Tor offers only NULL authentication, as a tor with a working cookie offers SAFECOOKIE
    const listen = cli('listen', '--data-dir', join(dir, 'listener'), '--tor-password', 'not-the-password')
    await listen.event('listening')
    const warning = listen.events.find(e => e.event === 'warning')
    assert.equal(warning?.code, 'PASSWORD_UNUSED')
    assert.match(String(warning?.message), /--tor-password was not used: tor accepted NULL authentication/)
    assert.ok(listen.events.findIndex(e => e.event === 'warning') < listen.events.findIndex(e => e.event === 'listening'))
    assert.match(listen.stderr, /warning: --tor-password was not used/)
    assert.ok(!(listen.stdout + listen.stderr).includes('not-the-password'), 'the password itself is never printed')
  })

  it('dial to a listener prints connected, one ping event per pong and a summary with received === count; exit 0', async () => {
    const listen = cli('listen', '--data-dir', join(dir, 'listener'))
    const listening = await listen.event('listening')

    const dial = cli('dial', listening.multiaddrs[0], '--data-dir', join(dir, 'dialer'), '--count', '3', '--interval', '0')
    assert.equal(await dial.done, 0, dial.stderr)
    const events = dial.events
    const connected = events.find(e => e.event === 'connected')
    assert.equal(connected?.peerId, listening.peerId)
    const pings = events.filter(e => e.event === 'ping')
    assert.deepEqual(pings.map(e => e.seq), [1, 2, 3])
    for (const p of pings) assert.ok(typeof p.rttMs === 'number' && p.rttMs >= 0, JSON.stringify(p))
    const summary = events.at(-1)
    assert.equal(summary?.event, 'summary')
    assert.equal(summary?.sent, 3)
    assert.equal(summary?.received, 3)
    assert.equal(summary?.lossPercent, 0)
    assert.equal(fake.socksRequests.at(-1)?.destination, `${String(listening.serviceId)}.onion:7777`)
    assert.ok(listen.events.some(e => e.event === 'connection'), 'the listener reports the inbound peer')

    listen.interrupt()
    assert.equal(await listen.done, 0, listen.stderr)
  })

  it('dial to an onion that is not published exits 4 with code HS_DESC_NOT_FOUND', async () => {
    const unpublished = generateOnionKey().serviceId
    const dial = cli('dial', `/onion3/${unpublished}:7777`, '--data-dir', join(dir, 'dialer'), '--count', '1')
    assert.equal(await dial.done, 4, dial.stdout + dial.stderr)
    const error = dial.events.at(-1)
    assert.equal(error?.event, 'error')
    assert.equal(error?.code, 'HS_DESC_NOT_FOUND')
    assert.equal(error?.exitCode, 4)
    assert.equal(fake.socksRequests.at(-1)?.destination, `${unpublished}.onion:7777`)
    assert.ok(!dial.events.some(e => e.event === 'connected'))
  })
})
