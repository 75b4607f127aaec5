/**
 * The p2p-tor side of each pair: nodes made by createTorNode (tor() + noise +
 * yamux + identify + ping), attached to a client tor of the private network,
 * speaking wire.ts over libp2p streams.
 */
import { randomBytes } from 'node:crypto'
import type { AddressInfo, Server } from 'node:net'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createTorNode, type TorNode } from '../src/node.js'
import { generateOnionKey, type OnionKey } from '../src/onion/index.js'
import { PING_BYTES, concurrently, errorText, type ClientSide, type FirstContact, type Listened, type ManyStreams, type ServerSide, type TorEndpoints } from './sides.js'
import { Reader, download, echo, echoAll, header, serve, streamPipe, upload, type Pipe } from './wire.js'
import type { Connection, Stream } from '@libp2p/interface'

export const BENCH_PROTOCOL = '/p2p-tor-bench/1.0.0'
const PORT = 7777
/** Room for the many-streams measurement (200) on both ends. */
const MAX_STREAMS = 512
const PING_ATTEMPTS = 3
/** ping() has no timeout of its own: without a signal it waits forever on a dead connection. */
const PING_TIMEOUT_MS = 30_000

function attach (tor: TorEndpoints): { control: string, socks: string, cookieFile: string } {
  return { control: `127.0.0.1:${tor.controlPort}`, socks: `127.0.0.1:${tor.socksPort}`, cookieFile: tor.cookieFile }
}

/** A started node listening on `key`'s onion address, serving BENCH_PROTOCOL. */
async function listeningNode (tor: TorEndpoints, key: OnionKey): Promise<TorNode> {
  // 'tcp' is what an attached tor gets by default; said here because the shared circuit needs the port
  const node = await createTorNode({ ...attach(tor), key, port: PORT, localTarget: 'tcp' })
  await node.handle(BENCH_PROTOCOL, async (stream) => {
    await serve(streamPipe(stream)).catch(err => { stream.abort(err) })
  }, { maxInboundStreams: MAX_STREAMS })
  await node.start()
  return node
}

/**
 * The 127.0.0.1 port tor delivers the node's inbound streams to. Not public
 * API: the transport's listener keeps its server private, and only the
 * benchmark needs it (to map a second onion service onto the same listener).
 */
function localPort (node: TorNode): number {
  const listeners = (node as unknown as { components: { transportManager: { getListeners: () => Array<{ server?: Server }> } } }).components.transportManager.getListeners()
  const port = (listeners[0]?.server?.address() as AddressInfo | null)?.port
  if (port == null) throw new Error('cannot find the p2p-tor listener\'s local TCP port')
  return port
}

export class P2pServer implements ServerSide {
  private node?: TorNode

  constructor (private readonly tor: TorEndpoints) {}

  async listen (): Promise<Listened> {
    await this.node?.stop()
    this.node = undefined
    // made before the clock starts: a real node loads its key from a file
    const key = generateOnionKey()
    const t0 = performance.now()
    const node = this.node = await listeningNode(this.tor, key)
    const ms = performance.now() - t0
    return { addr: node.getMultiaddrs()[0].toString(), ms, localPort: localPort(node) }
  }

  async close (): Promise<void> {
    await this.node?.stop()
  }
}

export class P2pClient implements ClientSide {
  private conn?: Connection
  private connClosed?: string
  private rttStream?: { stream: Stream, pipe: Pipe, reader: Reader }
  private rttClosed?: string
  private readonly pingFailures: Record<string, number> = {}
  private readonly ping = randomBytes(PING_BYTES)

  private constructor (private readonly node: TorNode) {}

  /**
   * A dial-only node (SOCKS only, no onion service) with isolation 'none':
   * no SOCKS credentials, so tor puts its streams on the circuit the raw
   * dialer uses too. The data path is the same as with the default 'peer'.
   */
  static async create (tor: TorEndpoints): Promise<P2pClient> {
    return new P2pClient(await createTorNode({ socks: `127.0.0.1:${tor.socksPort}`, isolation: 'none' }))
  }

  private get connection (): Connection {
    if (this.conn == null) throw new Error('no connection: firstContact or connect first')
    if (this.conn.status !== 'open') throw new Error(`the connection is ${this.conn.status}${this.connClosed != null ? `: ${this.connClosed}` : ''}`)
    return this.conn
  }

  private async replace (ma: Multiaddr, onProgress?: (e: { type: string }) => void): Promise<Connection> {
    this.rttStream = undefined
    await this.conn?.close().catch(() => {})
    this.conn = undefined
    // the transport's own progress events are not in libp2p's dial event type
    const conn = this.conn = await this.node.dial(ma, { force: true, onProgress })
    const opened = performance.now()
    this.connClosed = undefined
    conn.addEventListener('close', (evt: any) => {
      if (this.conn === conn) this.connClosed = `closed ${(performance.now() - opened).toFixed(0)} ms after it opened${evt?.error != null ? ` by ${errorText(evt.error)}` : ''}`
    }, { once: true })
    return conn
  }

  async firstContact (addr: string): Promise<FirstContact> {
    let socksAt = NaN
    const t0 = performance.now()
    const conn = await this.replace(multiaddr(addr), (e) => { if (e.type === 'tor:socks-connected') socksAt = performance.now() })
    const connectedAt = performance.now()
    await this.node.services.ping.ping(conn.remotePeer, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) })
    const ms = performance.now() - t0
    return { ms, socksMs: socksAt - t0, connectedMs: connectedAt - t0 }
  }

  async connect (addr: string): Promise<void> {
    await this.replace(multiaddr(addr))
  }

  /**
   * An echo stream, as the raw side uses. Not a ping-protocol stream: libp2p's
   * connection monitor pings every connection every 10 s, and a second
   * outbound ping stream makes its ping fail and abort the connection.
   */
  private async echoStream (): Promise<{ stream: Stream, pipe: Pipe, reader: Reader }> {
    const stream = await this.connection.newStream(BENCH_PROTOCOL)
    const pipe = streamPipe(stream)
    await pipe.write(header('E'))
    const opened = performance.now()
    stream.addEventListener('close', (evt) => {
      this.rttClosed = `the echo stream closed ${(performance.now() - opened).toFixed(0)} ms after it opened${evt.error != null ? `: ${errorText(evt.error)}` : ''}`
    }, { once: true })
    this.rttClosed = undefined
    return { stream, pipe, reader: new Reader(stream) }
  }

  async rtt (): Promise<number> {
    const s = this.rttStream ??= await this.echoStream()
    if (this.rttClosed != null) throw new Error(this.rttClosed)
    return await echo(s.pipe, s.reader, this.ping)
  }

  async rttClose (): Promise<void> {
    await this.rttStream?.stream.close()
    this.rttStream = undefined
  }

  /**
   * What `node.services.ping.ping()` costs a caller: new stream,
   * multistream-select, 32-byte echo. Back-to-back ping() calls over Tor
   * sometimes fail: libp2p's connection monitor pings every connection every
   * 10 s on the same protocol, which allows 1 outbound and 2 inbound streams
   * per connection, and over Tor the previous streams take a round trip to
   * close. A failed ping() is retried after 200 ms; failures are counted by
   * error name and reported.
   */
  async freshStreamRtt (): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const t0 = performance.now()
      try {
        await this.node.services.ping.ping(this.connection.remotePeer, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) })
        return performance.now() - t0
      } catch (err: any) {
        if (attempt >= PING_ATTEMPTS) throw err
        const name = String(err?.name ?? 'Error')
        this.pingFailures[name] = (this.pingFailures[name] ?? 0) + 1
        await new Promise(resolve => setTimeout(resolve, 200))
      }
    }
  }

  /** ping() failures that were retried, by error name. */
  async failures (): Promise<Record<string, number>> {
    return this.pingFailures
  }

  async download (bytes: number): Promise<number> {
    return await download(streamPipe(await this.connection.newStream(BENCH_PROTOCOL)), bytes)
  }

  async upload (bytes: number): Promise<number> {
    return await upload(streamPipe(await this.connection.newStream(BENCH_PROTOCOL)), bytes)
  }

  async manyStreams (count: number, bytes: number): Promise<ManyStreams> {
    const conn = this.connection
    return await concurrently(count, async () => {
      const stream = await conn.newStream(BENCH_PROTOCOL, { maxOutboundStreams: MAX_STREAMS })
      await echoAll(streamPipe(stream), randomBytes(bytes))
    })
  }

  async close (): Promise<void> {
    await this.node.stop()
  }
}

export interface SwarmResult {
  /** `count` nodes created and published at once. */
  publishMs: number
  publishErrors: number
  /** All published nodes dialing the hub at once, until the last connection is up. */
  connectMs: number
  connected: number
  errors: number
  firstError?: string
}

/** `count` nodes, each with its own onion service on `tor`, all dialing `hub` at once. */
export async function swarm (tor: TorEndpoints, count: number, hub: string): Promise<SwarmResult> {
  const t0 = performance.now()
  const made = await Promise.allSettled(Array.from({ length: count }, async () => await listeningNode(tor, generateOnionKey())))
  const publishMs = performance.now() - t0
  const nodes = made.flatMap(r => r.status === 'fulfilled' ? [r.value] : [])
  try {
    const dials = await concurrently(nodes.length, async (i) => { await nodes[i].dial(multiaddr(hub)) })
    const firstPublishError = made.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    const firstError = dials.firstError ?? (firstPublishError != null ? errorText(firstPublishError.reason) : undefined)
    return {
      publishMs,
      publishErrors: count - nodes.length,
      connectMs: dials.ms,
      connected: nodes.length - dials.errors,
      errors: dials.errors,
      ...(firstError != null ? { firstError } : {})
    }
  } finally {
    await Promise.allSettled(nodes.map(async n => { await n.stop() }))
  }
}
