/**
 * launchTor() with a fake tor binary (test/fixtures/fake-tor-process.ts
 * behind a wrapper script): the success path, tor dying at start-up, a
 * missing binary, abort and bootstrap timeout. Each checks that no process
 * is left behind.
 */
import assert from 'node:assert/strict'
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TorBootstrapTimeoutError } from '../../../src/control/index.js'
import { launchTor, TorExitedError, TorNetworkUnreachableError, TorNotInstalledError } from '../../../src/tor/index.js'
import type { BootstrapStatus } from '../../../src/control/index.js'
import type { TorHandle } from '../../../src/tor/index.js'

const FAKE_TOR_PROCESS = fileURLToPath(new URL('../../fixtures/fake-tor-process.js', import.meta.url))

/** True while `pid` runs (a zombie counts as gone). */
async function alive (pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  return !/^\d+ \(.*\) [ZX]/.test(stat)
}

async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

/** Polls `read` until it returns a value, at most `ms`. */
async function eventually<T> (read: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await read()
    if (value !== undefined) return value
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(25)
  }
}

describe('launchTor with a fake tor binary', function () {
  this.timeout(20_000)
  let dir: string
  let dataDir: string
  let handle: TorHandle | undefined

  /** The pid the fake tor recorded, once it has started. */
  async function fakePid (): Promise<number> {
    return await eventually(async () => {
      const text = await readFile(join(dataDir, 'tor', 'fake-tor.pid'), 'utf8').catch(() => '')
      return text.endsWith('\n') ? Number(text) : undefined
    }, 5000, 'the fake tor to start')
  }

  async function torLog (): Promise<string> {
    return await readFile(join(dataDir, 'tor', 'tor.log'), 'utf8')
  }

  /** An executable `torBinary` at `<dir>/bin/<name>` with the given shell body. */
  async function script (name: string, body: string): Promise<string> {
    await mkdir(join(dir, 'bin'), { recursive: true })
    const file = join(dir, 'bin', name)
    await writeFile(file, `#!/bin/sh\n${body}\n`)
    await chmod(file, 0o755)
    return file
  }

  async function fakeTor (behaviour: 'ok' | 'silent' | 'stuck' | 'offline'): Promise<string> {
    return await script(`tor-${behaviour}`, `FAKE_TOR_BEHAVIOUR=${behaviour} exec "${process.execPath}" "${FAKE_TOR_PROCESS}" "$@"`)
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2p-tor-fake-managed-'))
    dataDir = join(dir, 'node')
  })

  afterEach(async () => {
    await handle?.close()
    handle = undefined
    // never leave a fake tor behind, whatever a test did
    const pid = Number(await readFile(join(dataDir, 'tor', 'fake-tor.pid'), 'utf8').catch(() => 'NaN'))
    if (Number.isInteger(pid) && await alive(pid)) process.kill(pid, 'SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })

  it('launches, takes ownership, finds SOCKS and waits for bootstrap; close() stops the process', async () => {
    handle = await launchTor({ dataDir, torBinary: await fakeTor('ok'), bootstrapTimeoutMs: 10_000 })
    assert.equal(handle.mode, 'managed')
    const pid = handle.pid
    assert.ok(pid != null && pid > 0)
    assert.equal(pid, await fakePid())
    assert.ok(await alive(pid), 'the fake tor runs while the handle is open')

    const log = await torLog()
    const socks = log.match(/socks (127\.0\.0\.1):(\d+)/)
    assert.ok(socks != null, log)
    assert.deepEqual(handle.socks, { host: socks[1], port: Number(socks[2]) })
    assert.match(log, new RegExp(`started with -f ${join(dataDir, 'tor', 'torrc')} .*--__OwningControllerProcess ${process.pid}`))
    const commands = [...log.matchAll(/control: (.*)/g)].map(m => m[1])
    // ownership first: from then on tor lives exactly as long as the control connection
    assert.deepEqual(commands.slice(0, 4), ['PROTOCOLINFO 1', 'AUTHENTICATE', 'TAKEOWNERSHIP', 'RESETCONF __OwningControllerProcess'])
    for (const c of ['GETINFO net/listeners/socks', 'GETINFO status/bootstrap-phase']) assert.ok(commands.includes(c), commands.join(' | '))

    await handle.close()
    handle = undefined
    assert.equal(await alive(pid), false, 'close() must stop the managed tor')
  })

  it('tor exiting at once is a TorExitedError whose message carries the log tail', async () => {
    const torBinary = await script('tor-dies', 'echo "Dec 02 12:00:00.000 [warn] Failed to parse/validate config: Unknown option \'Bogus\'."\necho "Dec 02 12:00:00.000 [err] Reading config failed--see warnings above."\nexit 1')
    const err = await launchTor({ dataDir, torBinary, bootstrapTimeoutMs: 10_000 }).then(() => undefined, (e: Error) => e)
    assert.ok(err instanceof TorExitedError, String(err))
    assert.equal(err.exitCode, 1)
    assert.match(err.message, /\[err\] Reading config failed--see warnings above\./)
    assert.match(err.message, /Unknown option 'Bogus'/)
    assert.ok(err.logTail.some(l => l.includes('Reading config failed')), err.logTail.join('\n'))
  })

  it('a binary that does not exist is a TorNotInstalledError naming it', async () => {
    const missing = join(dir, 'no', 'such', 'tor')
    await assert.rejects(launchTor({ dataDir, torBinary: missing }), (err: Error) =>
      err instanceof TorNotInstalledError && err.binary === missing && err.message.includes(missing))
  })

  it('aborting the signal while tor starts up rejects with the reason and stops the process', async () => {
    const ac = new AbortController()
    const launching = launchTor({ dataDir, torBinary: await fakeTor('silent'), signal: ac.signal, bootstrapTimeoutMs: 10_000 })
    launching.catch(() => {})
    const pid = await fakePid()
    assert.ok(await alive(pid))
    const reason = new Error('user pressed Ctrl-C')
    ac.abort(reason)
    await assert.rejects(launching, (err: unknown) => err === reason)
    assert.equal(await alive(pid), false, 'an aborted launch must not leave tor running')
  })

  it('a tor that never finishes bootstrapping is a TorBootstrapTimeoutError with the last progress, and is stopped', async () => {
    const launching = launchTor({ dataDir, torBinary: await fakeTor('stuck'), bootstrapTimeoutMs: 1500 })
    launching.catch(() => {})
    const pid = await fakePid()
    await assert.rejects(launching, (err: any) => err?.name === 'TorBootstrapTimeoutError' && err.progress === 50 && /stuck at 50%/.test(err.message))
    assert.equal(await alive(pid), false, 'a launch that timed out must not leave tor running')
  })

  it('the bootstrap timeout names the option, and tor\'s log file', async () => {
    const err = await launchTor({ dataDir, torBinary: await fakeTor('stuck'), bootstrapTimeoutMs: 1500 }).then(() => undefined, (e: Error) => e)
    assert.ok(err instanceof TorBootstrapTimeoutError, String(err))
    const logFile = join(dataDir, 'tor', 'tor.log')
    assert.equal(err.logFile, logFile)
    assert.ok(err.message.includes(logFile), err.message)
    assert.match(err.message, /raise bootstrapTimeoutMs/)
  })

  it('while it waits, repeats the last progress with the elapsed time and tor\'s latest log warning', async () => {
    const seen: BootstrapStatus[] = []
    const ac = new AbortController()
    const stop = new Error('seen a reminder')
    const onProgress = (s: BootstrapStatus): void => { seen.push(s); if (s.elapsedMs != null) ac.abort(stop) }
    await assert.rejects(launchTor({ dataDir, torBinary: await fakeTor('stuck'), bootstrapTimeoutMs: 15_000, progressIntervalMs: 100, signal: ac.signal, onProgress }), (err: unknown) => err === stop)
    const reminders = seen.filter(s => s.elapsedMs != null)
    assert.ok(reminders.length > 0, JSON.stringify(seen))
    const r = reminders.at(-1)
    assert.equal(r?.progress, 50)
    assert.ok((r?.elapsedMs ?? 0) > 0)
    assert.match(r?.warning ?? '', /^Problem bootstrapping\. Stuck at 50% .*CONNECTREFUSED/)
  })

  it('a tor that keeps failing to reach any relay is a TorNetworkUnreachableError long before the timeout, and is stopped', async () => {
    const launching = launchTor({ dataDir, torBinary: await fakeTor('offline'), bootstrapTimeoutMs: 15_000 })
    launching.catch(() => {})
    const pid = await fakePid()
    const err = await launching.then(() => undefined, (e: Error) => e)
    assert.ok(err instanceof TorNetworkUnreachableError, String(err))
    assert.equal(err.count, 10, 'gives up at tor\'s own threshold: COUNT=10 with RECOMMENDATION=warn')
    assert.equal(err.progress, 14)
    assert.equal(err.reason, 'CONNECTREFUSED')
    assert.equal(err.logFile, join(dataDir, 'tor', 'tor.log'))
    assert.ok(err.message.includes(join(dataDir, 'tor', 'tor.log')), err.message)
    assert.match(err.message, /cannot reach any relay.*Connection refused, CONNECTREFUSED/)
    assert.equal(await alive(pid), false, 'a launch that gave up must not leave tor running')
  })

  it('maxBootstrapProblems: 0 keeps waiting after the same problem events', async () => {
    // the 12 problem events arrive with the SETEVENTS reply, before the first poll and so before any reminder
    const ac = new AbortController()
    const stop = new Error('still waiting after the problem events')
    const onProgress = (s: BootstrapStatus): void => { if (s.elapsedMs != null) ac.abort(stop) }
    await assert.rejects(launchTor({ dataDir, torBinary: await fakeTor('offline'), bootstrapTimeoutMs: 15_000, progressIntervalMs: 100, maxBootstrapProblems: 0, signal: ac.signal, onProgress }),
      (err: unknown) => err === stop)
  })
})
