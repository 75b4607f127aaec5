/**
 * GitHub webhooks to a hidden builder, as a library: a hub on an onion
 * service, a relay (an HTTP server on 127.0.0.1 that checks GitHub's
 * signature and forwards each delivery sealed to the builder), and a builder
 * with no onion service that re-verifies the signature with its own copy of
 * the secret and runs a command. One signed push goes in; the command runs.
 *
 *   node dist/examples/webhook.js <hub control> <relay control> <builder control>
 *
 * Each argument is `host:port,cookiefile` of a tor's control port (with its
 * SOCKS port in P2P_TOR_SOCKS_<n>, n = 0, 1, 2). The e2e tier runs it on the
 * private Tor network so that it cannot rot.
 */
import '../src/polyfill.js'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { sign } from '@octokit/webhooks-methods'
import { generateOnionKey } from '../src/index.js'
import { createHubNode, createMemberNode, Hub, Member, parseRealm } from '../src/messaging/index.js'
import { Sealing } from '../src/messaging/sealing.js'
import { runBuilder, startRelayServer } from '../src/webhook/index.js'
import type { PrivateKey } from '@libp2p/interface'

const args = process.argv.slice(2)
if (args.length !== 3) {
  console.error('usage: webhook.js <hub control,cookie> <relay control,cookie> <builder control,cookie>  (SOCKS ports in P2P_TOR_SOCKS_0..2)')
  process.exit(2)
}
const tors = args.map((a, i) => {
  const [control, cookieFile] = a.split(',')
  return { control, cookieFile, socks: process.env[`P2P_TOR_SOCKS_${i}`] }
})

// the secret set in GitHub's webhook settings: the relay and the builder each hold a copy
const secret = randomBytes(32).toString('hex')
const dir = await mkdtemp(path.join(os.tmpdir(), 'p2p-tor-webhook-example-'))
const [hubKey, relayKey, builderKey] = await Promise.all([0, 1, 2].map(async () => await generateKeyPair('Ed25519')))
const relayId = peerIdFromPrivateKey(relayKey).toString()
const builderId = peerIdFromPrivateKey(builderKey).toString()

const realm = parseRealm({
  roles: [
    { name: 'relay', peers: [relayId], permissions: [{ uri: 'webhook.github.', match: 'prefix', allow: { publish: true } }] },
    { name: 'builder', peers: [builderId], permissions: [{ uri: 'webhook.github.', match: 'prefix', allow: { subscribe: true } }] }
  ],
  // retained, so a builder that was down catches up
  history: [{ uri: 'webhook.github.', match: 'prefix', limit: 100, maxAgeSeconds: 86400 }]
})

let hub: Hub | undefined
const closers: Array<() => Promise<void>> = []
try {
  const hubNode = await createHubNode({ ...tors[0], privateKey: hubKey, key: generateOnionKey(), realm: () => realm })
  hub = await Hub.start(hubNode, realm, { historyDir: path.join(dir, 'history') })
  const hubAddr = hub.multiaddrs[0]
  console.log(`hub listening on ${hubAddr}`)

  const connect = async (i: number, privateKey: PrivateKey, name: string): Promise<Member> => {
    const node = await createMemberNode({ ...tors[i], privateKey, hubs: [hubAddr] })
    // sealing keys: the relay seals to the builder's key card, which the hub hands out
    const sealing = await Sealing.open({ privateKey, dataDir: path.join(dir, name) })
    const m = await Member.connect(node, { hubs: [hubAddr], sealing })
    closers.unshift(async () => { await m.close(); await m.node.stop(); sealing.close() })
    return m
  }
  const [relayMember, builderMember] = await Promise.all([connect(1, relayKey, 'relay'), connect(2, builderKey, 'builder')])
  console.log('relay and builder connected (neither has an onion service)')

  const marker = path.join(dir, 'built')
  const built = new Promise<string>((resolve) => {
    void runBuilder({
      subscriber: builderMember,
      from: relayId,
      secret,
      // the command gets the JSON body on stdin and GITHUB_* in its environment
      command: ['sh', '-c', `printf '%s' "$GITHUB_AFTER" > '${marker}'`],
      dataDir: path.join(dir, 'builder'),
      output: 'ignore',
      log: (e) => {
        console.log(`builder: ${e.kind}${e.delivery != null ? ` ${e.delivery}` : ''}${e.reason != null ? `: ${e.reason}` : ''}`)
        if (e.kind === 'build-finished') resolve(`exit ${String(e.exitCode)}`)
      }
    }).then((b) => { closers.unshift(async () => { await b.stop() }) })
  })

  const relay = await startRelayServer({ listen: '127.0.0.1:0', secret, publisher: relayMember, sealTo: [builderId] })
  closers.unshift(async () => { await relay.close() })
  console.log(`relay listening on ${relay.url}`)
  // give the builder's subscription a moment to stand before the push
  await new Promise(resolve => setTimeout(resolve, 1000))

  // what GitHub sends: a JSON body, signed with the shared secret
  const after = randomBytes(20).toString('hex')
  const body = JSON.stringify({ ref: 'refs/heads/main', before: '0'.repeat(40), after, repository: { full_name: 'example/docs' }, commits: [] })
  const res = await fetch(relay.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': await sign(secret, body) },
    body
  })
  console.log(`GitHub's POST answered ${res.status}`)
  console.log(`the build finished: ${await built}`)
  const wrote = await readFile(marker, 'utf8')
  console.log(`the command ran for commit ${wrote}${wrote === after ? ' (the pushed one)' : ''}`)
} finally {
  for (const close of closers) await close().catch((err: Error) => { console.error(err.message) })
  await hub?.stop()
  await rm(dir, { recursive: true, force: true })
}
