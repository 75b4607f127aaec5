/**
 * Issue 6: a p2p-tor node never reveals where it is. Two node processes on
 * the private Tor network, each recorded where it cannot interfere: strace on
 * every thread (connect, sendto, sendmsg, sendmmsg, bind, open), nftables in
 * the dialer's own network namespace, trap listeners on 127.0.0.1, ss, and
 * DEBUG=libp2p:* logs. Then the same scenario with deliberate leaks, which
 * the detector must report: the suite shows it can fail.
 *
 * LEAK_TEST_FORCE_INJECT=tcp|direct runs the main scenario with that leak in
 * the dialer, to see the main tests fail by hand.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { getTestnet } from './fixture.js'
import { ofKind, type Finding } from './leak/findings.js'
import { judgeListening, parseSs } from './leak/listening.js'
import { parseNftRecord } from './leak/netns.js'
import { INJECTIONS, STARTED_MARKER, type Injection } from './leak/protocol.js'
import { AGENT, judge, traceDestinations } from './leak/judge.js'
import { runScenario, type ScenarioOptions, type ScenarioResult } from './leak/scenario.js'
import { bytesSecret, judgeLog, textSecret } from './leak/secrets.js'
import { judgeTrace, parseTrace } from './leak/trace.js'

function forcedInjection (): Injection | undefined {
  const v = process.env.LEAK_TEST_FORCE_INJECT
  if (v == null || v === '') return undefined
  if (!(INJECTIONS as readonly string[]).includes(v)) throw new Error(`LEAK_TEST_FORCE_INJECT must be one of ${INJECTIONS.join(', ')}`)
  return v as Injection
}

/** Removes a scenario's directory, unless a test of `suite` did not pass: then its traces and logs are kept for reading. */
async function cleanUp (suite: Mocha.Suite | undefined, dir: string | undefined): Promise<void> {
  if (dir == null) return
  if (suite?.tests.every(t => t.state === 'passed') === true) await rm(dir, { recursive: true, force: true })
  else console.log(`      leak test records kept in ${dir}`)
}

/** A fresh directory for one scenario's keys, traces, logs and sockets. */
async function scenarioDir (): Promise<string> {
  return await mkdtemp(path.join(os.tmpdir(), 'p2p-tor-leak-'))
}

async function scenario (dir: string, inject?: ScenarioOptions['inject']): Promise<{ result: ScenarioResult, findings: Finding[] }> {
  const result = await runScenario({ net: await getTestnet(), dir, inject })
  return { result, findings: await judge(result) }
}

/** The private network may need a cold start: in a hook of its own, so its time is not the scenario's. */
async function network (): Promise<void> {
  await getTestnet()
}

describe('leak recorder: judging captured records', () => {
  const TOR = { torEndpoints: [{ host: '127.0.0.1', port: 9050 }, { host: '127.0.0.1', port: 9051 }] }
  // real strace -f output (lines trimmed), as the node processes produce it
  const TRACE = [
    '100 openat(AT_FDCWD, "/etc/resolv.conf", O_RDONLY) = 18',
    '100 connect(21, {sa_family=AF_INET, sin_port=htons(9051), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)',
    '104 connect(22, {sa_family=AF_INET6, sin6_port=htons(9050), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6_addr), sin6_scope_id=0}, 28 <unfinished ...>',
    '104 <... connect resumed>) = -1 EINPROGRESS (Operation now in progress)',
    '100 bind(23, {sa_family=AF_UNIX, sun_path="/tmp/p2p-tor-Ab12/s"}, 110) = 0',
    '100 bind(24, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
    `100 openat(AT_FDCWD, "${STARTED_MARKER}", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)`
  ]
  const LEAKS = [
    '100 connect(25, {sa_family=AF_INET, sin_port=htons(4444), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)',
    '107 connect(18, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)',
    '107 openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 18',
    '107 connect(18, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0',
    '100 sendmsg(21, {msg_name={sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.1.1.1")}, msg_namelen=16, msg_iov=[{iov_base="x", iov_len=1}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = -1 EPERM (Operation not permitted)',
    '100 connect(20, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 EINPROGRESS (Operation now in progress)',
    '100 bind(22, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("0.0.0.0")}, 16) = 0'
  ]

  it('a trace of tor connections only, with resolver files read during start-up, is clean', () => {
    const entries = parseTrace(TRACE.join('\n'))
    assert.equal(entries.filter(e => e.addrs.length > 0).length, 4)
    assert.deepEqual(judgeTrace(entries, TOR), [])
  })

  it('every kind of leak in a trace is found, with its kind', () => {
    const findings = judgeTrace(parseTrace([...TRACE, ...LEAKS].join('\n')), TOR)
    assert.deepEqual(findings.map(f => f.kind), ['destination', 'dns', 'dns', 'dns', 'dns', 'destination', 'listen'])
    assert.match(findings[0].text, /connect to 127\.0\.0\.1:4444, not a tor endpoint/)
    assert.match(findings[5].text, /\[2001:db8::1\]:80/)
  })

  it('ss: loopback and unix listeners pass, a wildcard one does not', () => {
    const ss = [
      'tcp   LISTEN 0 511 127.0.0.1:38471 0.0.0.0:* users:(("node",pid=1234,fd=23))',
      'u_str LISTEN 0 511 /tmp/p2p-tor-Ab12/s 99123 * 0 users:(("node",pid=1234,fd=24))',
      'tcp   LISTEN 0 511 0.0.0.0:40001 0.0.0.0:* users:(("node",pid=1234,fd=25))',
      'tcp   LISTEN 0 511 [::]:40002 [::]:* users:(("node",pid=1234,fd=26))',
      'tcp   LISTEN 0 511 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=99,fd=3))'
    ].join('\n')
    const sockets = parseSs(ss, 1234)
    assert.equal(sockets.length, 4)
    assert.deepEqual(judgeListening(sockets).map(f => f.text), [
      'listens on tcp 0.0.0.0:40001, reachable beyond loopback',
      'listens on tcp [::]:40002, reachable beyond loopback'
    ])
  })

  it('logs: a cookie in hex, a key in base64 or an AUTHENTICATE line are found', () => {
    const cookieBytes = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
    const keyBytes = Uint8Array.from({ length: 64 }, (_, i) => 255 - i)
    const secrets = [bytesSecret('the cookie', cookieBytes), bytesSecret('the key', keyBytes), textSecret('the password', 'hunter2-Zq')]
    assert.deepEqual(judgeLog('libp2p:tor dialing abc…xyz.onion:7777\nlibp2p:tor:control sending AUTHENTICATE\nlibp2p:tor:control AUTHENTICATE -> 250', secrets, 'n'), [])
    const hex = Buffer.from(cookieBytes).toString('hex').toUpperCase()
    assert.deepEqual(judgeLog(`AUTHENTICATE ${hex}`, secrets, 'n').map(f => f.text), [
      'n holds the cookie (as upper-case hex)',
      'n holds a control-port AUTHENTICATE argument, at offset 0'
    ])
    assert.equal(judgeLog(`key ${Buffer.from(keyBytes).toString('base64')}`, secrets, 'n').length, 1)
    assert.equal(judgeLog('init { controlPassword: "hunter2-Zq" }', secrets, 'n').length, 2)
  })

  it('nftables: the counter and the recorded destinations are read', () => {
    const counter = '{"nftables": [{"metainfo": {"version": "1.0.6"}}, {"counter": {"family": "inet", "name": "not_tor", "table": "p2p_tor_leak", "packets": 3, "bytes": 180}}]}'
    const set4 = '{"nftables": [{"metainfo": {}}, {"set": {"name": "dest4", "elem": [{"concat": ["10.255.255.53", "udp", 53]}, {"concat": ["127.0.0.1", "tcp", 4444]}]}}]}'
    const set6 = '{"nftables": [{"metainfo": {}}, {"set": {"name": "dest6"}}]}'
    assert.deepEqual(parseNftRecord(counter, [set4, set6]), { notTorPackets: 3, destinations: ['10.255.255.53 udp 53', '127.0.0.1 tcp 4444'] })
  })
})

describe('e2e: a p2p-tor node never reveals where it is', function () {
  this.timeout(180_000)
  let result: ScenarioResult
  let findings: Finding[]
  let dir: string | undefined

  before(network)

  before(async () => {
    dir = await scenarioDir()
    ;({ result, findings } = await scenario(dir, { dialer: forcedInjection() }))
  })

  after(async function () {
    await cleanUp(this.test?.parent, dir)
  })

  it('the nodes work over tor: ping, identify and an echo stream', () => {
    assert.equal(result.error, undefined, 'the scenario stopped early')
    const ex = result.exercise
    assert.ok(ex != null)
    assert.equal(ex.remotePeer, result.listener.peerId)
    assert.ok(ex.pingMs >= 0)
    assert.equal(ex.echoBytes, 64 * 1024)
    assert.ok(ex.echoMatches, 'the echo came back different')
    assert.ok(ex.identify.protocols.length > 0)
  })

  it('poisoned addresses are refused without a socket, and a poisoned peer is redialed over its onion', () => {
    assert.deepEqual(Object.keys(result.poisonedDials).length, 4)
    for (const [target, outcome] of Object.entries(result.poisonedDials)) {
      assert.equal(outcome.connected, false, `the dial of ${target} connected to ${String(outcome.remoteAddr)}`)
    }
    assert.equal(result.redial?.connected, true, `redial: ${String(result.redial?.error)}`)
    assert.match(String(result.redial?.remoteAddr), /^\/onion3\//)
  })

  it('connects to nothing but its tor (strace on both nodes, nftables around the dialer)', async () => {
    assert.deepEqual(ofKind(findings, 'destination'), [])
    // the recorder saw the node's real traffic, so an empty record is not mistaken for a clean one
    const { listener: L, dialer: D } = result
    assert.ok((await traceDestinations(L)).includes(`connect 127.0.0.1:${L.policy.torEndpoints[1].port}`), 'the listener\'s trace lacks its control connection')
    assert.ok((await traceDestinations(D)).includes(`connect 127.0.0.1:${D.policy.torEndpoints[0].port}`), 'the dialer\'s trace lacks its SOCKS connection')
    assert.equal(result.packets?.notTorPackets, 0)
  })

  it('the trap listeners saw no connection', () => {
    assert.deepEqual(ofKind(findings, 'trap'), [])
  })

  it('no DNS query leaves either process, and no resolver is consulted after start-up', () => {
    assert.deepEqual(ofKind(findings, 'dns'), [])
  })

  it('identify, both ways, carries only /onion3 addresses', () => {
    assert.deepEqual(ofKind(findings, 'announce'), [])
    assert.ok((result.listener.identifyOfRemote?.listenAddrs.length ?? 0) > 0, 'the listener learnt no address of the dialer: nothing was checked')
    assert.ok((result.dialer.identifyOfRemote?.listenAddrs.length ?? 0) > 0, 'the dialer learnt no address of the listener: nothing was checked')
  })

  it(`the agentVersion each side sees is "${AGENT}": no Node.js version, OS or host`, () => {
    assert.deepEqual(ofKind(findings, 'agent'), [])
  })

  it('the nodes listen on loopback or unix sockets only (ss while running, binds in the trace)', () => {
    assert.deepEqual(ofKind(findings, 'listen'), [])
    assert.ok(result.listener.listening.length > 0, 'ss found no listener of the listener node: nothing was checked')
    assert.ok(result.dialer.listening.some(s => s.netid === 'u_str'), 'the dialer node should listen on a unix socket')
  })

  it('DEBUG=libp2p:* logs hold no key, cookie or password', async () => {
    assert.deepEqual(ofKind(findings, 'log'), [])
  })
})

describe('e2e: the leak detector catches deliberate leaks (self-test)', function () {
  this.timeout(180_000)
  let dir: string | undefined

  before(network)

  after(async function () {
    await cleanUp(this.test?.parent, dir)
  })

  it('a TCP transport in the dialer and a direct socket in the listener are reported by every witness', async () => {
    dir = await scenarioDir()
    const { result, findings } = await scenario(dir, { dialer: 'tcp', listener: 'direct' })
    assert.equal(result.error, undefined, 'the injected scenario stopped early')
    const has = (kind: Finding['kind'], re: RegExp): void => {
      assert.ok(ofKind(findings, kind).some(t => re.test(t)), `no ${kind} finding matching ${String(re)} in:\n${findings.map(f => `${f.kind}: ${f.text}`).join('\n')}`)
    }
    const trap = result.trapAddr.split('/')[4]
    // the TCP transport dialed the poisoned /ip4 address: strace, nftables and the trap saw it
    has('destination', new RegExp(`^dialer: connect to 127\\.0\\.0\\.1:${trap}, not a tor endpoint`))
    has('destination', new RegExp(`^dialer: nftables saw a packet to 127\\.0\\.0\\.1 tcp ${trap}$`))
    has('trap', /the dialer's namespace/)
    // and looked up example.com (from /dns4/example.com): strace and nftables
    has('dns', /^dialer: name resolution after start-up/)
    has('dns', /^dialer: (DNS query|nftables saw a packet to .* udp 53)/)
    // it listens on 0.0.0.0, announces it and tells its Node.js version
    has('listen', /^dialer: (listens on tcp 0\.0\.0\.0|bind to 0\.0\.0\.0)/)
    has('announce', /^listener learnt through identify that dialer listens on: \/ip4\//)
    has('agent', new RegExp(`dialer's agentVersion in identify as "p2p-tor/0\\.1\\.0 node/${process.version.replace(/\./g, '\\.')}`))
    // the listener's direct socket and lookup
    has('destination', new RegExp(`^listener: connect to 127\\.0\\.0\\.1:${trap}, not a tor endpoint`))
    has('trap', /host namespace/)
    has('dns', /^listener: name resolution after start-up: openat \/etc\/hosts/)
  })
})
