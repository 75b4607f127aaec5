import assert from 'node:assert/strict'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main, wantsJson } from '../../../src/cli/main.js'
import type { CliContext } from '../../../src/cli/context.js'

interface Run { code: number, stdout: string, stderr: string }

/** Runs the CLI in-process with recording streams and no TTY. */
async function cli (argv: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const ctx: CliContext = {
    env,
    stdout: { write: (s: string) => { stdout += s } },
    stderr: { write: (s: string) => { stderr += s } },
    signal: new AbortController().signal
  }
  const code = await main(argv, ctx)
  return { code, stdout, stderr }
}

/** Exactly one line on stderr, and it starts with "error:". */
function oneErrorLine (r: Run): string {
  const lines = r.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, r.stderr)
  assert.match(lines[0], /^error: /)
  return lines[0]
}

const GOOD = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd'
// the same id with one character of the checksum changed (version byte intact)
const BAD_CHECKSUM = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4psaryd'

describe('cli main: argv parsing', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'p2p-tor-cli-main-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('wantsJson looks only before "--"', () => {
    assert.equal(wantsJson(['dial', 'x', '--json']), true)
    assert.equal(wantsJson(['dial', '--', '--json']), false)
  })

  it('--help: exit 0, lists the commands, environment variables and exit codes', async () => {
    const top = await cli(['--help'])
    assert.equal(top.code, 0)
    for (const word of ['listen', 'dial', 'id', 'testnet', 'Exit codes:']) assert.ok(top.stdout.includes(word), word)
    for (const cmd of ['listen', 'dial']) {
      const r = await cli([cmd, '--help'])
      assert.equal(r.code, 0)
      for (const word of ['P2P_TOR_CONTROL', 'P2P_TOR_SOCKS', 'P2P_TOR_PASSWORD', 'P2P_TOR_COOKIE', 'P2P_TOR_TESTNET', 'P2P_TOR_DATA_DIR', 'NO_COLOR', 'Examples:', '--json', '--testnet-client', '--managed', '  4    peer unreachable']) {
        assert.ok(r.stdout.includes(word), `${cmd} --help mentions ${word}`)
      }
    }
  })

  it('no command: the help on stderr and exit 2 (nothing ran), not "error: (outputHelp)"', async () => {
    for (const argv of [[], ['webhook'], ['keys']]) {
      const r = await cli(argv)
      assert.equal(r.code, 2, argv.join(' '))
      assert.equal(r.stdout, '', 'stdout stays clean for scripts')
      assert.match(r.stderr, /^Usage: p2p-tor/, argv.join(' '))
      assert.ok(!r.stderr.includes('outputHelp'), r.stderr)
      assert.ok(!/^error:/m.test(r.stderr), r.stderr)
    }
    // asked for, the help is a success on stdout
    const help = await cli(['help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /^Usage: p2p-tor/)
  })

  it('id --help lists only what id reads and the exit codes it can end with', async () => {
    const r = await cli(['id', '--help'])
    assert.equal(r.code, 0)
    for (const word of ['--data-dir', '--port', '--json', 'P2P_TOR_DATA_DIR', 'Exit codes:', '  0    success', '  1    ', '  2    usage error']) {
      assert.ok(r.stdout.includes(word), `id --help mentions ${word}`)
    }
    for (const word of ['--tor-', '--testnet', '--managed', 'P2P_TOR_CONTROL', 'P2P_TOR_SOCKS', 'P2P_TOR_PASSWORD', 'P2P_TOR_COOKIE', 'P2P_TOR_TESTNET', 'P2P_TOR_HUB', '\n  3 ', '\n  4 ', '\n  5 ', '\n  6 ', '130']) {
      assert.ok(!r.stdout.includes(word), `id --help mentions ${word.trim()}, which id neither reads nor produces`)
    }
  })

  it('an unknown option: exit 2, one line naming it', async () => {
    const r = await cli(['listen', '--bogus'])
    assert.equal(r.code, 2)
    assert.match(oneErrorLine(r), /unknown option '--bogus'.*p2p-tor listen --help/)
  })

  it('an unknown command: exit 2', async () => {
    const r = await cli(['lisen'])
    assert.equal(r.code, 2)
    assert.match(oneErrorLine(r), /unknown command 'lisen'/)
  })

  it('a bad number: exit 2, the message names the option and the value', async () => {
    for (const argv of [['dial', `/onion3/${GOOD}:7777`, '--count', '0'], ['listen', '--port', '70000'], ['dial', `/onion3/${GOOD}:7777`, '--timeout', 'soon']]) {
      const r = await cli(argv)
      assert.equal(r.code, 2, argv.join(' '))
      assert.match(oneErrorLine(r), /--(count|port|timeout) must be/)
    }
  })

  it('dial with a bad checksum: exit 2 naming the check; JSON error under --json', async () => {
    const r = await cli(['dial', `/onion3/${BAD_CHECKSUM}:7777`])
    assert.equal(r.code, 2)
    assert.match(oneErrorLine(r), /checksum mismatch/)
    const j = await cli(['dial', `/onion3/${BAD_CHECKSUM}:7777`, '--json'])
    assert.equal(j.code, 2)
    assert.equal(j.stderr, '')
    assert.deepEqual(Object.keys(JSON.parse(j.stdout)), ['event', 'code', 'exitCode', 'message'])
    assert.equal(JSON.parse(j.stdout).code, 'BAD_ADDRESS')
  })

  it('parse errors are JSON too under --json', async () => {
    const r = await cli(['dial', '--json', '--count', 'x', `/onion3/${GOOD}:7777`])
    assert.equal(r.code, 2)
    assert.equal(JSON.parse(r.stdout).code, 'USAGE')
  })

  it('conflicting tor options: exit 2 before anything starts', async () => {
    const r = await cli(['dial', `/onion3/${GOOD}:7777`, '--testnet', dir, '--tor-socks', '9050'])
    assert.equal(r.code, 2)
    assert.match(oneErrorLine(r), /exclude each other/)
  })

  it('a malformed endpoint: exit 2', async () => {
    const r = await cli(['dial', `/onion3/${GOOD}:7777`, '--tor-socks', 'localhost:notaport'])
    assert.equal(r.code, 2)
    assert.match(oneErrorLine(r), /--tor-socks/)
    const c = await cli(['listen', '--tor-control', 'unix:relative/path', '--data-dir', dir])
    assert.equal(c.code, 2)
    assert.match(oneErrorLine(c), /--tor-control/)
  })

  it('id honours --data-dir over P2P_TOR_DATA_DIR and prints the same identity twice', async () => {
    const a = join(dir, 'a'); const b = join(dir, 'b')
    const r1 = await cli(['id', '--json', '--data-dir', a], { P2P_TOR_DATA_DIR: b })
    assert.equal(r1.code, 0, r1.stderr)
    const e1 = JSON.parse(r1.stdout)
    assert.equal(e1.dataDir, a)
    assert.equal(e1.created, true)
    const r2 = await cli(['id', '--json'], { P2P_TOR_DATA_DIR: a })
    const e2 = JSON.parse(r2.stdout)
    assert.equal(e2.created, false)
    assert.deepEqual({ ...e2, created: true }, e1)
    assert.equal(e1.multiaddr, `/onion3/${String(e1.serviceId)}:7777/p2p/${String(e1.peerId)}`)
  })

  it('id in human mode prints the peer id and onion address on stdout, no colour off a TTY', async () => {
    const r = await cli(['id', '--data-dir', dir, '--port', '1234'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /^peer id: 12D3KooW\w+\nonion: {3}[a-z2-7]{56}\.onion\naddress: \/onion3\/[a-z2-7]{56}:1234\/p2p\/12D3KooW\w+\n$/)
    assert.ok(!r.stdout.includes('\x1b['))
  })

  it('listen --testnet with no network there: exit 3 TESTNET_NOT_FOUND before any key or lock is written', async () => {
    const dataDir = join(dir, 'node')
    const r = await cli(['listen', '--json', '--testnet', join(dir, 'none'), '--data-dir', dataDir])
    assert.equal(r.code, 3, r.stdout + r.stderr)
    assert.equal(JSON.parse(r.stdout.trimEnd().split('\n').at(-1) ?? '{}').code, 'TESTNET_NOT_FOUND')
    await assert.rejects(stat(dataDir), { code: 'ENOENT' }, 'the data dir must not be created')
  })

  it('a data dir below /proc (where Node 20\'s recursive mkdir loops forever) fails at once: id exits 1 KEY_FILE naming the path', async () => {
    const r = await cli(['id', '--json', '--data-dir', '/proc/p2p-tor-test/node'])
    assert.equal(r.code, 1, r.stdout + r.stderr)
    const error = JSON.parse(r.stdout.trimEnd().split('\n').at(-1) ?? '{}')
    assert.equal(error.code, 'KEY_FILE')
    assert.match(error.message, /\/proc\/p2p-tor-test.*ENOENT/)
  })

  it('testnet start --dir below /proc fails at once with exit 1 DATA_DIR', async () => {
    const r = await cli(['testnet', 'start', '--json', '--dir', '/proc/p2p-tor-test'])
    assert.equal(r.code, 1, r.stdout + r.stderr)
    const error = JSON.parse(r.stdout.trimEnd().split('\n').at(-1) ?? '{}')
    assert.equal(error.code, 'DATA_DIR')
    assert.match(error.message, /cannot create the directory \/proc\/p2p-tor-test \(ENOENT\)/)
  })

  it('--tor-socks with a port out of range: exit 2, the message names the range', async () => {
    for (const cmd of [['dial', `/onion3/${GOOD}:7777`], ['listen', '--data-dir', dir]]) {
      const r = await cli([...cmd, '--tor-socks', '127.0.0.1:70000'])
      assert.equal(r.code, 2, r.stderr)
      assert.match(oneErrorLine(r), /--tor-socks.*70000.*1 to 65535/)
    }
  })

  it('testnet subcommands report through the same exit codes (no network in the dir: exit 3)', async () => {
    const r = await cli(['testnet', 'env', '--dir', join(dir, 'none')])
    assert.equal(r.code, 3)
    assert.match(r.stderr, /no private Tor network/)
  })
})
