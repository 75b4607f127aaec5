/**
 * The children of the messaging measurements (messaging.ts): a hub in a
 * process of its own (so its RSS and CPU time are its own), and all members
 * in one other process. Members are dial-only, each attached to a client tor
 * of the private network; member 0 publishes and calls, the others
 * subscribe, and member 1 (on another tor than member 0) also serves the RPC
 * procedure and is the one whose deliveries are timed. Every member has its
 * sealing keys (a data directory of its own under the system's temp
 * directory, removed on close), so that the publisher can also flood
 * messages sealed to every subscriber (row m5).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Hub, Member, createHubNode, createMemberNode, parseRealm, type Delivery } from '../src/messaging/index.js'
import { decodeEnvelope } from '../src/messaging/envelope.js'
import { Sealing } from '../src/messaging/sealing.js'
import { generateOnionKey, type OnionKey } from '../src/onion/index.js'
import { errorText, type TorEndpoints } from './sides.js'
import type { PrivateKey } from '@libp2p/interface'

const HUB_PORT = 7777
export const LATENCY_TOPIC = 'bench.latency'
export const FLOOD_TOPIC = 'bench.flood'
/** The flood of row m5, each message sealed to every subscriber. */
export const SEALED_FLOOD_TOPIC = 'bench.sealed'
export const ECHO_PROCEDURE = 'bench.echo'
/** One publish → deliver or one call, at most. */
const SAMPLE_TIMEOUT_MS = 30_000
/** Below rpc.ts's 90 s per call, so a slow phase answers with what it has instead of the parent timing out. */
const PHASE_DEADLINE_MS = 80_000
const CONNECT_ATTEMPTS = 3
/** After a failed connect (F0: not every HSDir has the descriptor yet). */
const RETRY_PAUSE_MS = 1000

/** Latency arrivals the hub keeps (one per sample). */
const MAX_ARRIVALS = 10_000

/** A clock shared by the hub's and the members' processes (same machine), with sub-ms resolution. */
const now = (): number => performance.timeOrigin + performance.now()

function latencySeq (data: Uint8Array): number {
  return new DataView(data.buffer, data.byteOffset).getUint32(0)
}

export interface LatencySample {
  seq: number
  /** publish() called → the subscriber's handler, ms; NaN when it did not arrive. */
  ms: number
  /** publish() called, ms since the epoch (now()). */
  sentAt: number
  deliveredAt: number
}

function attach (tor: TorEndpoints): { control: string, socks: string, cookieFile: string } {
  return { control: `127.0.0.1:${tor.controlPort}`, socks: `127.0.0.1:${tor.socksPort}`, cookieFile: tor.cookieFile }
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/** The realm of the benchmark: member 0 publishes and calls on bench.*, the others subscribe and register there. */
export function benchRealm (publisher: string, subscribers: string[]): unknown {
  return {
    roles: [
      { name: 'publisher', peers: [publisher], permissions: [{ uri: 'bench.', match: 'prefix', allow: { publish: true, call: true } }] },
      { name: 'subscriber', peers: subscribers, permissions: [{ uri: 'bench.', match: 'prefix', allow: { subscribe: true, register: true } }] }
    ],
    hubs: []
  }
}

/** The hub child: keys made first (so members know its address), then started on a realm. */
export class HubSide {
  private hub?: Hub
  private readonly arrivalTimes = new Map<number, number>()
  private identity?: { privateKey: PrivateKey, onion: OnionKey, addr: string }

  constructor (private readonly tor: TorEndpoints) {}

  /** Makes the hub's keys; returns the address members dial. */
  async prepare (): Promise<string> {
    const privateKey = await generateKeyPair('Ed25519')
    const onion = generateOnionKey()
    const addr = `/onion3/${onion.serviceId}:${HUB_PORT}/p2p/${peerIdFromPrivateKey(privateKey).toString()}`
    this.identity = { privateKey, onion, addr }
    return addr
  }

  /** Starts the hub (publishing its onion service) on `realmJson`; ms until it listens. */
  async start (realmJson: unknown): Promise<number> {
    const id = this.identity
    if (id == null) throw new Error('prepare the hub first')
    const realm = parseRealm(realmJson, 'bench realm')
    const t0 = performance.now()
    const node = await createHubNode({ ...attach(this.tor), privateKey: id.privateKey, key: id.onion, port: HUB_PORT, realm: () => realm, start: false })
    // when the hub accepted each latency message (its validator ran, forwarding starts): splits m1 into its two hops
    node.services.pubsub.addEventListener('message', (evt) => {
      const m = evt.detail
      if (m.topic !== LATENCY_TOPIC || this.arrivalTimes.size >= MAX_ARRIVALS) return
      const at = now()
      // gossipsub's data is the envelope; the sequence number is in its body
      const body = decodeEnvelope(m.data, realm.limits.maxPayloadBytes).body
      if (body.byteLength >= 4) this.arrivalTimes.set(latencySeq(body), at)
    })
    this.hub = await Hub.start(node, realm)
    if (this.hub.multiaddrs[0] !== id.addr) throw new Error(`the hub listens on ${String(this.hub.multiaddrs[0])}, not on ${id.addr}`)
    return performance.now() - t0
  }

  /** Accepted-at times (ms since the epoch, sub-ms) of the latency messages, by sequence number. */
  async arrivals (): Promise<Record<number, number>> {
    return Object.fromEntries(this.arrivalTimes)
  }

  /** Peers with an open connection to the hub. */
  async peers (): Promise<number> {
    return new Set(this.hub?.node.getConnections().map(c => c.remotePeer.toString())).size
  }

  async close (): Promise<void> {
    await this.hub?.stop()
  }
}

export interface Connected {
  /** All members connecting at once, until the last session is open (or failed). */
  ms: number
  connected: number
  errors: number
  firstError?: string
}

export interface Flood {
  published: number
  /** Messages every subscriber received. */
  complete: number
  /** First publish to the last delivery of the last complete message. */
  ms: number
  /** Deliveries counted over all subscribers. */
  deliveries: number
  /** Per complete message: publish() called → the last subscriber has it, ms. */
  allMs: number[]
  /** Messages the subscribers dropped (a sealed one that did not open), by reason. */
  dropped: Record<string, number>
  firstError?: string
}

/** The members child: `count` dial-only members, spread over `tors` (member i on tors[i % tors.length]). */
export class MembersSide {
  private readonly keys: PrivateKey[] = []
  private members: Member[] = []
  private latencyWaiter?: { seq: number, resolve: (at: number) => void }
  private latencySeq = 0
  /** Per flood message, how many subscribers have it. */
  private floodCounts = new Map<number, number>()
  private floodComplete = 0
  /** When each flood message was published, and how long each took to reach every subscriber. */
  private floodSentAt = new Map<number, number>()
  private floodAllMs: number[] = []
  private floodLastAt = 0
  private floodDeliveries = 0
  private floodProgress?: () => void
  private floodRun = 0
  private readonly sealings: Sealing[] = []
  private dataRoot?: string
  private drops: Record<string, number> = {}

  constructor (private readonly tors: TorEndpoints[]) {}

  /** Makes `count` identities; returns their PeerIds (0 publishes, the rest subscribe). */
  async identities (count: number): Promise<string[]> {
    if (count < 2) throw new Error('the messaging bench needs a publisher and at least one subscriber')
    for (let i = 0; i < count; i++) this.keys.push(await generateKeyPair('Ed25519'))
    return this.keys.map(k => peerIdFromPrivateKey(k).toString())
  }

  /** Every member dials the hub at once (each retried after an F0); then subscribes and registers. */
  async connect (hubAddr: string): Promise<Connected> {
    const deadline = Date.now() + PHASE_DEADLINE_MS
    // the sealing keys first (untimed): a data directory per member
    const root = await mkdtemp(join(tmpdir(), 'p2p-tor-bench-members-'))
    this.dataRoot = root
    for (const [i, privateKey] of this.keys.entries()) this.sealings.push(await Sealing.open({ privateKey, dataDir: await mkdtemp(join(root, `${i}-`)) }))
    const t0 = performance.now()
    const results = await Promise.allSettled(this.keys.map(async (privateKey, i) => {
      const node = await createMemberNode({ ...attach(this.tors[i % this.tors.length]), privateKey, hubs: [hubAddr] })
      for (let attempt = 1; ; attempt++) {
        try {
          return await Member.connect(node, { hubs: [hubAddr], sealing: this.sealings[i] }, { timeoutMs: Math.max(1000, deadline - Date.now()) })
        } catch (err) {
          if (attempt >= CONNECT_ATTEMPTS || Date.now() + RETRY_PAUSE_MS >= deadline) {
            await Promise.resolve(node.stop()).catch(() => {})
            throw err
          }
          await sleep(RETRY_PAUSE_MS)
        }
      }
    }))
    const ms = performance.now() - t0
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    this.members = results.flatMap(r => r.status === 'fulfilled' ? [r.value] : [])
    const out: Connected = { ms, connected: this.members.length, errors: failed.length, ...(failed.length > 0 ? { firstError: errorText(failed[0].reason) } : {}) }
    if (results[0].status !== 'fulfilled' || results[1].status !== 'fulfilled') {
      throw new Error(`the publisher or the timed subscriber could not connect: ${out.firstError ?? '?'}`)
    }
    return out
  }

  private get publisher (): Member {
    const m = this.members[0]
    if (m == null) throw new Error('connect first')
    return m
  }

  private get subscribers (): Member[] {
    return this.members.slice(1)
  }

  /**
   * Subscribes member 1 to the latency topic, every subscriber to the flood
   * topic and (accepting only messages sealed by the publisher) to the
   * sealed flood topic, and registers the echo procedure on member 1.
   */
  async subscribe (): Promise<void> {
    const [timed] = this.subscribers
    await timed.subscribe(LATENCY_TOPIC, (d) => { this.onLatency(d) }, { timeoutMs: SAMPLE_TIMEOUT_MS })
    await timed.register(ECHO_PROCEDURE, async (data) => data)
    const publisher = this.publisher.peerId
    await Promise.all(this.subscribers.map(async m => {
      m.addEventListener('dropped', (e) => { this.drops[e.detail.reason] = (this.drops[e.detail.reason] ?? 0) + 1 })
      await m.subscribe(FLOOD_TOPIC, (d) => { this.onFlood(d) }, { timeoutMs: SAMPLE_TIMEOUT_MS })
      await m.subscribe(SEALED_FLOOD_TOPIC, (d) => { this.onFlood(d) }, { timeoutMs: SAMPLE_TIMEOUT_MS, sealedFrom: [publisher] })
    }))
  }

  /** The flood's topic and publish options: sealed to every subscriber, or plain. */
  private floodTarget (sealed: boolean): { topic: string, sealTo?: string[] } {
    return sealed ? { topic: SEALED_FLOOD_TOPIC, sealTo: this.subscribers.map(m => m.peerId) } : { topic: FLOOD_TOPIC }
  }

  private onLatency (d: Delivery): void {
    const at = now()
    const w = this.latencyWaiter
    if (w != null && d.data.byteLength >= 4 && latencySeq(d.data) === w.seq) w.resolve(at)
  }

  private onFlood (d: Delivery): void {
    if (d.data.byteLength < 8) return
    const view = new DataView(d.data.buffer, d.data.byteOffset)
    if (view.getUint32(0) !== this.floodRun) return
    const seq = view.getUint32(4)
    const n = (this.floodCounts.get(seq) ?? 0) + 1
    this.floodCounts.set(seq, n)
    this.floodDeliveries++
    if (n === this.subscribers.length) {
      const sent = this.floodSentAt.get(seq)
      if (sent != null) this.floodAllMs.push(performance.now() - sent)
      this.floodComplete++
      this.floodLastAt = performance.now()
      this.floodProgress?.()
    }
  }

  /**
   * One publish → deliver on the latency topic, ms (publish() called to the
   * timed subscriber's handler, both in this process, so one clock). NaN
   * when it did not arrive within 30 s.
   */
  async latency (bytes: number): Promise<LatencySample> {
    const seq = ++this.latencySeq
    const data = new Uint8Array(Math.max(4, bytes))
    new DataView(data.buffer).setUint32(0, seq)
    let timer: ReturnType<typeof setTimeout> | undefined
    const delivered = new Promise<number>(resolve => {
      this.latencyWaiter = { seq, resolve }
      timer = setTimeout(() => { resolve(NaN) }, SAMPLE_TIMEOUT_MS)
    })
    try {
      const sentAt = now()
      await this.publisher.publish(LATENCY_TOPIC, data, { timeoutMs: SAMPLE_TIMEOUT_MS })
      const deliveredAt = await delivered
      return { seq, ms: deliveredAt - sentAt, sentAt, deliveredAt }
    } finally {
      clearTimeout(timer)
      this.latencyWaiter = undefined
    }
  }

  /** One call of the echo procedure through the hub, ms. */
  async call (bytes: number): Promise<number> {
    const t0 = performance.now()
    await this.publisher.call(ECHO_PROCEDURE, new Uint8Array(bytes), { timeoutMs: SAMPLE_TIMEOUT_MS })
    return performance.now() - t0
  }

  /**
   * libp2p ping.ping() (new stream + multistream-select + 32 B) from the
   * publisher and from the timed subscriber to the hub, on the very circuits
   * m1 and m2 use: says how much of those rows is path luck. ms each.
   */
  async hubPing (): Promise<{ publisher: number, subscriber: number }> {
    const ping = async (m: Member): Promise<number> => {
      const hub = m.node.getConnections()[0]?.remotePeer
      if (hub == null) throw new Error(`member ${m.peerId} has no connection to the hub`)
      const t0 = performance.now()
      await m.node.services.ping.ping(hub, { signal: AbortSignal.timeout(SAMPLE_TIMEOUT_MS) })
      return performance.now() - t0
    }
    return { publisher: await ping(this.publisher), subscriber: await ping(this.subscribers[0]) }
  }

  /**
   * Until every subscriber has one message of the flood topic (gossipsub
   * meshes form after subscribe answers): a message every second, bounded.
   */
  async warmFlood (sealed = false): Promise<number> {
    const deadline = Date.now() + PHASE_DEADLINE_MS / 2
    const t0 = performance.now()
    const { topic, sealTo } = this.floodTarget(sealed)
    this.resetFlood()
    for (let seq = 0; Date.now() < deadline; seq++) {
      await this.publisher.publish(topic, this.floodMessage(seq, 8), { timeoutMs: SAMPLE_TIMEOUT_MS, sealTo })
      const stop = Date.now() + 1000
      while (this.floodComplete === 0 && Date.now() < stop) await sleep(50)
      if (this.floodComplete > 0) return performance.now() - t0
    }
    throw new Error(`not every subscriber got a flood message within ${PHASE_DEADLINE_MS / 2000} s (${this.floodDeliveries} deliveries)`)
  }

  private resetFlood (): void {
    this.floodRun++
    this.floodCounts = new Map()
    this.floodSentAt = new Map()
    this.floodAllMs = []
    this.floodComplete = 0
    this.floodDeliveries = 0
    this.floodLastAt = 0
    this.drops = {}
  }

  private floodMessage (seq: number, bytes: number): Uint8Array {
    const data = new Uint8Array(Math.max(8, bytes))
    const view = new DataView(data.buffer)
    view.setUint32(0, this.floodRun)
    view.setUint32(4, seq)
    return data
  }

  /**
   * `count` messages of `bytes` as fast as the publisher may, with at most
   * `window` messages not yet at every subscriber (a publisher that outruns
   * its hub only fills buffers), bounded by the phase deadline.
   */
  async flood (count: number, bytes: number, window: number, sealed = false): Promise<Flood> {
    const { topic, sealTo } = this.floodTarget(sealed)
    this.resetFlood()
    const deadline = Date.now() + PHASE_DEADLINE_MS
    const t0 = performance.now()
    let published = 0
    let firstError: string | undefined
    const waitProgress = async (ms: number): Promise<void> => {
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, ms)
        this.floodProgress = () => { clearTimeout(timer); resolve() }
      })
      this.floodProgress = undefined
    }
    try {
      while (published < count && Date.now() < deadline) {
        if (published - this.floodComplete >= window) {
          await waitProgress(Math.min(1000, Math.max(1, deadline - Date.now())))
          continue
        }
        this.floodSentAt.set(published, performance.now())
        await this.publisher.publish(topic, this.floodMessage(published, bytes), { timeoutMs: SAMPLE_TIMEOUT_MS, sealTo })
        published++
      }
      while (this.floodComplete < published && Date.now() < deadline) await waitProgress(Math.min(1000, Math.max(1, deadline - Date.now())))
    } catch (err) {
      firstError = errorText(err)
    }
    const end = this.floodComplete > 0 ? this.floodLastAt : performance.now()
    return { published, complete: this.floodComplete, ms: end - t0, deliveries: this.floodDeliveries, allMs: this.floodAllMs, dropped: { ...this.drops }, ...(firstError != null ? { firstError } : {}) }
  }

  async close (): Promise<void> {
    await Promise.allSettled(this.members.map(async m => {
      await m.close()
      await m.node.stop()
    }))
    this.members = []
    for (const s of this.sealings) s.close()
    if (this.dataRoot != null) await rm(this.dataRoot, { recursive: true, force: true })
  }
}
