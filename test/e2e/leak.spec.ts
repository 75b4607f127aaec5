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
import { INJECTIONS, type Injection } from './leak/protocol.js'
import { AGENT, judge, traceDestinations } from './leak/judge.js'
import { EXERCISE_MAX_ATTEMPTS, runScenario, type ScenarioOptions, type ScenarioResult } from './leak/scenario.js'

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
    // F0 retries of the first dial stayed within their bound
    console.log(`      leak scenario: first dial took ${String(result.exerciseAttempts)} attempt(s) of ${EXERCISE_MAX_ATTEMPTS}`)
    assert.ok(result.exerciseAttempts != null && result.exerciseAttempts >= 1 && result.exerciseAttempts <= EXERCISE_MAX_ATTEMPTS, `attempts: ${String(result.exerciseAttempts)}`)
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
