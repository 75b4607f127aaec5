import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { defaultTestnetDir, formatEnvExports, testnetCommand, testnetEnvVars } from '../../../src/cli/commands/testnet.js'
import { planNodes } from '../../../src/testnet/layout.js'
import { nodeFiles, writeState } from '../../../src/testnet/state.js'

async function runCli (args: string[]): Promise<{ stdout: string, stderr: string, code: number }> {
  const out = { stdout: '', stderr: '', code: 0 }
  const cmd = testnetCommand({
    stdout: { write: (s: string) => { out.stdout += s } },
    stderr: { write: (s: string) => { out.stderr += s } },
    env: {},
    setExitCode: (c) => { out.code = c }
  })
  await cmd.parseAsync(args, { from: 'user' })
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
})
