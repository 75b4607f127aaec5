/**
 * The messaging CLI as a user runs it, between processes on different
 * client tors of the run's private network (issue 13, "the CLI commands, as
 * subprocesses, do the seed's flow"):
 *
 * - `hub --realm <file> --json` on client 0, with its own data dir;
 * - members a, b and c, each with its own data dir (PeerIds from
 *   `p2p-tor id --json`, then written into the realm), on clients 1, 2, 3:
 *   a publishes on news.* and calls svc.*; b subscribes to news.* and
 *   registers svc.upper; c may only register svc.fail (and subscribe to
 *   another topic), so its publish, subscribe and call on news.* / svc.upper
 *   are refused.
 *
 * Tests share the hub and run in order. A PeerId has one session at the hub,
 * so the same member never runs two processes at once. Every process is
 * stopped by PID with SIGINT and must exit 0.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Cli } from './cli-process.js'
import { getTestnet, TESTNET_DIR } from './fixture.js'

type Who = 'a' | 'b' | 'c'
const CLIENT: Record<Who, number> = { a: 1, b: 2, c: 3 }
/** A member's whole run: tor, a rendezvous with the hub, the action. */
const RUN_MS = 150_000
const ID_HEX = /^[0-9a-f]{32}$/

function figure (name: string, ms: number | null | undefined): void {
  console.log(`      [cli-messaging] ${name}: ${ms == null ? '-' : `${Math.round(ms)} ms`}`)
}

describe('e2e: the messaging CLI (hub, publish, subscribe, register, call) as subprocesses', function () {
  this.timeout(240_000)

  let dir: string
  let realmFile: string
  const peer = {} as Record<Who, string>
  let hub: Cli
  let hubAddr: string
  const started = new Set<Cli>()

  function start (args: string[], stdin?: string): Cli {
    const cli = new Cli(args, stdin)
    started.add(cli)
    return cli
  }

  /** Runs a command to its end. */
  async function run (args: string[], stdin?: string): Promise<{ code: number | null, events: any[], cli: Cli }> {
    const cli = start(args, stdin)
    const { code } = await cli.done(RUN_MS)
    return { code, events: args.includes('--json') ? cli.events() : [], cli }
  }

  /** A member's options: its data dir, its client tor, the hub. */
  function as (who: Who, json = true): string[] {
    return ['--hub', hubAddr, '--testnet', TESTNET_DIR, '--testnet-client', String(CLIENT[who]), '--data-dir', join(dir, who), ...(json ? ['--json'] : [])]
  }

  function realm (without: Who[] = []): unknown {
    const peers = (who: Who): string[] => without.includes(who) ? [] : [peer[who]]
    return {
      roles: [
        { name: 'publisher', peers: peers('a'), permissions: [{ uri: 'news.', match: 'prefix', allow: { publish: true } }, { uri: 'svc.', match: 'prefix', allow: { call: true } }] },
        { name: 'subscriber', peers: peers('b'), permissions: [{ uri: 'news.', match: 'prefix', allow: { subscribe: true } }, { uri: 'svc.upper', allow: { register: true } }] },
        { name: 'other', peers: peers('c'), permissions: [{ uri: 'svc.fail', allow: { register: true } }, { uri: 'other.topic', allow: { subscribe: true } }] }
      ],
      history: [{ uri: 'news.retained', match: 'exact', limit: 100 }]
    }
  }

  /** Replaces the realm file in one rename, so the hub's watcher never reads half a file. */
  async function writeRealm (value: unknown): Promise<void> {
    const tmp = `${realmFile}.tmp`
    await writeFile(tmp, JSON.stringify(value, null, 2))
    await rename(tmp, realmFile)
  }

  /** The one error event a failed --json run ends with. */
  function lastError (events: any[]): any {
    const last = events.at(-1)
    assert.equal(last?.event, 'error', JSON.stringify(events))
    assert.equal(events.filter(e => e.event === 'error').length, 1, JSON.stringify(events))
    return last
  }

  async function stopOk (cli: Cli): Promise<void> {
    const exit = await cli.stop('SIGINT')
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, cli.stderr)
  }

  before(async function () {
    this.timeout(240_000)
    await getTestnet()
    dir = await mkdtemp(join(tmpdir(), 'p2p-tor-cli-messaging-'))
    realmFile = join(dir, 'realm.json')
    for (const who of ['a', 'b', 'c'] as const) {
      const id = await run(['id', '--data-dir', join(dir, who), '--json'])
      assert.equal(id.code, 0, id.cli.stderr)
      assert.equal(id.events.length, 1)
      assert.equal(id.events[0].created, true)
      assert.match(id.events[0].peerId, /^12D3KooW\w+$/)
      peer[who] = id.events[0].peerId
    }
    assert.equal(new Set(Object.values(peer)).size, 3, 'three members, three PeerIds')
    await writeRealm(realm())
    hub = start(['hub', '--realm', realmFile, '--testnet', TESTNET_DIR, '--data-dir', join(dir, 'hub'), '--json'])
    const listening = await hub.waitFor(e => e.event === 'listening', 150_000, 'listening')
    assert.equal(listening.multiaddrs.length, 1)
    hubAddr = listening.multiaddrs[0]
    assert.match(hubAddr, /^\/onion3\/[a-z2-7]{56}:7777\/p2p\/12D3KooW\w+$/)
    assert.equal(hubAddr, `/onion3/${String(listening.serviceId)}:7777/p2p/${String(listening.peerId)}`)
    figure('hub: time to reachable (since start)', listening.timeToReachableMs)
  })

  after(async () => {
    for (const cli of started) {
      if (cli.running) await cli.stop('SIGINT').catch(async () => { cli.child.kill('SIGKILL'); await cli.exited })
    }
    if (dir != null) await rm(dir, { recursive: true, force: true })
  })

  // a test that failed half-way must not leave a member running: the hub keeps one session per PeerId
  afterEach(async () => {
    for (const cli of started) {
      if (cli !== hub && cli !== sub && cli.running) await cli.stop('SIGINT').catch(async () => { cli.child.kill('SIGKILL'); await cli.exited })
    }
  })

  let sub: Cli

  it('subscribe prints subscribed, then one message per publish (topic, the publisher\'s PeerId, data); publish exits 0 with published', async () => {
    sub = start(['subscribe', 'news.today', ...as('b')])
    const subscribed = await sub.waitFor(e => e.event === 'subscribed', RUN_MS, 'subscribed')
    assert.deepEqual(subscribed, { event: 'subscribed', topic: 'news.today', replayed: 0 })
    const joined = sub.events().find(e => e.event === 'joined')
    assert.equal(joined.peerId, peer.b)
    assert.equal(joined.hub, hubAddr)
    figure('subscribe: join (dial + session)', joined.joinMs)

    const sent: Array<{ id: string, data: string }> = []
    for (const [arg, stdin, data] of [['hello', undefined, 'hello'], ['world', undefined, 'world'], ['-', 'from stdin\n', 'from stdin\n']] as const) {
      const p = await run(['publish', 'news.today', arg, ...as('a')], stdin)
      assert.equal(p.code, 0, p.cli.stderr)
      const published = p.events.at(-1)
      assert.equal(published.event, 'published', JSON.stringify(p.events))
      assert.equal(published.topic, 'news.today')
      assert.equal(published.acknowledged, true)
      assert.match(published.id, ID_HEX)
      figure(`publish ${arg}: acknowledged after`, published.publishMs)
      sent.push({ id: published.id, data })
      const msg = await sub.waitFor(e => e.event === 'message' && e.id === published.id, 30_000, `the message ${data}`)
      assert.equal(msg.topic, 'news.today')
      assert.equal(msg.from, peer.a)
      assert.equal(msg.data, data)
      assert.equal(msg.replayed, false)
      assert.equal(typeof msg.receivedAt, 'number')
    }
    // one message per publish, in order, nothing else
    assert.deepEqual(sub.events().filter(e => e.event === 'message').map(e => ({ id: e.id, data: e.data })), sent)

    // the hub saw both members join, and the publisher leave when its command ended
    await hub.waitFor(e => e.event === 'member' && e.peerId === peer.b && e.joined === true, 10_000, 'b joined')
    await hub.waitFor(e => e.event === 'member' && e.peerId === peer.a && e.joined === true, 10_000, 'a joined')
    await hub.waitFor(e => e.event === 'member' && e.peerId === peer.a && e.joined === false, 10_000, 'a left')
  })

  it('a publish without the right exits 5 NOT_AUTHORIZED naming the topic and the right; with --no-ack too; subscribers never see either', async () => {
    const p = await run(['publish', 'news.today', 'forged', ...as('c')])
    assert.equal(p.code, 5, p.cli.stderr)
    const error = lastError(p.events)
    assert.equal(error.code, 'NOT_AUTHORIZED')
    assert.equal(error.exitCode, 5)
    assert.match(error.message, /\bnews\.today\b/)
    assert.match(error.message, /\bpublish\b/)
    assert.ok(!p.events.some(e => e.event === 'published'), JSON.stringify(p.events))
    await hub.waitFor(e => e.event === 'refused' && e.peerId === peer.c && e.action === 'publish', 10_000, 'refused publish')
    assert.deepEqual(hub.events().find(e => e.event === 'refused' && e.peerId === peer.c), { event: 'refused', peerId: peer.c, action: 'publish', uri: 'news.today' })

    // --no-ack skips only the acknowledgement: the hub still refuses the topic up front (the member's publish intent)
    const refusedPublishes = (): number => hub.events().filter(x => x.event === 'refused' && x.peerId === peer.c && x.action === 'publish').length
    const refusedBefore = refusedPublishes()
    const n = await run(['publish', 'news.today', 'forged-no-ack', '--no-ack', ...as('c')])
    assert.equal(n.code, 5, n.cli.stderr)
    assert.equal(lastError(n.events).code, 'NOT_AUTHORIZED')
    await hub.waitFor(() => refusedPublishes() > refusedBefore, 10_000, 'the --no-ack publish refused')

    // a later, allowed publish arrives; the refused ones never did
    const ok = await run(['publish', 'news.today', 'after', ...as('a')])
    assert.equal(ok.code, 0, ok.cli.stderr)
    await sub.waitFor(e => e.event === 'message' && e.data === 'after', 30_000, 'the message after')
    const messages = sub.events().filter(e => e.event === 'message')
    assert.deepEqual(messages.filter(e => e.from === peer.c), [])
    assert.deepEqual(messages.map(e => e.data), ['hello', 'world', 'from stdin\n', 'after'])
  })

  it('a subscribe without the right exits 5 NOT_AUTHORIZED the same way; SIGINT ends the allowed subscribe with exit 0', async () => {
    const s = await run(['subscribe', 'news.today', ...as('c')])
    assert.equal(s.code, 5, s.cli.stderr)
    const error = lastError(s.events)
    assert.equal(error.code, 'NOT_AUTHORIZED')
    assert.match(error.message, /\bnews\.today\b/)
    assert.match(error.message, /\bsubscribe\b/)
    assert.ok(!s.events.some(e => e.event === 'subscribed'), JSON.stringify(s.events))
    await hub.waitFor(e => e.event === 'refused' && e.peerId === peer.c && e.action === 'subscribe' && e.uri === 'news.today', 10_000, 'refused subscribe')

    await stopOk(sub)
    assert.equal(sub.events().at(-1).event, 'stopped')
    assert.equal(sub.events().at(-1).signal, 'SIGINT')
  })

  it('register <uri> -- <command>, then call: the command\'s stdout is the result; its failure exits 6 RPC_ERROR with its stderr line', async () => {
    const upper = start(['register', 'svc.upper', ...as('b'), '--', 'tr', 'a-z', 'A-Z'])
    const failing = start(['register', 'svc.fail', ...as('c'), '--', 'sh', '-c', 'echo oops >&2; echo second line >&2; exit 3'])
    assert.deepEqual(await upper.waitFor(e => e.event === 'registered', RUN_MS, 'registered'), { event: 'registered', uri: 'svc.upper' })
    assert.deepEqual(await failing.waitFor(e => e.event === 'registered', RUN_MS, 'registered'), { event: 'registered', uri: 'svc.fail' })

    // human mode: the result as is on stdout, nothing else
    const human = await run(['call', 'svc.upper', 'hello tor', ...as('a', false)])
    assert.equal(human.code, 0, human.cli.stderr)
    assert.deepEqual(human.cli.lines, ['HELLO TOR'])
    const invoked = await upper.waitFor(e => e.event === 'invocation', 10_000, 'invocation')
    assert.equal(invoked.uri, 'svc.upper')
    assert.equal(invoked.caller, peer.a)
    assert.equal(invoked.ok, true)

    // --json, data from stdin
    const json = await run(['call', 'svc.upper', '-', ...as('a')], 'from stdin')
    assert.equal(json.code, 0, json.cli.stderr)
    const result = json.events.at(-1)
    assert.equal(result.event, 'result')
    assert.equal(result.uri, 'svc.upper')
    assert.equal(result.data, 'FROM STDIN')
    figure('call: round trip through the hub', result.callMs)

    const failed = await run(['call', 'svc.fail', 'x', ...as('a')])
    assert.equal(failed.code, 6, failed.cli.stderr)
    assert.deepEqual(lastError(failed.events), { event: 'error', code: 'RPC_ERROR', exitCode: 6, message: 'svc.fail: oops' })
    const invokedFail = await failing.waitFor(e => e.event === 'invocation', 10_000, 'invocation')
    assert.deepEqual({ ok: invokedFail.ok, caller: invokedFail.caller, message: invokedFail.message }, { ok: false, caller: peer.a, message: 'oops' })

    await stopOk(upper)
    await stopOk(failing)
    assert.equal(failing.events().at(-1).event, 'invocation', 'register prints no error when stopped')

    // c may not call svc.upper (its register process is stopped first: the hub keeps one session per PeerId)
    const denied = await run(['call', 'svc.upper', 'x', ...as('c')])
    assert.equal(denied.code, 5, denied.cli.stderr)
    const deniedError = lastError(denied.events)
    assert.equal(deniedError.code, 'NOT_AUTHORIZED')
    assert.match(deniedError.message, /\bsvc\.upper\b/)
    assert.match(deniedError.message, /\bcall\b/)
    await hub.waitFor(e => e.event === 'refused' && e.peerId === peer.c && e.action === 'call' && e.uri === 'svc.upper', 10_000, 'refused call')
  })

  it('subscribe --since <id> replays what the hub retained after that message, each once', async () => {
    const ids: string[] = []
    for (const text of ['r1', 'r2', 'r3']) {
      const p = await run(['publish', 'news.retained', text, ...as('a')])
      assert.equal(p.code, 0, p.cli.stderr)
      ids.push(p.events.at(-1).id)
    }
    const s = start(['subscribe', 'news.retained', '--since', ids[0], ...as('b')])
    const subscribed = await s.waitFor(e => e.event === 'subscribed', RUN_MS, 'subscribed')
    assert.deepEqual(subscribed, { event: 'subscribed', topic: 'news.retained', replayed: 2 })
    const messages = s.events().filter(e => e.event === 'message')
    assert.deepEqual(messages.map(e => ({ id: e.id, data: e.data, from: e.from, replayed: e.replayed })), [
      { id: ids[1], data: 'r2', from: peer.a, replayed: true },
      { id: ids[2], data: 'r3', from: peer.a, replayed: true }
    ])
    await stopOk(s)
  })

  it('revocation: editing the realm file while the hub runs disconnects the member, and its subscribe reports losing the hub', async () => {
    const s = start(['subscribe', 'news.today', ...as('b')])
    await s.waitFor(e => e.event === 'subscribed', RUN_MS, 'subscribed')
    const t0 = Date.now()
    await writeRealm(realm(['b']))
    const reloaded = await hub.waitFor(e => e.event === 'realm-reloaded', 10_000, 'realm-reloaded')
    assert.deepEqual(reloaded.disconnected, [peer.b])
    figure('revocation: file written -> realm reloaded', Date.now() - t0)
    const lost = await s.waitFor(e => e.event === 'hub-lost', 15_000, 'hub-lost')
    figure('revocation: file written -> the subscriber reports the hub lost', Date.now() - t0)
    assert.equal(typeof lost.message === 'string' || lost.message === null, true)
    await hub.waitFor(e => e.event === 'member' && e.peerId === peer.b && e.joined === false, 10_000, 'b left')
    // it keeps trying (the gater refuses it now) and still stops cleanly
    assert.ok(s.running, 'the subscribe process keeps running, reconnecting')
    assert.ok(!s.events().some(e => e.event === 'reconnected'), JSON.stringify(s.events()))
    await stopOk(s)
  })

  it('SIGINT on the hub: exit 0 and a stopped event', async () => {
    assert.ok(hub.running, hub.stderr)
    await stopOk(hub)
    assert.equal(hub.events().at(-1).event, 'stopped')
    // every event the hub printed is one docs/cli.md documents
    const known = new Set(['progress', 'listening', 'member', 'refused', 'realm-reloaded', 'realm-error', 'connection', 'stopped', 'tor-down', 'tor-up', 'reachable', 'republish-failed'])
    assert.deepEqual(hub.events().filter(e => !known.has(e.event)), [])
  })
})
