/**
 * The relay and the builder on real messaging Members, through a real Hub,
 * on libp2p nodes over loopback TCP (no tor): a signed push goes in over
 * HTTP, crosses the hub sealed, and the builder runs the command. The fast
 * version of what the e2e tier checks on the private Tor network.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Hub } from '../../../src/messaging/hub.js'
import { Member } from '../../../src/messaging/member.js'
import { parseRealm } from '../../../src/messaging/realm.js'
import { Sealing } from '../../../src/messaging/sealing.js'
import { encodeRecord } from '../../../src/webhook/record.js'
import { runBuilder } from '../../../src/webhook/builder.js'
import { startRelayServer } from '../../../src/webhook/server.js'
import { SECRET, githubHeaders, post, pushTo, signed } from './fixtures.js'
import type { Builder, BuilderLogEntry } from '../../../src/webhook/builder.js'
import type { RelayServer } from '../../../src/webhook/server.js'
import type { PrivateKey } from '@libp2p/interface'
import { holdsAnyWindow, tcpMessagingNode } from '../../fixtures/messaging-tcp.js'

interface Who { key: PrivateKey, id: string, dir: string }

const MAX = 1 << 20



describe('fake: webhook relay -> hub -> builder on messaging Members over loopback TCP', function () {
  this.timeout(60_000)
  let root: string
  const ids: Record<string, Who> = {}
  let hub: Hub
  let hubAddr: string
  const recorded: Buffer[] = []
  const members: Member[] = []
  const sealings: Sealing[] = []
  let relayMember: Member
  let server: RelayServer
  let builder: Builder
  const logs: BuilderLogEntry[] = []
  let waiters: Array<() => void> = []

  async function member (w: Who): Promise<Member> {
    const node = await tcpMessagingNode(w.key, false)
    const sealing = await Sealing.open({ privateKey: w.key, dataDir: w.dir })
    sealings.push(sealing)
    const m = await Member.connect(node, { hubs: [hubAddr], sealing, minBackoffMs: 50, maxBackoffMs: 500, maxPayloadBytes: MAX }, { timeoutMs: 10_000 })
    members.push(m)
    return m
  }

  async function until (pred: (l: BuilderLogEntry[]) => boolean): Promise<void> {
    while (!pred(logs)) await new Promise<void>(resolve => { waiters.push(resolve) })
  }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'p2p-tor-webhook-fake-'))
    for (const k of ['hub', 'relay', 'builder']) {
      const key = await generateKeyPair('Ed25519')
      ids[k] = { key, id: peerIdFromPrivateKey(key).toString(), dir: join(root, k) }
      await mkdir(ids[k].dir, { recursive: true })
    }
    await writeFile(join(root, 'build.sh'), 'cat > "$MARKER_DIR/$GITHUB_DELIVERY.json"; echo "$GITHUB_REF $GITHUB_AFTER" > "$MARKER_DIR/$GITHUB_DELIVERY.env"\n')
    const realm = parseRealm({
      roles: [
        { name: 'github', peers: [ids.relay.id], permissions: [{ uri: 'webhook.github.', match: 'prefix', allow: { publish: true } }] },
        { name: 'builder', peers: [ids.builder.id], permissions: [{ uri: 'webhook.github.', match: 'prefix', allow: { subscribe: true } }] }
      ],
      history: [{ uri: 'webhook.github.', match: 'prefix', limit: 100 }]
    })
    const node = await tcpMessagingNode(ids.hub.key, true, () => realm)
    hub = await Hub.start(node, realm, { historyDir: join(root, 'history'), record: (_peer, bytes) => { recorded.push(Buffer.from(bytes)) } })
    hubAddr = node.getMultiaddrs()[0].toString()
    const builderMember = await member(ids.builder)
    relayMember = await member(ids.relay)
    builder = await runBuilder({
      subscriber: builderMember,
      from: ids.relay.id,
      secret: SECRET,
      command: ['/bin/sh', join(root, 'build.sh')],
      env: { MARKER_DIR: root },
      dataDir: ids.builder.dir,
      output: 'ignore',
      log: (e) => { logs.push(e); const w = waiters; waiters = []; w.forEach(r => { r() }) }
    })
    server = await startRelayServer({ listen: '127.0.0.1:0', secret: SECRET, sealTo: [ids.builder.id], publisher: relayMember, minRetryMs: 50, maxRetryMs: 500, maxBodyBytes: MAX - 4096 })
  })

  after(async () => {
    await builder?.stop()
    await server?.close()
    for (const m of members) {
      await m.close()
      await m.node.stop()
    }
    for (const s of sealings) s.close()
    await hub?.stop()
    rmSync(root, { recursive: true, force: true })
  })

  it('a signed push to main crosses the hub sealed and builds; the hub forwarded no 16-byte window of the body', async () => {
    const after = 'c0ffee'.padEnd(40, '0')
    const body = pushTo('refs/heads/main', after)
    recorded.length = 0
    const res = await post(server.url, { headers: await githubHeaders('push', 'e2e-1', body), body })
    assert.equal(res.status, 202)
    await until(l => l.some(e => e.kind === 'build-finished'))
    assert.equal(await readFile(join(root, 'e2e-1.json'), 'utf8'), body)
    assert.equal(await readFile(join(root, 'e2e-1.env'), 'utf8'), `refs/heads/main ${after}\n`)
    assert.equal(logs.find(e => e.kind === 'build-finished')?.exitCode, 0)
    assert.equal(server.relay.healthz().forwarded, 1)
    assert.equal(server.relay.healthz().hubConnected, true)
    const all = Buffer.concat(recorded)
    assert.ok(all.byteLength > 0, 'the hook recorded what the hub sent')
    assert.equal(holdsAnyWindow(all, new TextEncoder().encode(body)), false)
  })

  it('a record the relay\'s key sealed but GitHub never signed (a stolen relay key) is refused by the builder\'s re-verification', async () => {
    const body = pushTo('refs/heads/main')
    const forged = encodeRecord({ version: 1, event: 'push', delivery: 'forged-1', body: new TextEncoder().encode(body), signature: await signed(body, 'not the secret'), receivedAt: BigInt(Date.now()) })
    await relayMember.publish('webhook.github.push', forged, { sealTo: [ids.builder.id], acknowledge: true })
    await until(l => l.some(e => e.kind === 'rejected'))
    const rejected = logs.find(e => e.kind === 'rejected')
    assert.equal(rejected?.delivery, 'forged-1')
    assert.match(rejected?.reason ?? '', /signature does not verify/)
    assert.equal(logs.filter(e => e.kind === 'build-started').length, 1)
  })
})
