/**
 * The messaging commands' pure parts and their argv handling, without a
 * network: parseSince, runHandler (the command `register` runs per call),
 * checkHubAddress, readData, dataFields, classifyError for the messaging
 * errors, and `--help` of hub, publish, subscribe, register and call.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { classifyError, ExitCode, UsageError } from '../../../src/cli/errors.js'
import { main } from '../../../src/cli/main.js'
import { checkHubAddress, dataFields, readData } from '../../../src/cli/member.js'
import { runHandler } from '../../../src/cli/commands/register.js'
import { parseSince } from '../../../src/cli/commands/subscribe.js'
import { CLI_MAX_PAYLOAD_BYTES } from '../../../src/cli/commands/publish.js'
import {
  HistoryStoreError, HubUnavailableError, InvalidUriError, NoSuchProcedureError, NotAuthorizedError,
  ProcedureAlreadyRegisteredError, RealmError, RpcError
} from '../../../src/messaging/errors.js'
import type { CliContext } from '../../../src/cli/context.js'

const GOOD = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd'
const BAD_CHECKSUM = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4psaryd'
const PEER = '12D3KooWR8PoAeGVbuckYxmVR4uCGxF3GcuQNH88ZsTtySSjd4WB'
const HUB = `/onion3/${GOOD}:7777/p2p/${PEER}`

interface Run { code: number, stdout: string, stderr: string }

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

async function* chunks (...parts: Array<string | Buffer>): AsyncGenerator<string | Buffer> {
  for (const p of parts) yield p
}

/**
 * Whether a process with this pid runs. A zombie does not: an orphan killed
 * here is reparented to whichever process reaps it, maybe not at once.
 */
async function alive (pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  // "<pid> (<comm>) <state> ...": comm may hold spaces, the state follows its last ')'
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  return state !== '' && state !== 'Z' && state !== 'X'
}

/**
 * Whether the process still runs after a short grace: a killed process
 * closes its files (which lets our pipes close) a moment before it shows as
 * a zombie in /proc.
 */
async function stillRunning (pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!await alive(pid)) return false
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  return true
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const dec = (b: Uint8Array): string => new TextDecoder().decode(b)

describe('cli messaging: parseSince', () => {
  it('no --since: nothing to replay', () => {
    assert.deepEqual(parseSince(undefined), {})
  })

  it('32 lower-case hex digits are a message id (even when they are all decimal digits)', () => {
    assert.deepEqual(parseSince('0123456789abcdef0123456789abcdef'), { sinceId: '0123456789abcdef0123456789abcdef' })
    assert.deepEqual(parseSince('01234567890123456789012345678901'), { sinceId: '01234567890123456789012345678901' })
  })

  it('up to 15 decimal digits are milliseconds since the epoch', () => {
    assert.deepEqual(parseSince('0'), { sinceTime: 0 })
    assert.deepEqual(parseSince('1796205600000'), { sinceTime: 1796205600000 })
    assert.deepEqual(parseSince('999999999999999'), { sinceTime: 999999999999999 })
  })

  it('an ISO time', () => {
    assert.deepEqual(parseSince('2026-12-02T10:00:00Z'), { sinceTime: Date.UTC(2026, 11, 2, 10) })
    assert.deepEqual(parseSince('2026-12-02T10:00:00.250+01:00'), { sinceTime: Date.UTC(2026, 11, 2, 9, 0, 0, 250) })
    assert.deepEqual(parseSince('2026-12-02'), { sinceTime: Date.UTC(2026, 11, 2) })
  })

  it('anything else is a usage error naming the value and the three forms', () => {
    for (const bad of ['', 'yesterday', '0123456789ABCDEF0123456789ABCDEF', '0123456789abcdef0123456789abcde', '1234567890123456', '-5']) {
      assert.throws(() => parseSince(bad), (err: Error) => {
        assert.ok(err instanceof UsageError, `${bad}: ${err.name}`)
        assert.equal(err.message, `--since ${bad}: expected a message id (32 hex digits, as subscribe prints it), an ISO time (2026-12-02T10:00:00Z) or milliseconds since the epoch`)
        return true
      })
    }
  })

  it('text that Date.parse would read as some day of 2001 is refused, not a replay of everything since then', () => {
    // V8's Date.parse takes "March 7" as 2001-03-07, "x 1" as 2001-01-01 and "12.5" as 2001-12-05
    for (const sloppy of ['March 7', 'x 1', '12.5', '1 2']) {
      assert.throws(() => parseSince(sloppy), UsageError, sloppy)
    }
  })
})

describe('cli messaging: runHandler (register\'s command per call)', function () {
  this.timeout(10_000)
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'p2p-tor-run-handler-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  const never = new AbortController().signal

  it('the call\'s data on stdin, stdout is the result (bytes as they are)', async () => {
    assert.equal(dec(await runHandler(['tr', 'a-z', 'A-Z'], enc('hello tor\n'), process.env, never)), 'HELLO TOR\n')
    const bytes = new Uint8Array([0, 255, 10, 13, 128])
    assert.deepEqual(await runHandler(['cat'], bytes, process.env, never), bytes)
    assert.deepEqual(await runHandler(['true'], enc('ignored'), process.env, never), new Uint8Array(0))
  })

  it('gets the environment it is given (register passes P2P_TOR_CALLER and P2P_TOR_URI)', async () => {
    const out = await runHandler(['sh', '-c', 'printf "%s %s" "$P2P_TOR_CALLER" "$P2P_TOR_URI"'], new Uint8Array(0), { PATH: process.env.PATH, P2P_TOR_CALLER: PEER, P2P_TOR_URI: 'svc.x' }, never)
    assert.equal(dec(out), `${PEER} svc.x`)
  })

  it('a non-zero exit is an error whose message is the first non-empty line of stderr', async () => {
    await assert.rejects(runHandler(['sh', '-c', 'echo; echo "  oops: disk full  " >&2; echo second >&2; echo partial; exit 3'], new Uint8Array(0), process.env, never),
      (err: Error) => { assert.equal(err.message, 'oops: disk full'); return true })
  })

  it('a non-zero exit with nothing on stderr names the command and its code; a signal is named too', async () => {
    await assert.rejects(runHandler(['sh', '-c', 'exit 7'], new Uint8Array(0), process.env, never), { message: 'sh exited with code 7' })
    await assert.rejects(runHandler(['sh', '-c', 'kill -KILL $$'], new Uint8Array(0), process.env, never), { message: 'sh was killed by SIGKILL' })
  })

  it('a command that does not exist is an error naming it', async () => {
    await assert.rejects(runHandler([join(dir, 'no-such-command')], enc('x'), process.env, never),
      (err: Error) => { assert.match(err.message, new RegExp(`^cannot run ${join(dir, 'no-such-command')}: .*ENOENT`)); return true })
  })

  it('a command that ignores its stdin still answers (a large payload is not an error)', async () => {
    assert.equal(dec(await runHandler(['echo', 'ok'], new Uint8Array(CLI_MAX_PAYLOAD_BYTES), process.env, never)), 'ok\n')
  })

  it('more output than the cap: the command is killed and the call fails naming the cap', async () => {
    await assert.rejects(runHandler(['sh', '-c', 'while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done'], new Uint8Array(0), process.env, never, 1000),
      { message: 'the handler wrote more than 1000 bytes' })
    // exactly the cap is fine
    assert.equal((await runHandler(['head', '-c', '1000', '/dev/zero'], new Uint8Array(0), process.env, never, 1000)).byteLength, 1000)
  })

  it('an abort (the caller cancelled, or the deadline passed) kills the command, its children too, and rejects with the reason', async () => {
    const pidFile = join(dir, 'pids')
    const controller = new AbortController()
    // the shell forks sleep (no exec): killing only the shell would leave sleep holding the pipes
    const running = runHandler(['sh', '-c', `echo $$ > ${pidFile}; sleep 30 & echo $! >> ${pidFile}; wait`], new Uint8Array(0), process.env, controller.signal)
    let pids: number[] = []
    while (pids.length < 2) {
      pids = (await readFile(pidFile, 'utf8').catch(() => '')).split('\n').filter(l => l !== '').map(Number)
      await new Promise(resolve => setTimeout(resolve, 10))
    }
    const reason = new Error('the caller cancelled')
    controller.abort(reason)
    await assert.rejects(running, (err) => err === reason)
    for (const pid of pids) assert.equal(await stillRunning(pid), false, `pid ${pid} was killed`)
  })

  it('what the command leaves running is stopped when it exits, so the answer does not wait for it', async () => {
    const pidFile = join(dir, 'left')
    const out = await runHandler(['sh', '-c', `sleep 30 & echo $! > ${pidFile}; echo done`], new Uint8Array(0), process.env, never)
    assert.equal(dec(out), 'done\n')
    const pid = Number(await readFile(pidFile, 'utf8'))
    assert.ok(pid > 1)
    assert.equal(await stillRunning(pid), false, 'the background sleep was stopped')
  })

  it('an abort before the start still spawns nothing lasting and rejects', async () => {
    const controller = new AbortController()
    controller.abort(new Error('already cancelled'))
    await assert.rejects(runHandler(['sleep', '30'], new Uint8Array(0), process.env, controller.signal), { message: 'already cancelled' })
  })
})

describe('cli messaging: checkHubAddress', () => {
  it('returns a valid hub address as it is', async () => {
    assert.equal(await checkHubAddress(HUB), HUB)
  })

  it('missing: a usage error that says what to pass', async () => {
    for (const missing of [undefined, '']) {
      await assert.rejects(checkHubAddress(missing), (err: Error) => {
        assert.ok(err instanceof UsageError)
        assert.equal(err.message, '--hub <multiaddr> is required: the address `p2p-tor hub` prints (/onion3/<id>:<port>/p2p/<PeerId>)')
        return true
      })
    }
  })

  it('not a hub address (garbage, no /p2p, a bad checksum, not onion3): a usage error naming it', async () => {
    for (const bad of ['garbage', `/onion3/${GOOD}:7777`, `/onion3/${BAD_CHECKSUM}:7777/p2p/${PEER}`, `/ip4/127.0.0.1/tcp/7777/p2p/${PEER}`, `/onion3/${GOOD}:0/p2p/${PEER}`]) {
      await assert.rejects(checkHubAddress(bad), (err: Error) => {
        assert.ok(err instanceof UsageError, bad)
        assert.equal(err.message, `--hub ${bad} is not a hub address: expected /onion3/<56 characters>:<port>/p2p/<PeerId>, as \`p2p-tor hub\` prints it`)
        return true
      })
    }
  })
})

describe('cli messaging: usage errors exit 2 before anything touches the network', function () {
  this.timeout(10_000)
  let server: net.Server
  let connections = 0
  let endpoint: string
  before(async () => {
    server = net.createServer((s) => { connections++; s.destroy() })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    endpoint = `127.0.0.1:${(server.address() as net.AddressInfo).port}`
  })
  after(async () => { await new Promise(resolve => server.close(resolve)) })

  const tor = (): string[] => ['--tor-control', endpoint, '--tor-socks', endpoint]

  const cases: Array<[string, string[], RegExp]> = [
    ['publish without --hub', ['publish', 'news.x', 'hi'], /--hub <multiaddr> is required/],
    ['publish - (stdin) without --hub', ['publish', 'news.x', '-'], /--hub <multiaddr> is required/],
    ['call - (stdin) without --hub', ['call', 'svc.x', '-'], /--hub <multiaddr> is required/],
    ['subscribe with a bad --hub', ['subscribe', 'news.x', '--hub', 'nope'], /--hub nope is not a hub address/],
    ['register without --hub', ['register', 'svc.x', '--', 'cat'], /--hub <multiaddr> is required/],
    ['call with a bad URI', ['call', 'svc..x', '--hub', HUB], /invalid URI "svc\.\.x"/],
    ['subscribe with a bad --since', ['subscribe', 'news.x', '--since', 'soon', '--hub', HUB], /--since soon: expected/]
  ]
  for (const [what, argv, message] of cases) {
    it(`${what}: exit 2, one JSON error, no connection`, async () => {
      const r = await cli([...argv.slice(0, argv.indexOf('--') === -1 ? argv.length : argv.indexOf('--')), ...tor(), '--json', ...(argv.includes('--') ? argv.slice(argv.indexOf('--')) : [])])
      assert.equal(r.code, 2, r.stdout + r.stderr)
      const lines = r.stdout.trimEnd().split('\n')
      assert.equal(lines.length, 1, r.stdout)
      const error = JSON.parse(lines[0])
      assert.deepEqual(Object.keys(error), ['event', 'code', 'exitCode', 'message'])
      assert.equal(error.exitCode, 2)
      assert.match(error.message, message)
      assert.equal(connections, 0, 'nothing connected to tor')
    })
  }

  it('--hub falls back to P2P_TOR_HUB, and its value is checked the same way', async () => {
    const r = await cli(['publish', 'news.x', 'hi', ...tor()], { P2P_TOR_HUB: 'nope' })
    assert.equal(r.code, 2)
    assert.equal(r.stderr, 'error: --hub nope is not a hub address: expected /onion3/<56 characters>:<port>/p2p/<PeerId>, as `p2p-tor hub` prints it\n')
    assert.equal(connections, 0)
  })

  it('hub with a realm file that is not there: exit 2 BAD_REALM naming the file, before tor', async () => {
    const r = await cli(['hub', '--realm', '/nonexistent/realm.json', ...tor(), '--json'])
    assert.equal(r.code, 2, r.stdout + r.stderr)
    const error = JSON.parse(r.stdout.trimEnd().split('\n').at(-1) ?? '{}')
    assert.equal(error.code, 'BAD_REALM')
    assert.match(error.message, /\/nonexistent\/realm\.json/)
    assert.equal(connections, 0)
  })
})

describe('cli messaging: readData', () => {
  it('an argument is its UTF-8 bytes; none is an empty message', async () => {
    assert.deepEqual(await readData('héllo', 100, chunks('unused')), enc('héllo'))
    assert.deepEqual(await readData(undefined, 100, chunks('unused')), new Uint8Array(0))
  })

  it('- reads stdin to its end, strings and buffers alike', async () => {
    assert.deepEqual(await readData('-', 100, chunks('ab', Buffer.from([0, 255]), 'c')), new Uint8Array([97, 98, 0, 255, 99]))
    assert.deepEqual(await readData('-', 100, chunks()), new Uint8Array(0))
  })

  it('- up to the cap is accepted; one byte more is a usage error naming the cap', async () => {
    assert.equal((await readData('-', 10, chunks('12345', '67890'))).byteLength, 10)
    await assert.rejects(readData('-', 10, chunks('12345', '678901')), (err: Error) => {
      assert.ok(err instanceof UsageError)
      assert.equal(err.message, 'stdin holds more than 10 bytes, the payload cap')
      return true
    })
  })

  it('stops reading at the cap instead of buffering an endless stdin', async () => {
    let pulled = 0
    async function * endless (): AsyncGenerator<Buffer> {
      for (;;) { pulled++; yield Buffer.alloc(4) }
    }
    await assert.rejects(readData('-', 10, endless()), UsageError)
    assert.equal(pulled, 3)
  })
})

describe('cli messaging: dataFields', () => {
  it('UTF-8 text as data, anything else as dataBase64', () => {
    assert.deepEqual(dataFields(enc('héllo\n')), { data: 'héllo\n' })
    assert.deepEqual(dataFields(new Uint8Array(0)), { data: '' })
    assert.deepEqual(dataFields(new Uint8Array([0xff, 0x00, 0x41])), { dataBase64: '/wBB' })
    // a lone continuation byte is not UTF-8
    assert.deepEqual(dataFields(new Uint8Array([0x41, 0x80])), { dataBase64: 'QYA=' })
  })
})

describe('cli messaging: classifyError', () => {
  const table: Array<[Error, number, string, string]> = [
    [new NotAuthorizedError('news.today', 'publish'), ExitCode.NOT_AUTHORIZED, 'NOT_AUTHORIZED', 'not authorized to publish on news.today: no role in the hub\'s realm grants this peer "publish" on this URI; ask the hub\'s operator to add it'],
    [new NotAuthorizedError('news.today', 'subscribe'), 5, 'NOT_AUTHORIZED', 'not authorized to subscribe on news.today: no role in the hub\'s realm grants this peer "subscribe" on this URI; ask the hub\'s operator to add it'],
    [new RpcError('svc.fail', 'oops'), ExitCode.RPC, 'RPC_ERROR', 'svc.fail: oops'],
    [new RpcError('svc.fail', 'oops\n    at handler (/app/x.js:1:1)'), 6, 'RPC_ERROR', 'svc.fail: oops'],
    [new RpcError('svc.x', 'the callee disconnected', 'CALLEE_GONE'), 6, 'CALLEE_GONE', 'svc.x: the callee disconnected'],
    [new RpcError('svc.x', 'too many calls in flight', 'TOO_MANY_CALLS'), 6, 'TOO_MANY_CALLS', 'svc.x: too many calls in flight'],
    [new NoSuchProcedureError('svc.x'), 6, 'NO_SUCH_PROCEDURE', 'no procedure is registered for svc.x: start the callee (p2p-tor register svc.x -- ...) and call again'],
    [new ProcedureAlreadyRegisteredError('svc.x', PEER), 6, 'ALREADY_REGISTERED', `svc.x is already registered by ${PEER}: unregister it there first, or register another URI`],
    [new HubUnavailableError(), ExitCode.PEER, 'HUB_UNAVAILABLE', 'not connected to the hub: it may be restarting, or tor may be down; retry, or pass wait: true (--wait) to wait for the connection'],
    [new RealmError('realm.json: roles[0].permissions[0].match: expected "exact", "prefix" or "wildcard"'), ExitCode.USAGE, 'BAD_REALM', 'realm.json: roles[0].permissions[0].match: expected "exact", "prefix" or "wildcard"'],
    [new InvalidUriError('a..b', 'empty component'), ExitCode.USAGE, 'BAD_URI', 'invalid URI "a..b": empty component'],
    [new HistoryStoreError('/d/history', 'the history store in /d/history is damaged'), ExitCode.FAILURE, 'HISTORY_STORE', 'the history store in /d/history is damaged']
  ]
  for (const [err, exitCode, code, message] of table) {
    it(`${err.name}${(err as any).code != null ? ` (${String((err as any).code)})` : ''} -> exit ${exitCode} ${code}`, () => {
      assert.deepEqual(classifyError(err), { exitCode, code, message })
    })
  }

  it('a messaging error wrapped as a cause is still found', () => {
    const wrapped = new Error('publish failed', { cause: new NotAuthorizedError('news.x', 'publish') })
    assert.equal(classifyError(wrapped).code, 'NOT_AUTHORIZED')
    assert.equal(classifyError(new AggregateError([new Error('x'), new RpcError('svc.y', 'bad')])).code, 'RPC_ERROR')
  })
})

describe('cli messaging: --help of each command', () => {
  it('the top-level help lists the messaging commands', async () => {
    const r = await cli(['--help'])
    assert.equal(r.code, 0)
    for (const cmd of ['hub', 'publish', 'subscribe', 'register', 'call']) assert.match(r.stdout, new RegExp(`^  ${cmd} `, 'm'), cmd)
  })

  const expect: Record<string, string[]> = {
    hub: ['--realm <file>', '--port <port>', '--no-reconnect', 'kill -HUP', 'p2p-tor hub --realm realm.json'],
    publish: ['<topic>', '[data]', '--no-ack', '--wait', '--content-type <type>', '--hub <multiaddr>', 'P2P_TOR_HUB', 'p2p-tor id prints it'],
    subscribe: ['<topic>', '--since <id|time>', '--from <peerIds...>', '--hub <multiaddr>', 'p2p-tor id prints it'],
    register: ['<uri>', '<command...>', 'after --', '-- tr a-z A-Z', '--hub <multiaddr>'],
    call: ['<uri>', '[data]', '--wait', '--hub <multiaddr>', 'p2p-tor call svc.upper']
  }
  for (const [cmd, words] of Object.entries(expect)) {
    it(`${cmd} --help: exit 0, its arguments and options, the tor options, and exit codes 5 and 6`, async () => {
      const r = await cli([cmd, '--help'])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stderr, '')
      for (const word of [...words, '--json', '--data-dir <dir>', '--testnet <dir>', '--testnet-client <n>', '--timeout <s>', 'Examples:', 'Exit codes:', '  5    not authorized', '  6    a routed call failed']) {
        assert.ok(r.stdout.includes(word), `${cmd} --help mentions ${word}:\n${r.stdout}`)
      }
    })
  }
})
