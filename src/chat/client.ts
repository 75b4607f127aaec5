/**
 * ChatClient: one person's chat (docs/chat.md). It owns the contacts, the
 * outbox, the history and the groups in the encrypted store, serves
 * /p2p-tor/chat/1.0.0 on the node's onion service, sends directly when a
 * contact is reachable and through the contact's mailbox when not, and
 * fetches its own mailbox.
 *
 * The caller (the CLI, or a test) makes the libp2p node (listening on an
 * onion service, or loopback TCP in the fake tier), the key ring, the store,
 * and a factory for throwaway deposit nodes; this class knows none of
 * tor's options.
 *
 * Everything that changes state runs on one queue (`this.serial`), so the
 * sequence numbers, the outbox and the store never race.
 */
import { randomBytes } from 'node:crypto'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { base58btc } from 'multiformats/bases/base58'
import { setMaxListeners, TypedEventEmitter } from 'main-event'
import { makeCard, open, seal, verifyCard, newerCard, ReplayGuard, ReplayError } from '../seal/index.js'
import { SealedEnvelope } from '../seal/seal-pb.js'
import { blindOpen, blindSeal } from './blind.js'
import { ChatPayload, PayloadKind, type GroupState, type GroupMember, type GroupMessage, type FileOffer as FileOfferPb } from './chat-pb.js'
import { CHAT_PROTOCOL, sendDirect, serveDirect, type DeliverResult } from './direct.js'
import { ChatError, ContactNotFoundError, GroupCryptoError, GroupNotFoundError } from './errors.js'
import { FileServer, makeOffer, receiveFile, FILE_PROTOCOL, DEFAULT_MAX_FILE_BYTES } from './files.js'
import { newGroupId, newGroupKey, openGroupMessage, sealGroupMessage } from './groups.js'
import { decodeInvite, encodeInvite, inviteMultiaddr, mailboxMultiaddr, type Invite } from './invite.js'
import { deleteBlobs, depositBlob, fetchBlobs, registerInbox } from './mailbox.js'
import { safetyNumber } from './safety.js'
import { Sequencer } from './sequencer.js'
import type { ChatStore } from './store.js'
import type { KeyCard, SealKeyRing } from '../seal/index.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { Libp2p } from 'libp2p'

const log = logger('p2p-tor:chat')

const CHAT_CONTEXT = { kind: 'chat' as const, name: 'direct' }
const DAY = 24 * 60 * 60 * 1000
/** A mailbox keeps blobs 7 days by default: a sealed time up to 8 days old still opens. */
const CHAT_SKEW_MS = 8 * DAY
const MAX_TEXT_BYTES = 64 * 1024
const MAX_PENDING_REQUESTS = 64
const MAX_NAME_CHARS = 64
const MAX_GROUP_MEMBERS = 64

export type ContactState = 'requested' | 'pending' | 'accepted' | 'member'
export type DeliveryState = 'queued' | 'sent' | 'delivered' | 'read' | 'failed'

interface ContactRecord {
  local: string
  name: string
  peerId: string
  invite: string
  /** SignedKeyCard bytes, base64 */
  card?: string
  state: ContactState
  verified: boolean
  /** the safety number this contact had before its identity key changed */
  previousSafety?: string
  sendSeq: number
  recvNext: number
  created: number
}

interface OutboxRecord {
  seq: number
  /** seal id, hex */
  id: string
  /** ChatPayload bytes, base64 */
  payload: string
  time: number
  state: 'queued' | 'sent'
  /** history key of the entry whose state this delivery moves */
  history?: string
}

interface HistoryRecord {
  key: string
  contact: string
  dir: 'in' | 'out'
  time: number
  text: string
  /** seal id, hex */
  id: string
  state: DeliveryState
  group?: string
  /** for an incoming group message: who sent it */
  from?: string
  kind: 'text' | 'file' | 'system'
  read?: boolean
}

interface GroupRecord {
  id: string
  name: string
  epoch: number
  /** base64 key of each epoch this member holds (the newest last) */
  keys: Record<string, string>
  admin: string
  members: Array<{ peerId: string, invite: string, card: string, name: string }>
  removed: boolean
}

export interface ContactView {
  name: string
  peerId: string
  state: ContactState
  verified: boolean
  keyChanged: boolean
  address: string
  safetyNumber: string
  hasMailbox: boolean
}

export interface MessageView {
  id: string
  contact: string
  dir: 'in' | 'out'
  time: number
  text: string
  state: DeliveryState
  group?: string
  from?: string
  kind: 'text' | 'file' | 'system'
  read: boolean
}

export interface GroupView {
  id: string
  name: string
  epoch: number
  admin: string
  members: Array<{ peerId: string, name: string }>
  removed: boolean
}

export interface ChatEvents {
  message: CustomEvent<MessageView>
  state: CustomEvent<{ id: string, contact: string, state: DeliveryState }>
  request: CustomEvent<{ name: string, peerId: string }>
  contact: CustomEvent<ContactView>
  'key-changed': CustomEvent<{ name: string, peerId: string, previous: string, now: string }>
  group: CustomEvent<GroupView>
  'file-offer': CustomEvent<{ contact: string, id: string, name: string, size: number }>
  'file-progress': CustomEvent<{ contact: string, id: string, received: number, size: number }>
  'file-done': CustomEvent<{ contact: string, id: string, path: string, bytes: number, resumedFrom: number[] }>
  'file-failed': CustomEvent<{ contact: string, id: string, error: string }>
  mailbox: CustomEvent<{ fetched: number }>
  warning: CustomEvent<{ message: string }>
}

export interface ChatClientOptions {
  /** started, with its onion service (or loopback TCP in tests) listening */
  node: Libp2p
  privateKey: PrivateKey
  sealKeys: SealKeyRing
  store: ChatStore
  /** this user's own invite (their address, and mailbox if any) */
  invite: Invite
  /** a fresh dial-only node with a random identity, for deposits (the mailbox must not learn who deposits) */
  depositNode: () => Promise<Libp2p>
  downloadsDir: string
  readReceipts?: boolean
  maxFileBytes?: number
  /** accept files offered by contacts at once (up to maxFileBytes). @default true */
  autoReceiveFiles?: boolean
  /** how long a direct attempt may take before the mailbox is used. @default 60 s */
  directTimeoutMs?: number
  /** how often the own mailbox is fetched. @default 30 s; 0 = only when asked */
  mailboxPollMs?: number
  /** first retry delay of a contact's queue; doubles to 2 min. @default 5 s */
  retryMs?: number
  now?: () => number
  /**
   * Where to dial a contact or a mailbox. @default the invite's /onion3
   * address. The fake tier maps invites to loopback TCP addresses here.
   */
  dialAddress?: (invite: Invite, which: 'contact' | 'mailbox') => string
  /** told of every group message that arrives, before it is opened (tests, audits) */
  onGroupMessage?: (gm: GroupMessage, from: string) => void
  /** the name this user suggests for itself in requests and accepts (the other side may rename) */
  selfName?: string
  /** read the store only: no sending, no mailbox polling (`p2p-tor chat inbox`) */
  offline?: boolean
}

const enc = new TextEncoder()
const dec = new TextDecoder()
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
const unb64 = (s: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(s, 'base64'))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const unhex = (s: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(s, 'hex'))
const pad = (n: number, w: number): string => String(n).padStart(w, '0')

function cleanName (name: string): string {
  // names are shown in a terminal: no control characters, bounded
  const clean = name.normalize('NFC').replace(/[\p{Cc}\p{Cf}]/gu, '').trim().slice(0, MAX_NAME_CHARS)
  return clean === '' ? 'contact' : clean
}

export class ChatClient extends TypedEventEmitter<ChatEvents> {
  private readonly opts: ChatClientOptions
  private readonly node: Libp2p
  private readonly store: ChatStore
  private readonly me: PeerId
  private readonly contacts = new Map<string, ContactRecord>() // by peerId
  private readonly groups = new Map<string, GroupRecord>()
  private readonly sequencers = new Map<string, Sequencer<Uint8Array>>()
  private readonly replay = new ReplayGuard({ skewMs: CHAT_SKEW_MS, windowMs: 2 * CHAT_SKEW_MS })
  private readonly files: FileServer
  private readonly flushing = new Map<string, Promise<void>>()
  private readonly retryAt = new Map<string, { delay: number, timer?: ReturnType<typeof setTimeout> }>()
  private readonly abort = new AbortController()
  private serialTail: Promise<unknown> = Promise.resolve()
  private myCardBytes!: Uint8Array
  private myCard!: KeyCard
  private pollTimer?: ReturnType<typeof setInterval>
  private registered = false
  private stopped = false
  private readonly receiving = new Set<string>()

  private constructor (opts: ChatClientOptions) {
    super()
    this.opts = opts
    this.node = opts.node
    this.store = opts.store
    this.me = opts.node.peerId
    this.files = new FileServer(opts.node)
    // every deposit, fetch and file transfer listens on it
    setMaxListeners(Infinity, this.abort.signal)
  }

  static async start (opts: ChatClientOptions): Promise<ChatClient> {
    const c = new ChatClient(opts)
    await c.load()
    await c.node.handle(CHAT_PROTOCOL, async (stream: any, connection?: any) => {
      // libp2p 3 passes (stream, connection); older handlers get ({ stream, connection })
      const s = stream?.stream ?? stream
      const conn = connection ?? stream?.connection
      await serveDirect(s, conn.remotePeer, {
        myCard: () => c.myCardBytes,
        onHello: async (card, remote) => { await c.onHello(card, remote) },
        onDeliver: async (sealed, remote) => await c.serial(async () => await c.onSealed(sealed, remote, 'direct'))
      })
    }, { maxInboundStreams: 32, runOnLimitedConnection: false } as any)
    await c.files.start()
    const poll = opts.mailboxPollMs ?? 30_000
    if (opts.invite.mailbox != null && opts.offline !== true) {
      // register at once (contacts may deposit only into a registered inbox), then fetch on every poll
      c.registerInBackground(poll > 0)
      if (poll > 0) {
        c.pollTimer = setInterval(() => { c.checkMailbox().catch(err => c.warn(`mailbox: ${String(err?.message ?? err)}`)) }, poll)
        c.pollTimer.unref?.()
      }
    }
    const onUp = (): void => { c.flushAll() }
    c.node.addEventListener('tor:reachable' as any, onUp)
    c.node.addEventListener('tor:up' as any, onUp)
    c.flushAll()
    return c
  }

  // ---------------------------------------------------------------- state

  private async load (): Promise<void> {
    this.myCard = await makeCard(this.opts.privateKey, this.opts.sealKeys.current)
    this.myCardBytes = this.myCard.bytes
    for await (const [, value] of this.store.entries('c/')) {
      const rec = JSON.parse(dec.decode(value)) as ContactRecord
      this.contacts.set(rec.peerId, rec)
    }
    for await (const [, value] of this.store.entries('g/')) {
      const rec = JSON.parse(dec.decode(value)) as GroupRecord
      this.groups.set(rec.id, rec)
    }
    for (const rec of this.contacts.values()) {
      const seq = new Sequencer<Uint8Array>({ next: rec.recvNext })
      for await (const [key, value] of this.store.entries(`b/${rec.local}/`)) {
        seq.accept(Number(key.split('/')[2]), value)
      }
      this.sequencers.set(rec.peerId, seq)
    }
  }

  private async serial<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.serialTail.then(fn, fn)
    this.serialTail = run.catch(() => {})
    return await run
  }

  private now (): number {
    return this.opts.now?.() ?? Date.now()
  }

  private async putJson (key: string, value: unknown): Promise<void> {
    await this.store.put(key, enc.encode(JSON.stringify(value)))
  }

  private async saveContact (rec: ContactRecord): Promise<void> {
    this.contacts.set(rec.peerId, rec)
    await this.putJson(`c/${rec.local}`, rec)
  }

  private async saveGroup (g: GroupRecord): Promise<void> {
    this.groups.set(g.id, g)
    await this.putJson(`g/${g.id}`, g)
  }

  private warn (message: string): void {
    log('warning: %s', message)
    this.safeDispatch('warning', { message })
  }

  private safeDispatch<K extends keyof ChatEvents> (type: K, detail: ChatEvents[K]['detail']): void {
    this.safeDispatchEvent(type, { detail } as any)
  }

  private view (rec: ContactRecord): ContactView {
    let address = ''
    let hasMailbox = false
    try {
      const inv = decodeInvite(rec.invite)
      address = inviteMultiaddr(inv)
      hasMailbox = inv.mailbox != null
    } catch {}
    return {
      name: rec.name,
      peerId: rec.peerId,
      state: rec.state,
      verified: rec.verified,
      keyChanged: rec.previousSafety != null,
      address,
      safetyNumber: safetyNumber(this.me, peerIdFromString(rec.peerId)),
      hasMailbox
    }
  }

  private byLocal (local: string): ContactRecord | undefined {
    for (const c of this.contacts.values()) if (c.local === local) return c
    return undefined
  }

  /** History records, newest first, with their store keys. */
  private async * historyRecords (): AsyncGenerator<HistoryRecord> {
    for await (const [key, value] of this.store.entries('h/', { reverse: true })) {
      yield { ...(JSON.parse(dec.decode(value)) as HistoryRecord), key }
    }
  }

  private addressOf (inv: Invite, which: 'contact' | 'mailbox'): string {
    if (this.opts.dialAddress != null) return this.opts.dialAddress(inv, which)
    if (which === 'contact') return inviteMultiaddr(inv)
    const mb = mailboxMultiaddr(inv)
    if (mb == null) throw new ChatError('this invite names no mailbox')
    return mb
  }

  private contactByName (name: string): ContactRecord {
    for (const rec of this.contacts.values()) {
      if (rec.state !== 'member' && (rec.name === name || rec.peerId === name)) return rec
    }
    throw new ContactNotFoundError(name)
  }

  private uniqueName (wanted: string, peerId: string): string {
    const base = cleanName(wanted)
    let name = base
    for (let i = 2; i < 1000; i++) {
      const taken = [...this.contacts.values()].some(c => c.name === name && c.peerId !== peerId && c.state !== 'member')
      if (!taken) return name
      name = `${base}-${i}`
    }
    return `${base}-${peerId.slice(-6)}`
  }

  // ---------------------------------------------------------------- public

  get peerId (): string {
    return this.me.toString()
  }

  inviteCode (): string {
    return encodeInvite(this.opts.invite)
  }

  address (): string {
    return inviteMultiaddr(this.opts.invite)
  }

  listContacts (): ContactView[] {
    return [...this.contacts.values()].filter(c => c.state !== 'member').map(c => this.view(c))
  }

  contact (name: string): ContactView {
    return this.view(this.contactByName(name))
  }

  listGroups (): GroupView[] {
    return [...this.groups.values()].map(g => this.groupView(g))
  }

  private groupView (g: GroupRecord): GroupView {
    return { id: g.id, name: g.name, epoch: g.epoch, admin: g.admin, members: g.members.map(m => ({ peerId: m.peerId, name: this.contacts.get(m.peerId)?.name ?? m.name })), removed: g.removed }
  }

  /** Adds a contact from their invite and sends them a request (queued until it can be delivered). */
  async add (inviteText: string, name?: string): Promise<ContactView> {
    return await this.serial(async () => {
      const inv = decodeInvite(inviteText)
      if (inv.peerId === this.me.toString()) throw new ChatError('that invite is your own: share it with a contact instead')
      const text = encodeInvite(inv)
      let rec = this.contacts.get(inv.peerId)
      const changed = rec == null ? await this.noticeKeyChange(inv) : undefined
      if (changed != null) {
        // the new key is added as asked: our request goes to it, and it stays unverified
        rec = changed
        rec.state = 'requested'
        if (name != null) rec.name = this.uniqueName(name, rec.peerId)
      } else if (rec == null) {
        rec = { local: hex(randomBytes(8)), name: this.uniqueName(name ?? `contact-${inv.peerId.slice(-6)}`, inv.peerId), peerId: inv.peerId, invite: text, state: 'requested', verified: false, sendSeq: 0, recvNext: 1, created: this.now() }
        this.sequencers.set(rec.peerId, new Sequencer({ next: 1 }))
      } else {
        rec.invite = text
        if (name != null) rec.name = this.uniqueName(name, rec.peerId)
        if (rec.state === 'member') rec.state = 'requested'
        if (rec.state === 'pending') rec.state = 'accepted'
      }
      await this.saveContact(rec)
      const kind = rec.state === 'accepted' ? PayloadKind.ACCEPT : PayloadKind.REQUEST
      await this.enqueue(rec, { kind, invite: this.inviteCode(), name: this.opts.selfName })
      this.safeDispatch('contact', this.view(rec))
      return this.view(rec)
    })
  }

  /** Accepts a pending request (by the name it was filed under, or PeerId). */
  async accept (name: string): Promise<ContactView> {
    return await this.serial(async () => {
      const rec = this.contactByName(name)
      if (rec.state !== 'pending') throw new ChatError(`${rec.name} has no request waiting (state: ${rec.state})`)
      rec.state = 'accepted'
      await this.saveContact(rec)
      await this.enqueue(rec, { kind: PayloadKind.ACCEPT, invite: this.inviteCode(), name: this.opts.selfName })
      this.safeDispatch('contact', this.view(rec))
      return this.view(rec)
    })
  }

  async rename (name: string, to: string): Promise<void> {
    await this.serial(async () => {
      const rec = this.contactByName(name)
      rec.name = this.uniqueName(to, rec.peerId)
      await this.saveContact(rec)
    })
  }

  /** Marks the contact verified (after comparing safety numbers); clears a key-change warning. */
  async verify (name: string): Promise<ContactView> {
    return await this.serial(async () => {
      const rec = this.contactByName(name)
      rec.verified = true
      delete rec.previousSafety
      await this.saveContact(rec)
      return this.view(rec)
    })
  }

  async send (name: string, text: string): Promise<MessageView> {
    if (enc.encode(text).length > MAX_TEXT_BYTES) throw new ChatError(`a message is at most ${MAX_TEXT_BYTES} bytes: send a file instead`)
    return await this.serial(async () => {
      const rec = this.contactByName(name)
      const entry = this.historyEntry(rec, 'out', text, 'text')
      const { id } = await this.enqueue(rec, { kind: PayloadKind.TEXT, text }, entry.key)
      entry.id = id
      await this.putJson(entry.key, entry)
      return this.messageView(entry)
    })
  }

  async sendFile (name: string, path: string): Promise<{ id: string, name: string, size: number }> {
    const offer = await makeOffer(path, { maxBytes: this.opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES })
    return await this.serial(async () => {
      const rec = this.contactByName(name)
      this.files.offer(offer, path, rec.peerId)
      const entry = this.historyEntry(rec, 'out', `file ${offer.name} (${offer.size} bytes)`, 'file')
      const file: FileOfferPb = { id: offer.id as Uint8Array<ArrayBuffer>, name: offer.name, size: offer.size, sha256: offer.sha256 as Uint8Array<ArrayBuffer> }
      const { id } = await this.enqueue(rec, { kind: PayloadKind.FILE_OFFER, file }, entry.key)
      entry.id = id
      await this.putJson(entry.key, entry)
      return { id: hex(offer.id), name: offer.name, size: offer.size }
    })
  }

  /** The newest `limit` entries with one contact (or all), oldest first. */
  async history (name?: string, limit = 100): Promise<MessageView[]> {
    const local = name == null ? undefined : this.contactByName(name).local
    const out: MessageView[] = []
    for await (const h of this.historyRecords()) {
      if (local != null && h.contact !== local) continue
      out.push(this.messageView(h))
      if (out.length >= limit) break
    }
    return out.reverse()
  }

  /** Incoming messages not yet marked read, oldest first. */
  async inbox (limit = 1000): Promise<MessageView[]> {
    const out: MessageView[] = []
    for await (const h of this.historyRecords()) {
      if (h.dir === 'in' && h.read !== true) out.push(this.messageView(h))
      if (out.length >= limit) break
    }
    return out.reverse()
  }

  /** Marks incoming messages read; sends read receipts if enabled. */
  async markRead (ids: string[]): Promise<void> {
    await this.serial(async () => {
      const want = new Set(ids)
      const receipts = new Map<string, Uint8Array[]>()
      for await (const h of this.historyRecords()) {
        if (want.size === 0) break
        if (!want.has(h.id) || h.dir !== 'in') continue
        want.delete(h.id)
        if (h.read === true) continue
        h.read = true
        await this.putJson(h.key, h)
        if (this.opts.readReceipts === true && h.group == null) {
          const list = receipts.get(h.contact) ?? []
          list.push(unhex(h.id))
          receipts.set(h.contact, list)
        }
      }
      for (const [local, list] of receipts) {
        const rec = this.byLocal(local)
        if (rec != null && rec.state === 'accepted') await this.enqueue(rec, { kind: PayloadKind.RECEIPT, ids: list as Array<Uint8Array<ArrayBuffer>>, read: true })
      }
    })
  }

  safetyNumberOf (name: string): string {
    return this.view(this.contactByName(name)).safetyNumber
  }

  // ---------------------------------------------------------------- groups

  async createGroup (name: string, memberNames: string[]): Promise<GroupView> {
    return await this.serial(async () => {
      const members = memberNames.map(n => this.contactByName(n))
      for (const m of members) {
        if (m.state !== 'accepted' || m.card == null) throw new ChatError(`${m.name} must be an accepted contact before joining a group`)
      }
      if (members.length + 1 > MAX_GROUP_MEMBERS) throw new ChatError(`a group has at most ${MAX_GROUP_MEMBERS} members`)
      const g: GroupRecord = { id: hex(newGroupId()), name: cleanName(name), epoch: 1, keys: { 1: b64(newGroupKey()) }, admin: this.me.toString(), members: [this.selfMember(), ...members.map(m => ({ peerId: m.peerId, invite: m.invite, card: m.card ?? '', name: m.name }))], removed: false }
      await this.saveGroup(g)
      await this.sendGroupState(g, g.members.map(m => m.peerId))
      this.safeDispatch('group', this.groupView(g))
      return this.groupView(g)
    })
  }

  async inviteToGroup (group: string, name: string): Promise<GroupView> {
    return await this.serial(async () => {
      const g = this.groupByName(group)
      this.requireAdmin(g)
      const m = this.contactByName(name)
      if (m.state !== 'accepted' || m.card == null) throw new ChatError(`${m.name} must be an accepted contact before joining a group`)
      if (g.members.some(x => x.peerId === m.peerId)) return this.groupView(g)
      if (g.members.length + 1 > MAX_GROUP_MEMBERS) throw new ChatError(`a group has at most ${MAX_GROUP_MEMBERS} members`)
      g.members.push({ peerId: m.peerId, invite: m.invite, card: m.card, name: m.name })
      // a new member gets a new key too: it cannot read what was said before it joined
      g.epoch++
      g.keys = { [g.epoch]: b64(newGroupKey()) }
      await this.saveGroup(g)
      await this.sendGroupState(g, g.members.map(x => x.peerId))
      this.safeDispatch('group', this.groupView(g))
      return this.groupView(g)
    })
  }

  /** Removes a member (admin only): a new key goes to the others; the removed member is told it was removed, without the key. */
  async removeFromGroup (group: string, name: string): Promise<GroupView> {
    return await this.serial(async () => {
      const g = this.groupByName(group)
      this.requireAdmin(g)
      const peer = this.findMember(g, name)
      g.members = g.members.filter(m => m.peerId !== peer)
      g.epoch++
      g.keys = { [g.epoch]: b64(newGroupKey()) }
      await this.saveGroup(g)
      await this.sendGroupState(g, g.members.map(m => m.peerId))
      await this.sendGroupState(g, [peer], { withoutKey: true })
      this.safeDispatch('group', this.groupView(g))
      return this.groupView(g)
    })
  }

  /** Leaves a group. The admin leaving hands the group to the next member, who rekeys it. */
  async leaveGroup (group: string): Promise<void> {
    await this.serial(async () => {
      const g = this.groupByName(group)
      const self = this.me.toString()
      const rest = g.members.filter(m => m.peerId !== self)
      if (g.admin === self) {
        // hand over: the remaining members get a new key from us, with a new admin
        g.members = rest
        g.admin = rest[0]?.peerId ?? self
        g.epoch++
        g.keys = { [g.epoch]: b64(newGroupKey()) }
        if (rest.length > 0) await this.sendGroupState(g, rest.map(m => m.peerId))
      } else {
        // ask the admin to rekey without us
        await this.sendGroupLeave(g)
      }
      g.removed = true
      g.keys = {}
      await this.saveGroup(g)
      this.safeDispatch('group', this.groupView(g))
    })
  }

  async sendGroup (group: string, text: string): Promise<MessageView> {
    return await this.serial(async () => {
      const g = this.groupByName(group)
      if (g.removed) throw new ChatError(`you are no longer a member of group ${g.name}`)
      const key = g.keys[String(g.epoch)]
      if (key == null) throw new ChatError(`no key for group ${g.name} epoch ${g.epoch}`)
      const gm = await sealGroupMessage(this.opts.privateKey, this.me, { id: unhex(g.id), epoch: g.epoch, key: unb64(key) }, enc.encode(text))
      const entry: HistoryRecord = { key: this.historyKey(), contact: '', dir: 'out', time: this.now(), text, id: hex(randomBytes(16)), state: 'queued', group: g.id, kind: 'text' }
      await this.putJson(entry.key, entry)
      for (const m of g.members) {
        if (m.peerId === this.me.toString()) continue
        const rec = await this.memberContact(m)
        await this.enqueue(rec, { kind: PayloadKind.GROUP_MESSAGE, groupMessage: gm })
      }
      return this.messageView(entry)
    })
  }

  /**
   * Opens a group message with whatever key this member holds for its group
   * and epoch; GroupCryptoError if it holds none that opens it (a removed
   * member, a later epoch).
   */
  async openGroupMessage (gm: GroupMessage, sender: string): Promise<string> {
    const g = this.groups.get(hex(gm.groupId))
    if (g == null) throw new GroupCryptoError('this member holds no key of that group')
    for (const key of Object.values(g.keys)) {
      try {
        return dec.decode(await openGroupMessage({ ...gm }, unb64(key), peerIdFromString(sender)))
      } catch {}
    }
    throw new GroupCryptoError(`none of this member's keys of ${g.name} (epochs ${Object.keys(g.keys).join(', ') || 'none'}) opens a message of epoch ${gm.epoch}`)
  }

  private groupByName (name: string): GroupRecord {
    for (const g of this.groups.values()) if (g.name === name || g.id === name) return g
    throw new GroupNotFoundError(name)
  }

  private requireAdmin (g: GroupRecord): void {
    if (g.admin !== this.me.toString()) throw new ChatError(`only the group's admin (${this.contacts.get(g.admin)?.name ?? g.admin}) can change its members`)
  }

  private findMember (g: GroupRecord, name: string): string {
    const byContact = [...this.contacts.values()].find(c => c.name === name && c.state !== 'member')
    const m = g.members.find(x => x.peerId === name || x.peerId === byContact?.peerId || x.name === name)
    if (m == null) throw new ChatError(`${name} is not a member of group ${g.name}`)
    return m.peerId
  }

  private selfMember (): GroupRecord['members'][number] {
    return { peerId: this.me.toString(), invite: this.inviteCode(), card: b64(this.myCardBytes), name: 'me' }
  }

  private async memberContact (m: GroupRecord['members'][number]): Promise<ContactRecord> {
    let rec = this.contacts.get(m.peerId)
    if (rec == null) {
      rec = { local: hex(randomBytes(8)), name: cleanName(m.name), peerId: m.peerId, invite: m.invite, card: m.card, state: 'member', verified: false, sendSeq: 0, recvNext: 1, created: this.now() }
      this.sequencers.set(rec.peerId, new Sequencer({ next: 1 }))
      await this.saveContact(rec)
    } else if (rec.card == null && m.card !== '') {
      rec.card = m.card
      await this.saveContact(rec)
    }
    return rec
  }

  private async sendGroupState (g: GroupRecord, to: string[], opts: { withoutKey?: boolean } = {}): Promise<void> {
    const state: GroupState = {
      id: unhex(g.id),
      name: g.name,
      epoch: g.epoch,
      key: opts.withoutKey === true ? undefined : unb64(g.keys[String(g.epoch)]),
      admin: peerIdFromString(g.admin).toMultihash().bytes as Uint8Array<ArrayBuffer>,
      members: g.members.map((m): GroupMember => ({ peerId: peerIdFromString(m.peerId).toMultihash().bytes as Uint8Array<ArrayBuffer>, invite: m.invite, card: unb64(m.card), name: m.name }))
    }
    for (const peer of to) {
      if (peer === this.me.toString()) continue
      const m = g.members.find(x => x.peerId === peer)
      const rec = this.contacts.get(peer) ?? (m != null ? await this.memberContact(m) : undefined)
      if (rec == null) continue
      await this.enqueue(rec, { kind: PayloadKind.GROUP_STATE, group: state })
    }
  }

  private async sendGroupLeave (g: GroupRecord): Promise<void> {
    const rec = this.contacts.get(g.admin)
    if (rec == null) return
    // a state from a non-admin with ourselves left out is a request to leave
    const state: GroupState = {
      id: unhex(g.id),
      name: g.name,
      epoch: g.epoch,
      admin: peerIdFromString(g.admin).toMultihash().bytes as Uint8Array<ArrayBuffer>,
      members: g.members.filter(m => m.peerId !== this.me.toString()).map((m): GroupMember => ({ peerId: peerIdFromString(m.peerId).toMultihash().bytes as Uint8Array<ArrayBuffer>, invite: m.invite, card: unb64(m.card), name: m.name }))
    }
    await this.enqueue(rec, { kind: PayloadKind.GROUP_STATE, group: state })
  }

  // ---------------------------------------------------------------- history

  private historyKey (): string {
    return `h/${pad(this.now(), 15)}/${hex(randomBytes(4))}`
  }

  private historyEntry (rec: ContactRecord, dir: 'in' | 'out', text: string, kind: HistoryRecord['kind']): HistoryRecord {
    return { key: this.historyKey(), contact: rec.local, dir, time: this.now(), text, id: '', state: dir === 'out' ? 'queued' : 'delivered', kind }
  }

  private messageView (h: HistoryRecord): MessageView {
    const rec = this.byLocal(h.contact)
    const group = h.group != null ? this.groups.get(h.group)?.name ?? h.group : undefined
    const from = h.from != null ? (this.contacts.get(h.from)?.name ?? h.from) : undefined
    return { id: h.id, contact: rec?.name ?? '', dir: h.dir, time: h.time, text: h.text, state: h.state, group, from, kind: h.kind, read: h.read === true }
  }

  private async setHistoryState (key: string | undefined, state: DeliveryState): Promise<void> {
    if (key == null) return
    const raw = await this.store.get(key)
    if (raw == null) return
    const h = JSON.parse(dec.decode(raw)) as HistoryRecord
    const order: DeliveryState[] = ['queued', 'sent', 'delivered', 'read']
    if (order.indexOf(state) <= order.indexOf(h.state)) return
    h.state = state
    await this.putJson(key, h)
    const rec = this.byLocal(h.contact)
    this.safeDispatch('state', { id: h.id, contact: rec?.name ?? '', state })
  }

  // ---------------------------------------------------------------- outbox

  private async enqueue (rec: ContactRecord, payload: Partial<ChatPayload>, historyKey?: string): Promise<{ id: string, seq: number }> {
    rec.sendSeq++
    const item: OutboxRecord = { seq: rec.sendSeq, id: hex(randomBytes(16)), payload: b64(ChatPayload.encode(payload as ChatPayload)), time: this.now(), state: 'queued', history: historyKey }
    await this.store.batch([
      { type: 'put', key: `c/${rec.local}`, value: enc.encode(JSON.stringify(rec)) },
      { type: 'put', key: `o/${rec.local}/${pad(item.seq, 12)}`, value: enc.encode(JSON.stringify(item)) }
    ])
    this.contacts.set(rec.peerId, rec)
    this.scheduleFlush(rec.peerId, 0)
    return { id: item.id, seq: item.seq }
  }

  private async outbox (rec: ContactRecord): Promise<OutboxRecord[]> {
    const items: OutboxRecord[] = []
    for await (const [, value] of this.store.entries(`o/${rec.local}/`)) items.push(JSON.parse(dec.decode(value)) as OutboxRecord)
    return items
  }

  private async sealItem (rec: ContactRecord, item: OutboxRecord, card: KeyCard): Promise<Uint8Array> {
    return await seal({
      payload: unb64(item.payload),
      context: CHAT_CONTEXT,
      sender: { peerId: this.me, keys: this.opts.sealKeys },
      recipients: [card],
      id: unhex(item.id),
      time: item.time,
      seq: item.seq,
      pad: true
    })
  }

  private async cardOf (rec: ContactRecord): Promise<KeyCard | undefined> {
    if (rec.card == null) return undefined
    return await this.verified(unb64(rec.card), rec.peerId)
  }

  /** Sends every contact's queue now (after tor came back, at start). */
  flushAll (): void {
    for (const peer of this.contacts.keys()) this.scheduleFlush(peer, 0)
  }

  /** Tries one contact's queue now and waits for the attempt (or `signal`). */
  async flush (name: string, signal?: AbortSignal): Promise<void> {
    const rec = this.contactByName(name)
    const attempt = this.flushContact(rec.peerId)
    if (signal == null) { await attempt; return }
    signal.throwIfAborted()
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { reject(signal.reason) }
      signal.addEventListener('abort', onAbort, { once: true })
      attempt.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
    })
  }

  private scheduleFlush (peer: string, delay: number): void {
    if (this.stopped || this.opts.offline === true) return
    const r = this.retryAt.get(peer) ?? { delay: this.opts.retryMs ?? 5000 }
    if (r.timer != null) clearTimeout(r.timer)
    r.timer = setTimeout(() => {
      r.timer = undefined
      this.flushContact(peer).catch(err => { log('flush %s failed: %s', peer, err?.message) })
    }, delay)
    r.timer.unref?.()
    this.retryAt.set(peer, r)
  }

  private async flushContact (peer: string): Promise<void> {
    const running = this.flushing.get(peer)
    if (running != null) { await running; return }
    const p = this.doFlush(peer).finally(() => this.flushing.delete(peer))
    this.flushing.set(peer, p)
    await p
  }

  private async doFlush (peer: string): Promise<void> {
    if (this.stopped) return
    const rec = this.contacts.get(peer)
    if (rec == null) return
    let items = await this.outbox(rec)
    if (items.length === 0) return
    // until they accept, only the request (or our accept) goes out
    if (rec.state === 'requested') items = items.filter(i => this.kindOf(i) === PayloadKind.REQUEST || this.kindOf(i) === PayloadKind.ACCEPT)
    if (rec.state === 'pending') return
    if (items.length === 0) return
    const retry = this.retryAt.get(peer) ?? { delay: this.opts.retryMs ?? 5000 }
    let remaining = items.length
    try {
      remaining = await this.sendDirectly(rec, items)
    } catch (err: any) {
      log('direct to %s failed: %s', rec.name, err?.message)
    }
    if (remaining > 0) {
      const fresh = await this.outbox(rec)
      const queued = fresh.filter(i => i.state === 'queued' && (rec.state !== 'requested' || this.kindOf(i) === PayloadKind.REQUEST || this.kindOf(i) === PayloadKind.ACCEPT))
      if (queued.length > 0) {
        try {
          await this.depositAll(rec, queued)
        } catch (err: any) {
          log('mailbox of %s failed: %s', rec.name, err?.message)
        }
      }
      const left = (await this.outbox(rec)).length
      if (left > 0 && !this.stopped) {
        this.scheduleFlush(peer, retry.delay)
        retry.delay = Math.min(retry.delay * 2, 120_000)
        this.retryAt.set(peer, retry)
      }
    } else {
      retry.delay = this.opts.retryMs ?? 5000
      // more may have been queued meanwhile
      if ((await this.outbox(rec)).some(i => i.state === 'queued')) this.scheduleFlush(peer, 0)
    }
  }

  private kindOf (item: OutboxRecord): PayloadKind {
    return ChatPayload.decode(unb64(item.payload)).kind
  }

  /** Returns how many items are still not acknowledged. */
  private async sendDirectly (rec: ContactRecord, items: OutboxRecord[]): Promise<number> {
    const inv = decodeInvite(rec.invite)
    const addr = multiaddr(this.addressOf(inv, 'contact'))
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.opts.directTimeoutMs ?? 60_000)])
    let acked = 0
    const sealAll = async (card: KeyCard): Promise<Uint8Array[]> => await Promise.all(items.map(async item => await this.sealItem(rec, item, card)))
    await sendDirect(this.node, addr, this.myCardBytes, async (cardBytes) => {
      if (cardBytes == null) {
        // a card we already hold: seal now and send without waiting for their hello
        const known = await this.cardOf(this.contacts.get(rec.peerId) ?? rec)
        return known == null ? undefined : await sealAll(known)
      }
      const card = await this.cardOf(this.contacts.get(rec.peerId) ?? rec)
      if (card == null) throw new ChatError(`no key card for ${rec.name}`)
      return await sealAll(card)
    }, async (cardBytes) => {
      await this.serial(async () => { await this.takeCard(rec.peerId, cardBytes) })
    }, async (index, result) => {
      await this.serial(async () => {
        const item = items[index]
        if (result.ok) {
          acked++
          await this.store.del(`o/${rec.local}/${pad(item.seq, 12)}`)
          await this.setHistoryState(item.history, 'delivered')
        } else {
          log('%s refused %d: %s', rec.name, item.seq, result.refused)
        }
      })
    }, { signal })
    return items.length - acked
  }

  private async depositAll (rec: ContactRecord, items: OutboxRecord[]): Promise<void> {
    const inv = decodeInvite(rec.invite)
    if (inv.mailbox == null) return
    const card = await this.cardOf(rec)
    if (card == null) return // we have never seen their key card: only a direct contact can start
    const node = await this.opts.depositNode()
    try {
      const addr = multiaddr(this.addressOf(inv, 'mailbox'))
      for (const item of items) {
        const sealed = await this.sealItem(rec, item, card)
        const blob = await blindSeal(card, sealed, inv.mailbox.inbox)
        await depositBlob(node, addr, inv.mailbox.inbox, blob, { signal: this.abort.signal })
        await this.serial(async () => {
          item.state = 'sent'
          await this.putJson(`o/${rec.local}/${pad(item.seq, 12)}`, item)
          await this.setHistoryState(item.history, 'sent')
        })
      }
    } finally {
      await Promise.resolve(node.stop()).catch(() => {})
    }
  }

  // ---------------------------------------------------------------- mailbox

  /** Registers the own inbox, retrying with capped backoff until it works or the client stops; then fetches once if asked. */
  private registerInBackground (thenFetch: boolean): void {
    const mb = this.opts.invite.mailbox
    if (mb == null) return
    const addr = multiaddr(this.addressOf(this.opts.invite, 'mailbox'))
    void (async () => {
      let delay = 1000
      for (let attempt = 1; !this.stopped && !this.registered; attempt++) {
        try {
          await registerInbox(this.node, addr, mb.inbox, { signal: this.abort.signal })
          this.registered = true
        } catch (err: any) {
          if (this.stopped) return
          if (attempt === 3) this.warn(`the mailbox is not reachable yet (${String(err?.message)}); still trying`)
          await new Promise(resolve => { const t = setTimeout(resolve, delay); t.unref?.() })
          delay = Math.min(delay * 2, 300_000)
        }
      }
      if (thenFetch && !this.stopped) await this.checkMailbox().catch(err => { this.warn(`mailbox: ${String(err?.message ?? err)}`) })
    })()
  }

  /** Fetches the own mailbox once: every blob is opened, stored, then deleted there. */
  async checkMailbox (): Promise<number> {
    const mb = this.opts.invite.mailbox
    if (mb == null || this.stopped) return 0
    const addr = multiaddr(this.addressOf(this.opts.invite, 'mailbox'))
    const signal = this.abort.signal
    if (!this.registered) {
      await registerInbox(this.node, addr, mb.inbox, { signal })
      this.registered = true
    }
    let total = 0
    for (let round = 0; round < 100; round++) {
      const blobs = await fetchBlobs(this.node, addr, mb.inbox, { limit: 64, signal })
      if (blobs.length === 0) break
      const done: bigint[] = []
      const receipts = new Map<string, Uint8Array[]>()
      for (const { id, blob } of blobs) {
        await this.serial(async () => {
          let sealed: Uint8Array
          try {
            sealed = await blindOpen(this.opts.sealKeys, blob, mb.inbox)
          } catch (err: any) {
            this.warn(`a mailbox blob did not open (${String(err?.message)}); dropped`)
            return
          }
          const result = await this.onSealed(sealed, undefined, 'mailbox')
          if (result.ok && result.from != null && result.receipt) {
            const list = receipts.get(result.from) ?? []
            list.push(result.id)
            receipts.set(result.from, list)
          }
        })
        done.push(id)
      }
      for (const [peer, ids] of receipts) {
        await this.serial(async () => {
          const rec = this.contacts.get(peer)
          if (rec != null) await this.enqueue(rec, { kind: PayloadKind.RECEIPT, ids: ids as Array<Uint8Array<ArrayBuffer>>, read: false })
        })
      }
      await deleteBlobs(this.node, addr, mb.inbox, done, { signal })
      total += blobs.length
    }
    if (total > 0) this.safeDispatch('mailbox', { fetched: total })
    return total
  }

  // ---------------------------------------------------------------- inbound

  private async onHello (cardBytes: Uint8Array, remote: PeerId): Promise<void> {
    // verify before anything: a card must be signed by the noise-proven PeerId
    await this.verified(cardBytes, remote)
    // a stranger's first request is sealed under this card: keep it for this peer (bounded)
    this.helloCards.delete(remote.toString())
    this.helloCards.set(remote.toString(), cardBytes)
    if (this.helloCards.size > 256) this.helloCards.delete(this.helloCards.keys().next().value as string)
    await this.serial(async () => { await this.takeCard(remote.toString(), cardBytes) })
  }

  /** Keeps the newest valid card of a known peer (rotation); unknown peers' cards are kept only with their request. */
  private async takeCard (peer: string, cardBytes: Uint8Array): Promise<void> {
    const rec = this.contacts.get(peer)
    if (rec == null) return
    const card = await this.verified(cardBytes, peer)
    const old = rec.card != null ? await this.verified(unb64(rec.card), peer).catch(() => undefined) : undefined
    const keep = old == null ? card : newerCard(old, card)
    if (old == null || keep !== old) {
      rec.card = b64(keep.bytes)
      await this.saveContact(rec)
    }
  }

  private readonly helloCards = new Map<string, Uint8Array>()
  /** Cards already verified (an Ed25519 check each), by PeerId and bytes; expiry is checked on every use. */
  private readonly verifiedCards = new Map<string, KeyCard>()

  /** verifyCard, once per distinct card: every message would otherwise verify its sender's card again. */
  private async verified (bytes: Uint8Array, peer: PeerId | string): Promise<KeyCard> {
    const key = `${peer.toString()}:${b64(bytes)}`
    const hit = this.verifiedCards.get(key)
    if (hit != null && (hit.expires == null || this.now() < hit.expires)) return hit
    const card = await verifyCard(bytes, peer, { now: this.now() })
    this.verifiedCards.set(key, card)
    if (this.verifiedCards.size > 1024) this.verifiedCards.delete(this.verifiedCards.keys().next().value as string)
    return card
  }

  /**
   * One sealed envelope from `remote` (direct: the noise peer) or from the
   * mailbox (remote unknown: the seal names the sender). Runs on the serial queue.
   */
  private async onSealed (sealed: Uint8Array, remote: PeerId | undefined, via: 'direct' | 'mailbox'): Promise<DeliverResult & { from?: string, receipt?: boolean }> {
    let opened
    try {
      opened = await open(sealed, {
        context: CHAT_CONTEXT,
        me: { peerId: this.me, keys: this.opts.sealKeys },
        senderCard: async (sender) => await this.senderCard(sender, sealed),
        replay: this.replay,
        now: this.now()
      })
    } catch (err: any) {
      if (err instanceof ReplayError) {
        // already stored once: acknowledge again so the sender stops
        const id = sealedId(sealed)
        if (id != null) return { ok: true, id }
      }
      return { ok: false, refused: `not opened: ${String(err?.reason ?? err?.name)}` }
    }
    const from = opened.sender.toString()
    if (remote != null && remote.toString() !== from) return { ok: false, refused: 'the sealed sender is not the connected peer' }
    let payload: ChatPayload
    try {
      payload = ChatPayload.decode(opened.payload)
    } catch {
      return { ok: false, refused: 'malformed payload' }
    }
    let rec = this.contacts.get(from)
    if (rec == null) {
      if (payload.kind !== PayloadKind.REQUEST) return { ok: false, refused: 'not a contact: send a request first' }
      const pending = [...this.contacts.values()].filter(c => c.state === 'pending').length
      if (pending >= MAX_PENDING_REQUESTS) return { ok: false, refused: 'too many requests waiting' }
      let inv: Invite
      try {
        inv = decodeInvite(payload.invite ?? '')
      } catch {
        return { ok: false, refused: 'the request carries no valid invite' }
      }
      if (inv.peerId !== from) return { ok: false, refused: 'the request\'s invite names another PeerId' }
      rec = (await this.noticeKeyChange(inv)) ?? { local: hex(randomBytes(8)), name: this.uniqueName(payload.name ?? `contact-${from.slice(-6)}`, from), peerId: from, invite: encodeInvite(inv), state: 'pending', verified: false, sendSeq: 0, recvNext: 1, created: this.now() }
      rec.card = b64(opened.senderCard.bytes)
      rec.invite = encodeInvite(inv)
      this.sequencers.set(from, new Sequencer({ next: 1 }))
      await this.saveContact(rec)
    }
    if (rec.card == null) {
      rec.card = b64(opened.senderCard.bytes)
      await this.saveContact(rec)
    }
    // from a requested-but-not-accepted peer we take the accept (or their own request) only
    if (rec.state === 'pending' && payload.kind !== PayloadKind.REQUEST) return { ok: false, refused: 'not accepted yet' }
    if (rec.state === 'requested' && payload.kind !== PayloadKind.ACCEPT && payload.kind !== PayloadKind.REQUEST) return { ok: false, refused: 'not accepted yet' }
    if (rec.state === 'member' && payload.kind !== PayloadKind.GROUP_MESSAGE && payload.kind !== PayloadKind.GROUP_STATE) return { ok: false, refused: 'a group member who is not a contact may send group messages only' }

    const seq = this.sequencers.get(from) ?? new Sequencer<Uint8Array>({ next: rec.recvNext })
    this.sequencers.set(from, seq)
    let step
    try {
      step = seq.accept(opened.seq, opened.payload)
    } catch (err: any) {
      return { ok: false, refused: `sequence gap: ${String(err?.message)}` }
    }
    const id = opened.id
    if (step.duplicate) return { ok: true, id, from, receipt: false }
    if (step.buffered) {
      await this.store.put(`b/${rec.local}/${opened.seq}`, opened.payload)
      return { ok: true, id, from, receipt: via === 'mailbox' }
    }
    // deliver in order: this one, then any buffered ones it released
    const firstSeq = seq.next - step.deliver.length
    for (let i = 0; i < step.deliver.length; i++) {
      const s = firstSeq + i
      const p = i === 0 ? payload : ChatPayload.decode(step.deliver[i])
      const pid = i === 0 ? id : undefined
      await this.handlePayload(rec, p, pid, i === 0 ? opened.time : this.now())
      if (i > 0) await this.store.del(`b/${rec.local}/${s}`)
    }
    rec.recvNext = seq.next
    await this.saveContact(rec)
    return { ok: true, id, from, receipt: via === 'mailbox' && payload.kind !== PayloadKind.RECEIPT }
  }

  private async senderCard (sender: PeerId, sealed: Uint8Array): Promise<KeyCard | undefined> {
    const rec = this.contacts.get(sender.toString())
    if (rec?.card != null) {
      const card = await this.verified(unb64(rec.card), sender).catch(() => undefined)
      if (card != null) return card
    }
    // a first request carries no card of its own; the hello of this stream, or the group state, gave it
    const fromHello = this.helloCards.get(sender.toString())
    if (fromHello != null) return await this.verified(fromHello, sender).catch(() => undefined)
    for (const g of this.groups.values()) {
      const m = g.members.find(x => x.peerId === sender.toString())
      if (m != null && m.card !== '') return await this.verified(unb64(m.card), sender).catch(() => undefined)
    }
    return undefined
  }

  private async handlePayload (rec: ContactRecord, p: ChatPayload, id: Uint8Array | undefined, time: number): Promise<void> {
    const idHex = id != null ? hex(id) : hex(randomBytes(16))
    switch (p.kind) {
      case PayloadKind.TEXT: {
        const h: HistoryRecord = { ...this.historyEntry(rec, 'in', p.text ?? '', 'text'), id: idHex, time }
        await this.putJson(h.key, h)
        this.safeDispatch('message', this.messageView(h))
        return
      }
      case PayloadKind.REQUEST: {
        if (p.invite != null) rec.invite = encodeInvite(decodeInvite(p.invite))
        if (rec.state === 'requested') {
          // both added each other: that is an accept on both sides
          rec.state = 'accepted'
          await this.saveContact(rec)
          await this.enqueue(rec, { kind: PayloadKind.ACCEPT, invite: this.inviteCode() })
          this.safeDispatch('contact', this.view(rec))
        } else if (rec.state === 'pending') {
          await this.saveContact(rec)
          this.safeDispatch('request', { name: rec.name, peerId: rec.peerId })
        }
        return
      }
      case PayloadKind.ACCEPT: {
        if (p.invite != null) rec.invite = encodeInvite(decodeInvite(p.invite))
        if (rec.state === 'requested' || rec.state === 'member') rec.state = 'accepted'
        await this.saveContact(rec)
        this.safeDispatch('contact', this.view(rec))
        this.scheduleFlush(rec.peerId, 0)
        return
      }
      case PayloadKind.RECEIPT: {
        const ids = new Set(p.ids.map(i => hex(i)))
        for (const item of await this.outbox(rec)) {
          if (!ids.has(item.id)) continue
          await this.store.del(`o/${rec.local}/${pad(item.seq, 12)}`)
          await this.setHistoryState(item.history, 'delivered')
        }
        if (p.read === true) {
          for await (const h of this.historyRecords()) {
            if (h.contact === rec.local && ids.has(h.id)) await this.setHistoryState(h.key, 'read')
          }
        }
        return
      }
      case PayloadKind.GROUP_STATE: {
        if (p.group != null) await this.onGroupState(rec, p.group)
        return
      }
      case PayloadKind.GROUP_MESSAGE: {
        if (p.groupMessage == null) return
        this.opts.onGroupMessage?.(p.groupMessage, rec.peerId)
        const g = this.groups.get(hex(p.groupMessage.groupId))
        if (g == null || g.removed || !g.members.some(m => m.peerId === rec.peerId)) { this.warn(`a group message from ${rec.name} for a group we are not in`); return }
        const key = g.keys[String(p.groupMessage.epoch)]
        if (key == null) { this.warn(`a message in ${g.name} under epoch ${p.groupMessage.epoch}, whose key we do not hold`); return }
        let text: Uint8Array
        try {
          text = await openGroupMessage(p.groupMessage, unb64(key), peerIdFromString(rec.peerId))
        } catch (err: any) {
          this.warn(`a message in ${g.name} from ${rec.name} did not open: ${String(err?.message)}`)
          return
        }
        const h: HistoryRecord = { key: this.historyKey(), contact: rec.local, dir: 'in', time, text: dec.decode(text), id: idHex, state: 'delivered', group: g.id, from: rec.peerId, kind: 'text' }
        await this.putJson(h.key, h)
        this.safeDispatch('message', this.messageView(h))
        return
      }
      case PayloadKind.FILE_OFFER: {
        if (p.file == null) return
        const offer = { id: p.file.id, name: p.file.name, size: p.file.size, sha256: p.file.sha256 }
        const h: HistoryRecord = { ...this.historyEntry(rec, 'in', `file ${offer.name} (${offer.size} bytes)`, 'file'), id: idHex, time }
        await this.putJson(h.key, h)
        this.safeDispatch('file-offer', { contact: rec.name, id: hex(offer.id), name: offer.name, size: offer.size })
        if (this.opts.autoReceiveFiles !== false) this.fetchFile(rec, offer)
        return
      }
      default:
        this.warn(`${rec.name} sent a payload of an unknown kind (${String(p.kind)}); a newer version?`)
    }
  }

  private fetchFile (rec: ContactRecord, offer: { id: Uint8Array, name: string, size: number, sha256: Uint8Array }): void {
    const key = hex(offer.id)
    if (this.receiving.has(key)) return
    this.receiving.add(key)
    const addr = multiaddr(this.addressOf(decodeInvite(rec.invite), 'contact'))
    receiveFile(this.node, addr, offer, {
      dir: this.opts.downloadsDir,
      maxBytes: this.opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
      signal: this.abort.signal,
      onProgress: (received: number, size: number) => { this.safeDispatch('file-progress', { contact: rec.name, id: key, received, size }) }
    }).then(done => {
      this.safeDispatch('file-done', { contact: rec.name, id: key, path: done.path, bytes: done.bytes, resumedFrom: done.resumedFrom })
    }, (err: any) => {
      this.safeDispatch('file-failed', { contact: rec.name, id: key, error: String(err?.message ?? err) })
    }).finally(() => this.receiving.delete(key))
  }

  private async onGroupState (rec: ContactRecord, s: GroupState): Promise<void> {
    const id = hex(s.id)
    const admin = peerIdFromMultihashBytes(s.admin)
    const existing = this.groups.get(id)
    const self = this.me.toString()
    const members = s.members.slice(0, MAX_GROUP_MEMBERS).map(m => ({ peerId: peerIdFromMultihashBytes(m.peerId), invite: m.invite, card: b64(m.card), name: cleanName(m.name) }))
    // a leave request: a member (not the admin) sends the admin a state without itself
    if (existing != null && existing.admin === self && rec.peerId !== self && !members.some(m => m.peerId === rec.peerId) && existing.members.some(m => m.peerId === rec.peerId)) {
      existing.members = existing.members.filter(m => m.peerId !== rec.peerId)
      existing.epoch++
      existing.keys = { [existing.epoch]: b64(newGroupKey()) }
      await this.saveGroup(existing)
      await this.sendGroupState(existing, existing.members.map(m => m.peerId))
      this.safeDispatch('group', this.groupView(existing))
      return
    }
    // only the admin of record (or, for a new group, its sender) changes a group
    const currentAdmin = existing?.admin ?? rec.peerId
    if (rec.peerId !== currentAdmin) { this.warn(`${rec.name} sent a change to group ${s.name} but is not its admin`); return }
    if (existing != null && s.epoch <= existing.epoch) return
    const inGroup = members.some(m => m.peerId === self)
    const g: GroupRecord = existing ?? { id, name: cleanName(s.name), epoch: 0, keys: {}, admin, members: [], removed: false }
    g.epoch = s.epoch
    g.admin = admin
    g.name = cleanName(s.name)
    g.members = members
    if (inGroup && s.key != null) {
      g.keys[String(s.epoch)] = b64(s.key)
      g.removed = false
      // keep the previous epoch's key only: late messages under it still open
      const keep = new Set([String(s.epoch), String(s.epoch - 1)])
      for (const k of Object.keys(g.keys)) if (!keep.has(k)) delete g.keys[k]
    } else {
      // removed: the old keys stay (a malicious member would keep them too), and
      // the test of removal is that none of them opens what follows
      g.removed = true
    }
    for (const m of members) if (m.peerId !== self) await this.memberContact(m)
    await this.saveGroup(g)
    this.safeDispatch('group', this.groupView(g))
  }

  /** The contact whose onion address `inv` reuses under a new PeerId, moved to the new key (unverified), after a loud event. */
  private async noticeKeyChange (inv: Invite): Promise<ContactRecord | undefined> {
    // the same onion address under another PeerId: the person re-created their identity, or someone else took the address
    for (const c of this.contacts.values()) {
      if (c.state === 'member' || c.peerId === inv.peerId) continue
      let theirs: Invite
      try { theirs = decodeInvite(c.invite) } catch { continue }
      if (theirs.onion !== inv.onion) continue
      const previous = safetyNumber(this.me, peerIdFromString(c.peerId))
      const now = safetyNumber(this.me, peerIdFromString(inv.peerId))
      this.contacts.delete(c.peerId)
      c.peerId = inv.peerId
      c.verified = false
      c.previousSafety = previous
      c.card = undefined
      c.state = 'pending'
      c.recvNext = 1
      c.sendSeq = 0
      this.contacts.set(c.peerId, c)
      this.sequencers.set(c.peerId, new Sequencer({ next: 1 }))
      // what was queued for the old key is never sealed to the new one
      let dropped = 0
      for (const prefix of [`o/${c.local}/`, `b/${c.local}/`]) {
        const keys: string[] = []
        for await (const [key] of this.store.entries(prefix)) keys.push(key)
        for (const key of keys) await this.store.del(key)
        if (prefix.startsWith('o/')) dropped = keys.length
      }
      this.safeDispatch('key-changed', { name: c.name, peerId: inv.peerId, previous, now })
      if (dropped > 0) this.warn(`${dropped} queued message(s) to ${c.name} were not sent: the key changed before they went out`)
      return c
    }
    return undefined
  }

  /** Stops timers, the protocol handlers and the file server. The node and store are the caller's. */
  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.abort.abort()
    if (this.pollTimer != null) clearInterval(this.pollTimer)
    for (const r of this.retryAt.values()) if (r.timer != null) clearTimeout(r.timer)
    await this.node.unhandle(CHAT_PROTOCOL).catch(() => {})
    await this.files.stop().catch(() => {})
    await Promise.allSettled([...this.flushing.values()])
    await this.serialTail.catch(() => {})
  }
}

function peerIdFromMultihashBytes (bytes: Uint8Array): string {
  return peerIdFromString(base58(bytes)).toString()
}

function base58 (bytes: Uint8Array): string {
  // PeerId strings are base58btc of the multihash, without the 'z' multibase prefix
  return base58btc.encode(bytes).slice(1)
}

/** The 16-byte id in a sealed envelope's header, without opening it (for re-acknowledging a replay). */
function sealedId (sealed: Uint8Array): Uint8Array | undefined {
  try {
    return SealedEnvelope.decode(sealed).id
  } catch {
    return undefined
  }
}

export { FILE_PROTOCOL }
