import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { defaultTestnetDir, formatEnvExports, testnetEnvVars } from '../../../src/cli/commands/testnet.js'
import { classifyError } from '../../../src/cli/errors.js'
import { jsonLine } from '../../../src/cli/json.js'
import { main } from '../../../src/cli/main.js'
import { Output } from '../../../src/cli/output.js'
import { planNodes } from '../../../src/testnet/layout.js'
import { nodeFiles, writeState } from '../../../src/testnet/state.js'
import { InvalidTestnetOptionsError, TestnetNotFoundError } from '../../../src/testnet/errors.js'
import type { CliContext } from '../../../src/cli/context.js'

/** `p2p-tor testnet <args>` through main(), as bin.ts runs it, with recording streams and no TTY. */
async function runCli (args: string[]): Promise<{ stdout: string, stderr: string, code: number }> {
  const out = { stdout: '', stderr: '', code: 0 }
  const ctx: CliContext = {
    env: {},
    stdout: { write: (s: string) => { out.stdout += s } },
    stderr: { write: (s: string) => { out.stderr += s } },
    signal: new AbortController().signal
  }
  out.code = await main(['testnet', ...args], ctx)
  return out
}

describe('p2p-tor testnet (no tor needed)', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'p2p-tor-cli-'))
    const nodes = planNodes({ basePort: 17000, relays: 1, clients: 2 }).map(n => nodeFiles(dir, n))
    await writeState({ dir, basePort: 17000, relays: 1, clients: 2, scheduler: 'KIST', torBinary: 'tor', nodes, authorities: [], torrcLines: ['TestingTorNetwork 1'] })
    // A stale pid file: this process is alive, but it is no tor running that torrc.
    await mkdir(nodes[0].dataDir)
    await writeFile(nodes[0].pidFile, `${process.pid}\n`)
  })
  after(async () => { await rm(dir, { recursive: true, force: true }) })

  it('defaults the directory to XDG_DATA_HOME, else ~/.local/share', () => {
    assert.equal(defaultTestnetDir({ XDG_DATA_HOME: '/x/data' }, '/home/u'), '/x/data/p2p-tor/testnet')
    assert.equal(defaultTestnetDir({ XDG_DATA_HOME: 'relative' }, '/home/u'), '/home/u/.local/share/p2p-tor/testnet')
    assert.equal(defaultTestnetDir({}, '/home/u'), '/home/u/.local/share/p2p-tor/testnet')
  })

  it('env: client 0 unsuffixed (what listen/dial read), the others with _N, shell-quoted', () => {
    const vars = testnetEnvVars([
      { name: 'client0', socksPort: 1, controlPort: 2, cookieFile: '/a b/c', dataDir: '/a' },
      { name: 'client1', socksPort: 3, controlPort: 4, cookieFile: "/it's", dataDir: '/b' }
    ])
    assert.deepEqual(Object.keys(vars), ['P2P_TOR_SOCKS', 'P2P_TOR_CONTROL', 'P2P_TOR_COOKIE', 'P2P_TOR_SOCKS_1', 'P2P_TOR_CONTROL_1', 'P2P_TOR_COOKIE_1'])
    const text = formatEnvExports(vars)
    assert.match(text, /^export P2P_TOR_SOCKS=127\.0\.0\.1:1$/m)
    assert.match(text, /^export P2P_TOR_COOKIE='\/a b\/c'$/m)
    assert.match(text, /^export P2P_TOR_COOKIE_1='\/it'\\''s'$/m)
  })

  it('env prints exports from testnet.json, and one JSON object with --json', async () => {
    const human = await runCli(['env', '--dir', dir])
    assert.equal(human.code, 0)
    assert.match(human.stdout, new RegExp(`^export P2P_TOR_COOKIE=${dir}/client0/control_auth_cookie$`, 'm'))
    assert.match(human.stdout, /^export P2P_TOR_SOCKS_1=127\.0\.0\.1:17023$/m)
    const json = await runCli(['env', '--dir', dir, '--json'])
    const obj = JSON.parse(json.stdout)
    assert.equal(obj.basePort, 17000)
    assert.deepEqual(obj.torrcLines, ['TestingTorNetwork 1'])
    assert.equal(obj.env.P2P_TOR_CONTROL, '127.0.0.1:17018')
  })

  it('status treats a stale pid file as stopped and exits 1', async () => {
    const r = await runCli(['status', '--dir', dir, '--json'])
    assert.equal(r.code, 1)
    const { nodes } = JSON.parse(r.stdout)
    assert.deepEqual(nodes[0], { name: 'auth0', role: 'authority', alive: false })
  })

  it('a directory without a network is one error line naming the start command, non-zero exit', async () => {
    const r = await runCli(['env', '--dir', path.join(dir, 'nothing')])
    assert.notEqual(r.code, 0)
    assert.equal(r.stdout, '')
    assert.equal(r.stderr.trim().split('\n').length, 1)
    assert.match(r.stderr, /^error: no private Tor network in .*p2p-tor testnet start --dir/)
  })

  it('status without --json: one line per node on stdout, no colour off a TTY, exit 1 when one is down', async () => {
    const r = await runCli(['status', '--dir', dir])
    assert.equal(r.code, 1)
    assert.equal(r.stderr, '')
    const lines = r.stdout.trimEnd().split('\n')
    assert.equal(lines.length, 3 + 1 + 2)
    assert.match(lines[0], /^auth0 +authority +stopped$/)
    assert.ok(!r.stdout.includes('\x1b['))
  })

  it('stop --json prints one testnet-stopped object with the same fields as before (a network that is already stopped is no error, twice)', async () => {
    const r = await runCli(['stop', '--dir', dir, '--json'])
    assert.equal(r.code, 0)
    assert.equal(r.stderr, '')
    assert.equal(r.stdout.split('\n').length, 2)
    const obj = JSON.parse(r.stdout)
    assert.deepEqual(Object.keys(obj), ['event', 'dir', 'cleaned', 'stopMs'])
    assert.deepEqual({ ...obj, stopMs: 0 }, { event: 'testnet-stopped', dir, cleaned: false, stopMs: 0 })
    const human = await runCli(['stop', '--dir', dir])
    assert.equal(human.code, 0)
    assert.equal(human.stdout, `stopped: ${dir}\n`)
  })

  it('stop --dir where no network was ever started: exit 3 TESTNET_NOT_FOUND, never "stopped"', async () => {
    const missing = path.join(dir, 'nothing')
    const r = await runCli(['stop', '--dir', missing, '--json'])
    assert.equal(r.code, 3, r.stdout + r.stderr)
    const obj = JSON.parse(r.stdout.trimEnd().split('\n').at(-1) ?? '{}')
    assert.equal(obj.event, 'error')
    assert.equal(obj.code, 'TESTNET_NOT_FOUND')
    const human = await runCli(['stop', '--dir', missing])
    assert.equal(human.code, 3)
    assert.equal(human.stdout, '')
    assert.match(human.stderr, /no private Tor network/)
  })
})

describe('p2p-tor testnet start: progress through Output', () => {
  it('plain "testnet N%: step: message" lines on stderr, and progress events with phase "testnet" under --json', () => {
    const text = { out: '', err: '' }
    const streams = { stdout: { write: (s: string) => { text.out += s } }, stderr: { write: (s: string) => { text.err += s } } }
    new Output({ json: false, env: {}, ...streams }).progress('testnet', 20, 'network: starting relay0')
    assert.equal(text.err, 'testnet 20%: network: starting relay0\n')
    assert.equal(text.out, '')
    text.err = ''
    new Output({ json: true, env: {}, ...streams }).progress('testnet', null, 'network: waiting for the consensus')
    assert.deepEqual(JSON.parse(text.out), { event: 'progress', phase: 'testnet', percent: null, message: 'network: waiting for the consensus' })
    assert.equal(text.err, 'testnet: network: waiting for the consensus\n')
  })
})

describe('p2p-tor testnet: errors have the shape of every other command', () => {
  const keys = ['event', 'code', 'exitCode', 'message']

  it('--json: exactly one JSON error object on stdout with event, code, exitCode, message; nothing on stderr', async () => {
    const missing = path.join(os.tmpdir(), 'p2p-tor-no-such-testnet', 'x')
    for (const sub of ['env', 'status']) {
      const r = await runCli([sub, '--dir', missing, '--json'])
      assert.equal(r.code, 3, sub)
      assert.equal(r.stderr, '', sub)
      assert.equal(r.stdout.split('\n').length, 2, sub)
      const obj = JSON.parse(r.stdout)
      assert.deepEqual(Object.keys(obj), keys, sub)
      assert.deepEqual(obj, { event: 'error', code: 'TESTNET_NOT_FOUND', exitCode: 3, message: classifyError(new TestnetNotFoundError(missing)).message }, sub)
    }
  })

  it('--json: a refused start option is the same JSON error, before any tor starts', async () => {
    const bad = path.join(os.tmpdir(), 'p2p-tor has spaces')
    const r = await runCli(['start', '--dir', bad, '--json'])
    assert.equal(r.stderr, '')
    const obj = JSON.parse(r.stdout)
    assert.deepEqual(Object.keys(obj), keys)
    assert.equal(obj.event, 'error')
    assert.equal(r.code, obj.exitCode)
    const expected = classifyError(new InvalidTestnetOptionsError('x'))
    assert.equal(obj.code, expected.code)
    assert.equal(obj.exitCode, expected.exitCode)
    assert.match(obj.message, /whitespace|quote/)
  })

  it('--json: a bad option value is the USAGE error object, exit 2, as for dial and listen', async () => {
    const r = await runCli(['start', '--clients', '0', '--json'])
    assert.equal(r.code, 2)
    assert.equal(r.stderr, '')
    const obj = JSON.parse(r.stdout)
    assert.deepEqual(Object.keys(obj), keys)
    assert.equal(obj.code, 'USAGE')
    assert.match(obj.message, /--clients must be/)
  })

  it('human mode: the same one "error: " line on stderr and nothing on stdout, as for the other commands', async () => {
    const missing = path.join(os.tmpdir(), 'p2p-tor-no-such-testnet', 'y')
    const r = await runCli(['status', '--dir', missing])
    assert.equal(r.code, 3)
    assert.equal(r.stdout, '')
    assert.equal(r.stderr, `error: ${classifyError(new TestnetNotFoundError(missing)).message}\n`)
  })
})
