/**
 * GitHub webhooks to a hidden builder (issue 15) on the private Tor network:
 * the hub on client tor 0, the relay on client 1, the builder on client 2
 * (dial-only: no onion service), a thief on client 3. Real payloads from
 * @octokit/webhooks-examples, signed as GitHub signs them, are POSTed to the
 * relay over loopback HTTP.
 *
 * The first case runs `p2p-tor webhook run` and `p2p-tor webhook relay` as
 * subprocesses; the others use the library in-process (Hub, Member,
 * startRelayServer, runBuilder) with the same identities, so that they can
 * restart the hub and the builder at will. Tests share the hub and run in
 * order. Every wait is bounded; every process is stopped by its PID.
 *
 * The in-process builder has its own PeerId (libBuilder), not the CLI
 * builder's: a member that leaves a topic sends gossipsub's PRUNE with a
 * 10 s backoff, and the same PeerId subscribing again within it is not
 * grafted by the hub at once, so a message published in that window is
 * acknowledged and retained but not delivered live (a messaging issue; the
 * last case below still meets it, as a builder restarted at once would).
 *
 * The thief stands for a stolen relay key: it is in the realm with the
 * relay's publish right, and the builder takes sealed events from it (as it
 * would from the relay whose key was taken), but it has no GitHub secret.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateOnionKey } from '../../src/onion/index.js'
import { createHubNode, createMemberNode } from '../../src/messaging/node.js'
import { Hub } from '../../src/messaging/hub.js'
import { Member } from '../../src/messaging/member.js'
import { Sealing } from '../../src/messaging/sealing.js'
import { parseRealm, type Realm } from '../../src/messaging/realm.js'
import { loadOrCreateIdentity } from '../../src/cli/identity.js'
import { encodeRecord, runBuilder, startRelayServer, RECORD_VERSION, type Builder, type BuilderLogEntry, type RelayLogEntry, type RelayServer } from '../../src/webhook/index.js'
import { githubHeaders, post, pushTo, signed } from '../fake/webhook/fixtures.js'
import { Cli } from './cli-process.js'
import { getTestnet, TESTNET_DIR } from './fixture.js'
import { torOptions } from './helpers.js'
import type { TestnetInfo, TestnetClient } from '../../src/testnet/index.js'
import type { PrivateKey } from '@libp2p/interface'
import type { OnionKey } from '../../src/onion/index.js'

interface Identity { privateKey: PrivateKey, peerId: string, dir: string }

const SECRET = 'e2e webhook secret, the same at GitHub, the relay and the builder'
/** A member's whole start over Tor: a cold rendezvous with the hub can take a minute or two. */
const JOIN_MS = 150_000
/** One event from the relay's POST to the builder's command having run. */
const DELIVER_MS = 90_000

async function until (what: string, cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/** Every 16-byte window of `body`, as latin1 strings, for a quick search of recorded bytes. */
function windowsOf (body: Buffer, n = 16): Set<string> {
  const set = new Set<string>()
  for (let i = 0; i + n <= body.length; i++) set.add(body.toString('latin1', i, i + n))
  return set
}

/** The first offset of `recorded` where a window of the body starts, or -1. */
function findWindow (recorded: Buffer, windows: Set<string>, n = 16): number {
  for (let i = 0; i + n <= recorded.length; i++) if (windows.has(recorded.toString('latin1', i, i + n))) return i
  return -1
}

describe('e2e: GitHub webhooks to a hidden builder (relay, hub, builder on three client tors)', function () {
  this.timeout(300_000)

  let net: TestnetInfo
  let dir: string
  let secretFile: string
  let marker: string
  const ids = {} as Record<'hub' | 'relay' | 'builder' | 'libBuilder' | 'thief', Identity>
  let hubOnion: OnionKey
  let hub: Hub | undefined
  let hubAddr: string
  let realm: Realm
  /** Every frame the hub sent, for the check that no part of a body passes through it in clear. */
  const recorded: Buffer[] = []
  const bodies: string[] = []
  const members: Array<{ member: Member, sealing: Sealing }> = []
  const clis = new Set<Cli>()

  const command = (): string[] => ['sh', '-c', `printf '%s %s\\n' "$GITHUB_DELIVERY" "$GITHUB_REF" >> '${marker}'`]
  const markerLines = (): string[] => existsSync(marker) ? readFileSync(marker, 'utf8').split('\n').filter(l => l !== '') : []

  async function startHub (): Promise<Hub> {
    const node = await createHubNode({ ...torOptions(net.clients[0]), privateKey: ids.hub.privateKey, key: hubOnion, port: 7777, realm: () => realm, start: false })
    return await Hub.start(node, realm, { historyDir: join(dir, 'history'), record: (_peer, bytes) => { recorded.push(Buffer.from(bytes)) } })
  }

  async function member (client: TestnetClient, who: Identity): Promise<Member> {
    const node = await createMemberNode({ ...torOptions(client), privateKey: who.privateKey, hubs: [hubAddr] })
    const sealing = await Sealing.open({ privateKey: who.privateKey, dataDir: who.dir })
    const m = await Member.connect(node, { hubs: [hubAddr], sealing, minBackoffMs: 200, maxBackoffMs: 2000 }, { timeoutMs: JOIN_MS })
    members.push({ member: m, sealing })
    return m
  }

  function cli (args: string[]): Cli {
    const c = new Cli(args)
    clis.add(c)
    return c
  }

  /** POSTs one push as GitHub would; returns the delivery id and the HTTP status. */
  async function push (url: string, ref: string, opts: { secret?: string, delivery?: string, body?: string } = {}): Promise<{ delivery: string, status: number, body: string }> {
    const delivery = opts.delivery ?? randomUUID()
    const body = opts.body ?? pushTo(ref)
    bodies.push(body)
    const reply = await post(url, { headers: await githubHeaders('push', delivery, body, opts.secret ?? SECRET), body })
    return { delivery, status: reply.status, body }
  }

  before(async () => {
    net = await getTestnet()
    assert.ok(net.clients.length >= 4, 'the e2e network has 4 client tors')
    dir = mkdtempSync(join(tmpdir(), 'p2p-tor-webhook-'))
    secretFile = join(dir, 'webhook.secret')
    writeFileSync(secretFile, SECRET + '\n')
    chmodSync(secretFile, 0o600)
    marker = join(dir, 'built.txt')
    for (const k of ['hub', 'relay', 'builder', 'libBuilder', 'thief'] as const) {
      // the CLI's own identity files, so the subprocesses and the in-process members are the same PeerIds
      const d = join(dir, k)
      const id = k === 'hub' ? { privateKey: await generateKeyPair('Ed25519') } : await loadOrCreateIdentity(d)
      ids[k] = { privateKey: id.privateKey, peerId: peerIdFromPrivateKey(id.privateKey).toString(), dir: d }
    }
    hubOnion = generateOnionKey()
    realm = parseRealm({
      roles: [
        { name: 'relay', peers: [ids.relay.peerId, ids.thief.peerId], permissions: [{ uri: 'webhook.github.', match: 'prefix', allow: { publish: true } }] },
        { name: 'builder', peers: [ids.builder.peerId, ids.libBuilder.peerId], permissions: [{ uri: 'webhook.github.', match: 'prefix', allow: { subscribe: true } }] }
      ],
      // the builder catches up from here after a restart or a disconnect
      history: [{ uri: 'webhook.github.', match: 'prefix', limit: 100, maxAgeSeconds: 86400 }]
    }, 'webhook test realm')
    hub = await startHub()
    hubAddr = hub.multiaddrs[0]
    assert.match(hubAddr, /^\/onion3\/[a-z2-7]{56}:7777\/p2p\//)
  })

  after(async () => {
    for (const c of clis) if (c.running) await c.stop('SIGINT', 10_000).catch(() => {})
    for (const { member: m, sealing } of members) {
      await m.close().catch(() => {})
      await Promise.resolve(m.node.stop()).catch(() => {})
      sealing.close()
    }
    await hub?.stop().catch(() => {})
    if (dir != null) rmSync(dir, { recursive: true, force: true })
  })

  it('the CLI: a signed push to refs/heads/main reaches `webhook run`, which runs the command; a push to another branch is ignored', async () => {
    const torOf = (n: number): string[] => ['--hub', hubAddr, '--testnet', TESTNET_DIR, '--testnet-client', String(n), '--json', '--timeout', String(JOIN_MS / 1000)]
    // the builder first: the relay seals to it, so the hub must hold its key card
    const builder = cli(['webhook', 'run', ...torOf(2), '--data-dir', ids.builder.dir, '--from', ids.relay.peerId, '--secret-file', secretFile, '--', ...command()])
    await builder.waitFor(e => e.event === 'builder-ready', JOIN_MS + 10_000, 'builder-ready')
    const relay = cli(['webhook', 'relay', ...torOf(1), '--data-dir', ids.relay.dir, '--listen', '127.0.0.1:0', '--secret-file', secretFile, '--seal-to', ids.builder.peerId])
    const listening = await relay.waitFor(e => e.event === 'relay-listening', JOIN_MS + 10_000, 'relay-listening')
    assert.match(listening.url, /^http:\/\/127\.0\.0\.1:\d+\/webhook\/github$/)
    assert.equal(listening.topic, 'webhook.github')
    assert.deepEqual(listening.sealTo, [ids.builder.peerId])

    const main = await push(listening.url, 'refs/heads/main')
    assert.equal(main.status, 202)
    const finished = await builder.waitFor(e => e.event === 'webhook-builder' && e.kind === 'build-finished' && e.delivery === main.delivery, DELIVER_MS, 'the build')
    assert.equal(finished.exitCode, 0)
    assert.deepEqual(markerLines(), [`${main.delivery} refs/heads/main`])

    const other = await push(listening.url, 'refs/heads/feature')
    assert.equal(other.status, 202)
    const ignored = await builder.waitFor(e => e.event === 'webhook-builder' && e.delivery === other.delivery, DELIVER_MS, 'the other branch\'s event')
    assert.equal(ignored.kind, 'ignored')
    assert.equal(ignored.reason, 'ref refs/heads/feature, not refs/heads/main')
    assert.equal(ignored.githubEvent, 'push')

    // the relay logged each request without the body or the secret
    const accepted = relay.events().filter(e => e.event === 'webhook-relay' && e.kind === 'accepted').map(e => e.delivery)
    assert.deepEqual(accepted, [main.delivery, other.delivery])
    const out = relay.lines.join('\n') + relay.stderr + builder.lines.join('\n') + builder.stderr
    assert.ok(!out.includes(SECRET), 'the secret is never logged')
    assert.ok(!out.includes(main.body.slice(0, 64)), 'the body is never logged')

    for (const c of [relay, builder]) assert.equal((await c.stop('SIGINT', 10_000)).code, 0)
    assert.deepEqual(markerLines(), [`${main.delivery} refs/heads/main`], 'one build, for main only')
  })

  // --- the library, in-process ------------------------------------------------

  let relayMember: Member
  let builderMember: Member
  let relay: RelayServer
  let builder: Builder | undefined
  const relayLog: RelayLogEntry[] = []
  const builderLog: BuilderLogEntry[] = []
  const memberEvents: string[] = []
  const stateDir = (): string => join(dir, 'builder-state')

  async function startBuilder (): Promise<Builder> {
    return await runBuilder({
      subscriber: builderMember,
      // the thief is trusted as a stolen relay key would be
      from: [ids.relay.peerId, ids.thief.peerId],
      secret: SECRET,
      command: command(),
      dataDir: stateDir(),
      output: 'ignore',
      log: (e) => { builderLog.push(e) }
    })
  }

  afterEach(function () {
    // on a failure, the story of each side (ids and reasons only: never a body)
    if (this.currentTest?.state !== 'failed') return
    for (const e of relayLog) console.log(`      [relay] ${JSON.stringify(e)}`)
    for (const e of builderLog) console.log(`      [builder] ${JSON.stringify(e)}`)
    for (const e of memberEvents) console.log(`      [builder member] ${e}`)
  })

  const builds = (): BuilderLogEntry[] => builderLog.filter(e => e.kind === 'build-finished')
  const builtDeliveries = (): string[] => builds().flatMap(e => e.deliveries ?? [])

  it('the library: a signed push builds; a badly signed POST gets 401 and never reaches the builder', async () => {
    ;[relayMember, builderMember] = await Promise.all([member(net.clients[1], ids.relay), member(net.clients[2], ids.libBuilder)])
    builderMember.addEventListener('dropped', (e) => { memberEvents.push(`dropped ${e.detail.topic} from ${e.detail.from}: ${e.detail.reason}`) })
    builderMember.addEventListener('gap', (e) => { memberEvents.push(`gap ${e.detail.topic} from ${e.detail.from}: ${e.detail.missing.join('..')}`) })
    builderMember.addEventListener('reconnected', () => { memberEvents.push('reconnected') })
    builder = await startBuilder()
    relay = await startRelayServer({ listen: '127.0.0.1:0', secret: SECRET, publisher: relayMember, sealTo: [ids.libBuilder.peerId], minRetryMs: 200, maxRetryMs: 2000, log: (e) => { relayLog.push(e) } })
    const linesBefore = markerLines().length

    const good = await push(relay.url, 'refs/heads/main')
    assert.equal(good.status, 202)
    await until('the build', () => builtDeliveries().includes(good.delivery), DELIVER_MS)
    assert.equal(markerLines().length, linesBefore + 1)
    assert.equal(markerLines().at(-1), `${good.delivery} refs/heads/main`)

    const bad = await push(relay.url, 'refs/heads/main', { secret: 'not the secret' })
    assert.equal(bad.status, 401)
    // a good push after it: once it has built, the bad one (sent first) would have arrived too
    const after = await push(relay.url, 'refs/heads/main')
    assert.equal(after.status, 202)
    await until('the next build', () => builtDeliveries().includes(after.delivery), DELIVER_MS)
    assert.ok(!builderLog.some(e => e.delivery === bad.delivery), 'the builder never saw the badly signed delivery')
    assert.ok(!relayLog.some(e => e.kind === 'forwarded' && e.delivery === bad.delivery))
    assert.equal(relay.relay.healthz().rejected.signature, 1)
  })

  it('a sealed publish by a member with publish rights but no GitHub secret is refused by the builder\'s re-verification', async () => {
    const thief = await member(net.clients[3], ids.thief)
    const delivery = randomUUID()
    const body = pushTo('refs/heads/main')
    bodies.push(body)
    const record = encodeRecord({ version: RECORD_VERSION, event: 'push', delivery, body: new TextEncoder().encode(body), signature: await signed(body, 'a guess at the secret'), receivedAt: BigInt(Date.now()) })
    await thief.publish('webhook.github.push', record, { sealTo: [ids.libBuilder.peerId], acknowledge: true })
    await until('the builder\'s verdict', () => builderLog.some(e => e.delivery === delivery), DELIVER_MS)
    const verdict = builderLog.find(e => e.delivery === delivery)
    assert.equal(verdict?.kind, 'rejected')
    assert.match(verdict?.reason ?? '', /^the GitHub signature does not verify with this builder's secret/)
    assert.ok(!builtDeliveries().includes(delivery))
    assert.ok(!markerLines().some(l => l.startsWith(delivery)))
  })

  it('restart the hub during a burst of 10 events: every event builds or collapses into a build, once; none is lost', async () => {
    assert.ok(hub != null)
    const buildsBefore = builds().length
    const linesBefore = markerLines().length
    const burst: string[] = []
    for (let i = 0; i < 10; i++) {
      if (i === 4) {
        await hub?.stop()
        hub = undefined
      }
      const p = await push(relay.url, 'refs/heads/main')
      assert.equal(p.status, 202, `event ${i} accepted while the hub is ${hub == null ? 'down' : 'up'}`)
      burst.push(p.delivery)
    }
    assert.ok(relay.relay.healthz().queued > 0, 'the relay holds what it could not forward yet')
    hub = await startHub()
    await until('every event of the burst built', () => burst.every(d => builtDeliveries().includes(d)), 240_000)
    await until('the last build finished', () => builder?.building === false, DELIVER_MS)
    const burstBuilds = builds().slice(buildsBefore)
    const counted = burstBuilds.flatMap(e => e.deliveries ?? [])
    for (const d of burst) assert.equal(counted.filter(x => x === d).length, 1, `delivery ${d} built exactly once`)
    assert.ok(burstBuilds.length >= 1 && burstBuilds.length <= 10)
    assert.equal(markerLines().length, linesBefore + burstBuilds.length, 'the command ran once per build')
    console.log(`      [webhook] 10 events across a hub restart: ${burstBuilds.length} build(s)`)
  })

  it('stop the builder, send 3 pushes, start it again: one build for what it missed, and never again for what it built', async () => {
    await until('the builder is idle', () => builder?.building === false, DELIVER_MS)
    await builder?.stop()
    builder = undefined
    const before = builds().length
    const linesBefore = markerLines().length
    const missed: string[] = []
    for (let i = 0; i < 3; i++) {
      const p = await push(relay.url, 'refs/heads/main')
      assert.equal(p.status, 202)
      missed.push(p.delivery)
    }
    // the hub has them (acknowledged) before the builder comes back
    await until('the relay forwarded the 3', () => missed.every(d => relayLog.some(e => e.kind === 'forwarded' && e.delivery === d)), DELIVER_MS)
    builder = await startBuilder()
    assert.equal(builder.replayed, 3)
    await until('the catch-up build', () => builds().length > before, DELIVER_MS)
    const caughtUp = builds().slice(before)
    assert.equal(caughtUp.length, 1)
    assert.deepEqual(caughtUp[0].deliveries, missed)
    assert.equal(markerLines().length, linesBefore + 1)
    assert.equal(markerLines().at(-1), `${missed[2]} refs/heads/main`, 'the build uses the newest event')

    // GitHub's "Redeliver" of a delivery already built, through a relay that
    // forgot it (a restart): it reaches the builder, which does not build again
    const fresh = await startRelayServer({ listen: '127.0.0.1:0', secret: SECRET, publisher: relayMember, sealTo: [ids.libBuilder.peerId], log: (e) => { relayLog.push(e) } })
    try {
      const redelivered = await push(fresh.url, 'refs/heads/main', { delivery: missed[0], body: bodies[bodies.length - 3] })
      assert.equal(redelivered.status, 202)
      await until('the builder\'s verdict on the redelivery', () => builderLog.some(e => e.kind === 'ignored' && e.delivery === missed[0]), DELIVER_MS)
    } finally {
      await fresh.close()
    }
    assert.equal(builderLog.find(e => e.kind === 'ignored' && e.delivery === missed[0])?.reason, 'already built')
    assert.equal(builds().length, before + 1, 'no build for a delivery already built')

    // and a restart of the builder replays nothing it has finished with
    await builder.stop()
    builder = await startBuilder()
    assert.equal(builder.replayed, 0)
    await builder.stop()
    builder = undefined
    assert.equal(builds().length, before + 1)
  })

  it('the hub\'s byte recording holds no 16-byte window of any body', async () => {
    await relay.close()
    assert.ok(recorded.length > 0, 'the hub recorded what it sent')
    assert.ok(bodies.length >= 17)
    const all = Buffer.concat(recorded)
    for (const body of new Set(bodies)) {
      const at = findWindow(all, windowsOf(Buffer.from(body)))
      assert.equal(at, -1, `16 bytes of a body at offset ${at} of the hub's recording`)
    }
  })
})
