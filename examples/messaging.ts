/**
 * p2p-tor messaging as a library: a hub on an onion service, and two members
 * with no onion service of their own that publish, subscribe and call
 * through it.
 *
 *   node dist/examples/messaging.js <hub control> <member A control> <member B control>
 *
 * Each argument is `host:port,cookiefile` of a tor's control port (with its
 * SOCKS port in P2P_TOR_SOCKS_<n>, n = 0, 1, 2). The e2e tier runs it on the
 * private Tor network so that it cannot rot.
 */
import '../src/polyfill.js'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateOnionKey } from '../src/index.js'
import { createHubNode, createMemberNode, Hub, Member, parseRealm, NotAuthorizedError } from '../src/messaging/index.js'

const args = process.argv.slice(2)
if (args.length !== 3) {
  console.error('usage: messaging.js <hub control,cookie> <member A control,cookie> <member B control,cookie>  (SOCKS ports in P2P_TOR_SOCKS_0..2)')
  process.exit(2)
}
const tors = args.map((a, i) => {
  const [control, cookieFile] = a.split(',')
  return { control, cookieFile, socks: process.env[`P2P_TOR_SOCKS_${i}`] }
})

const dir = await mkdtemp(path.join(os.tmpdir(), 'p2p-tor-messaging-example-'))
// identities: a member's PeerId is what the realm grants rights to
const [hubKey, aliceKey, bobKey] = await Promise.all([0, 1, 2].map(async () => await generateKeyPair('Ed25519')))
const alice = peerIdFromPrivateKey(aliceKey).toString()
const bob = peerIdFromPrivateKey(bobKey).toString()

const realm = parseRealm({
  roles: [
    { name: 'sensor', peers: [alice], permissions: [{ uri: 'sensors.', match: 'prefix', allow: { publish: true, call: true } }] },
    { name: 'dashboard', peers: [bob], permissions: [{ uri: 'sensors.', match: 'prefix', allow: { subscribe: true, register: true } }] }
  ]
})

let hub: Hub | undefined
const members: Member[] = []
try {
  const hubNode = await createHubNode({ ...tors[0], privateKey: hubKey, key: generateOnionKey(), realm: () => realm })
  hub = await Hub.start(hubNode, realm, { historyDir: path.join(dir, 'history') })
  const hubAddr = hub.multiaddrs[0]
  console.log(`hub listening on ${hubAddr}`)

  const connect = async (i: number, privateKey: typeof aliceKey): Promise<Member> => {
    const node = await createMemberNode({ ...tors[i], privateKey, hubs: [hubAddr] })
    const m = await Member.connect(node, { hubs: [hubAddr] })
    members.push(m)
    return m
  }
  const [a, b] = await Promise.all([connect(1, aliceKey), connect(2, bobKey)])
  console.log('both members connected (neither has an onion service)')

  const received = new Promise<string>(resolve => {
    void b.subscribe('sensors.temperature', (msg) => { resolve(`${msg.json<{ celsius: number }>().celsius} °C from ${msg.from}`) })
  })
  await new Promise(resolve => setTimeout(resolve, 1000))
  await a.publishJson('sensors.temperature', { celsius: 21.5 }, { acknowledge: true })
  console.log(`bob received ${await received}`)

  await b.register('sensors.reset', async (data) => new TextEncoder().encode(`reset ${new TextDecoder().decode(data)}`))
  const result = await a.call('sensors.reset', new TextEncoder().encode('probe-7'), { timeoutMs: 60_000 })
  console.log(`alice called sensors.reset: ${new TextDecoder().decode(result)}`)

  // bob may not publish on sensors.: the hub says so
  await b.publish('sensors.temperature', new TextEncoder().encode('{}'), { acknowledge: true }).catch((err: unknown) => {
    if (!(err instanceof NotAuthorizedError)) throw err
    console.log(`bob's publish refused: ${err.action} on ${err.uri}`)
  })
} finally {
  for (const m of members) {
    await m.close()
    await m.node.stop()
  }
  await hub?.stop()
  await rm(dir, { recursive: true, force: true })
}
