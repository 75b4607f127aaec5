/**
 * The chat side of rows c1, c2 and c2b (bench/chat.ts), run in a benchmark
 * child process of its own (role 'chat', peer.ts). The setup is the one of
 * test/e2e/chat.spec.ts: a MailboxServer on its own onion service, and two
 * users, each a createTorNode with an onion key, a ChatStore (loadStoreKey),
 * seal keys (loadOrCreateSealKeys) and a ChatClient with a depositNode
 * factory; alice on client tor 0, bob on 1, the mailbox on 2. Alice and bob
 * share this process, so one clock times alice.send() to bob's 'message'
 * event. Each method is one RPC call and stays within its own deadline,
 * under the RPC's 90 s.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TimeoutError } from '@libp2p/interface'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { ChatClient, type DeliveryState, type MessageView } from '../src/chat/client.js'
import { MailboxServer } from '../src/chat/mailbox.js'
import { ChatStore, loadStoreKey } from '../src/chat/store.js'
import { createTorNode, type TorNode } from '../src/node.js'
import { generateOnionKey, type OnionKey } from '../src/onion/index.js'
import { loadOrCreateSealKeys } from '../src/seal/index.js'
import type { Invite } from '../src/chat/invite.js'
import type { TorEndpoints } from './sides.js'
import type { PrivateKey } from '@libp2p/interface'

const PORT = 7777
/** Every wait of one call: below the RPC's own 90 s, so a stuck wait fails here, with its name. */
const CALL_DEADLINE_MS = 80_000
/** ping() has no timeout of its own. */
const PING_TIMEOUT_MS = 30_000
/** How often the waits that poll (contact states) look again. */
const POLL_MS = 50

interface User {
  name: 'alice' | 'bob'
  dir: string
  key: PrivateKey
  onion: OnionKey
  tor: TorEndpoints
  inbox: Uint8Array
  node?: TorNode
  chat?: ChatClient
  store?: ChatStore
}

export interface DirectSample {
  /** alice.send() called → bob's 'message' event for that text. */
  ms: number
  /** alice.send() called → send() resolved (stored in alice's outbox, sealed later). */
  queuedMs: number
}

export interface MailboxSample {
  /** alice.send() called → the message's state is 'sent' (the mailbox accepted the blob). */
  ms: number
}

export interface BobBack {
  /** createTorNode (onion service published) + store + ChatClient.start. */
  startMs: number
  /** start done → every message of the offline run at bob, through checkMailbox(). */
  fetchMs: number
  /** start called → every message at bob. */
  totalMs: number
  /** What checkMailbox() returned, summed over its calls. */
  viaMailbox: number
  /** Messages of the offline run bob had at the end (each counted once). */
  received: number
  /** Messages that arrived twice (must be 0). */
  duplicates: number
  checkCalls: number
}

function attach (tor: TorEndpoints): { control: string, socks: string, cookieFile: string } {
  return { control: `127.0.0.1:${tor.controlPort}`, socks: `127.0.0.1:${tor.socksPort}`, cookieFile: tor.cookieFile }
}

/** Polls `cond` until true, or throws a TimeoutError naming `what`. */
async function until (what: string, cond: () => boolean | Promise<boolean>, ms = CALL_DEADLINE_MS): Promise<void> {
  const end = performance.now() + ms
  while (!(await cond())) {
    if (performance.now() > end) throw new TimeoutError(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, POLL_MS))
  }
}

/**
 * Resolves with the time (performance.now()) of the first event for which
 * `match` is true; rejects after `ms`. Listening starts at the call, so call
 * it before the action whose effect it waits for.
 */
function eventAt<T> (client: ChatClient, type: 'message' | 'state', match: (detail: T) => boolean, what: string, ms = CALL_DEADLINE_MS): Promise<number> {
  return new Promise((resolve, reject) => {
    const onEvent = (e: Event): void => {
      if (!match((e as CustomEvent<T>).detail)) return
      done()
      resolve(performance.now())
    }
    const timer = setTimeout(() => { done(); reject(new TimeoutError(`no ${what} within ${ms} ms`)) }, ms)
    const done = (): void => {
      clearTimeout(timer)
      client.removeEventListener(type, onEvent)
    }
    client.addEventListener(type, onEvent)
  })
}

export class ChatSide {
  private readonly tors: TorEndpoints[]
  private dir?: string
  private mbNode?: TorNode
  private mbServer?: MailboxServer
  private mbInvite?: Invite
  private readonly users: Partial<Record<User['name'], User>> = {}
  private seq = 0
  /** Texts of the offline run, and how often each reached bob. */
  private readonly away = new Map<string, number>()

  /** `tors`: alice's, bob's and the mailbox's client tor, in that order. */
  constructor (tors: TorEndpoints[]) {
    if (tors.length < 3) throw new Error(`the chat rows need 3 client tors (alice, bob, mailbox), got ${tors.length}`)
    this.tors = tors
  }

  /** The mailbox and both users, each on its own onion service; returns the ms it took. */
  async start (): Promise<number> {
    const t0 = performance.now()
    this.dir = await mkdtemp(join(tmpdir(), 'p2p-tor-bench-chat-'))
    const mbOnion = await generateOnionKey()
    this.mbNode = await createTorNode({ ...attach(this.tors[2]), privateKey: await generateKeyPair('Ed25519'), key: mbOnion, port: PORT })
    this.mbServer = await MailboxServer.start(this.mbNode, { dir: join(this.dir, 'mailbox.db') })
    this.mbInvite = { peerId: this.mbNode.peerId.toString(), onion: mbOnion.serviceId, port: PORT }
    for (const [i, name] of (['alice', 'bob'] as const).entries()) {
      const u: User = { name, dir: join(this.dir, name), key: await generateKeyPair('Ed25519'), onion: await generateOnionKey(), tor: this.tors[i], inbox: new Uint8Array(randomBytes(16)) }
      await mkdir(u.dir, { recursive: true })
      this.users[name] = u
    }
    await Promise.all([this.startUser(this.user('alice')), this.startUser(this.user('bob'))])
    return performance.now() - t0
  }

  private user (name: User['name']): User {
    const u = this.users[name]
    if (u == null) throw new Error('call start() first')
    return u
  }

  private chat (name: User['name']): ChatClient {
    const c = this.users[name]?.chat
    if (c == null) throw new Error(`${name} is not running`)
    return c
  }

  private async startUser (u: User): Promise<void> {
    u.node = await createTorNode({ ...attach(u.tor), privateKey: u.key, key: u.onion, port: PORT })
    u.store = await ChatStore.open(join(u.dir, 'chat.db'), await loadStoreKey(u.dir, {}))
    u.chat = await ChatClient.start({
      node: u.node,
      privateKey: u.key,
      sealKeys: await loadOrCreateSealKeys(u.dir),
      store: u.store,
      // both have a mailbox: bob's is the one measured; alice's keeps the setup a user's
      invite: { peerId: u.node.peerId.toString(), onion: u.onion.serviceId, port: PORT, mailbox: { ...(this.mbInvite as Invite), inbox: u.inbox } as any },
      depositNode: async () => await createTorNode({ ...attach(u.tor), dialOnly: true }),
      downloadsDir: join(u.dir, 'downloads'),
      // fetched only when timed (checkMailbox); every other option is the client's default
      mailboxPollMs: 0
    })
    u.chat.addEventListener('message', (e) => {
      const n = this.away.get(e.detail.text)
      if (u.name === 'bob' && n != null) this.away.set(e.detail.text, n + 1)
    })
  }

  private async stopUser (u: User): Promise<void> {
    await u.chat?.stop()
    await u.node?.stop()
    await u.store?.close()
    u.chat = undefined
    u.node = undefined
    u.store = undefined
  }

  /** Alice adds bob from his invite; resolves when bob sees the request. */
  async request (): Promise<number> {
    const t0 = performance.now()
    const bob = this.chat('bob')
    await this.chat('alice').add(bob.inviteCode(), 'bob')
    await until('bob to see alice\'s request', () => bob.listContacts().some(c => c.state === 'pending'))
    return performance.now() - t0
  }

  /** Bob accepts; resolves when alice sees the accept. */
  async accept (): Promise<number> {
    const t0 = performance.now()
    const bob = this.chat('bob')
    const alice = this.chat('alice')
    const req = bob.listContacts().find(c => c.state === 'pending')
    if (req == null) throw new Error('bob has no request waiting: call request() first')
    await bob.rename(req.name, 'alice')
    await bob.accept('alice')
    await until('alice to see bob\'s accept', () => alice.contact('bob').state === 'accepted')
    return performance.now() - t0
  }

  /** c1: one message alice → bob, both online. */
  async direct (): Promise<DirectSample> {
    const text = `c1 ${++this.seq} ${randomBytes(8).toString('hex')}`
    const arrived = eventAt<MessageView>(this.chat('bob'), 'message', m => m.text === text, 'message at bob')
    const t0 = performance.now()
    await this.chat('alice').send('bob', text)
    const queued = performance.now()
    const at = await arrived
    return { ms: at - t0, queuedMs: queued - t0 }
  }

  /** The floor of c1: node.services.ping.ping() alice → bob, on the connection the messages use. */
  async ping (): Promise<number> {
    const bob = this.user('bob').node
    if (bob == null) throw new Error('bob is not running')
    const t0 = performance.now()
    await this.user('alice').node?.services.ping.ping(bob.peerId, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) })
    return performance.now() - t0
  }

  /** Open connections alice ↔ bob, seen from alice (c1 should use one). */
  connections (): number {
    const bob = this.user('bob').node
    if (bob == null) return 0
    return this.user('alice').node?.getConnections(bob.peerId).length ?? 0
  }

  /** Bob stops (node, client, store); his onion service goes away. */
  async bobOffline (): Promise<number> {
    const t0 = performance.now()
    await this.stopUser(this.user('bob'))
    return performance.now() - t0
  }

  /** c2: one message to bob while he is offline, until the mailbox accepted its blob. */
  async mailboxSend (): Promise<MailboxSample> {
    const alice = this.chat('alice')
    const text = `c2 ${++this.seq} ${randomBytes(8).toString('hex')}`
    this.away.set(text, 0)
    // the message's id is known only when send() returns; the state event may come before: keep every 'sent' id
    const sent = new Map<string, number>()
    const onState = (e: CustomEvent<{ id: string, state: DeliveryState }>): void => {
      if (e.detail.state === 'sent' && !sent.has(e.detail.id)) sent.set(e.detail.id, performance.now())
    }
    alice.addEventListener('state', onState)
    try {
      const t0 = performance.now()
      const view = await alice.send('bob', text)
      await until(`the mailbox to accept message ${this.seq}`, () => sent.has(view.id))
      return { ms: (sent.get(view.id) as number) - t0 }
    } finally {
      alice.removeEventListener('state', onState)
    }
  }

  /** c2b: bob starts again and fetches his mailbox until every message of the offline run is his. */
  async bobBack (): Promise<BobBack> {
    const bob = this.user('bob')
    const expected = this.away.size
    const t0 = performance.now()
    await this.startUser(bob)
    const started = performance.now()
    let viaMailbox = 0
    let checkCalls = 0
    const have = (): number => [...this.away.values()].filter(n => n > 0).length
    const end = started + CALL_DEADLINE_MS
    // one checkMailbox() normally fetches all; bounded, in case a blob lands between two calls
    while (have() < expected && performance.now() < end && checkCalls < 20) {
      viaMailbox += await this.chat('bob').checkMailbox()
      checkCalls++
    }
    const done = performance.now()
    if (have() < expected) throw new TimeoutError(`bob had ${have()} of ${expected} messages ${((done - started) / 1000).toFixed(0)} s after starting, after ${checkCalls} mailbox fetches`)
    return {
      startMs: started - t0,
      fetchMs: done - started,
      totalMs: done - t0,
      viaMailbox,
      received: have(),
      duplicates: [...this.away.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0),
      checkCalls
    }
  }

  async close (): Promise<void> {
    for (const u of Object.values(this.users)) await this.stopUser(u).catch(() => {})
    await Promise.resolve(this.mbServer?.stop()).catch(() => {})
    await Promise.resolve(this.mbNode?.stop()).catch(() => {})
    if (this.dir != null) await rm(this.dir, { recursive: true, force: true })
  }
}
