/**
 * The raw Tor baseline: the same network and the same kind of onion circuit
 * as p2p-tor, with no libp2p. The server is a plain TCP server on 127.0.0.1
 * published with ADD_ONION; the client is a plain SOCKS5 stream. Both speak
 * wire.ts directly on the socket.
 */
import net from 'node:net'
import { randomBytes } from 'node:crypto'
import { ControlClient } from '../src/control/index.js'
import { addOnionKeyBlob, generateOnionKey } from '../src/onion/index.js'
import { socksConnect } from '../src/socks/index.js'
import { watchUploads, type UploadWatch } from '../src/tor/index.js'
import { PING_BYTES, concurrently, type ClientSide, type FirstContact, type Listened, type ServerSide, type TorEndpoints } from './sides.js'
import { Reader, download, echo, echoAll, header, serve, socketPipe, upload, type Pipe } from './wire.js'

const VIRTUAL_PORT = 80

export class RawServer implements ServerSide {
  private serviceId?: string
  private readonly sockets = new Set<net.Socket>()

  private constructor (private readonly control: ControlClient, private readonly watch: UploadWatch, private readonly server: net.Server) {}

  static async create (tor: TorEndpoints): Promise<RawServer> {
    const control = await ControlClient.connect(`127.0.0.1:${tor.controlPort}`)
    await control.authenticate({ cookieFile: tor.cookieFile })
    const watch = watchUploads(control)
    await control.setEvents(['HS_DESC'])
    const server = net.createServer({ noDelay: true }, socket => {
      raw.sockets.add(socket)
      socket.once('close', () => raw.sockets.delete(socket))
      serve(socketPipe(socket)).catch(() => { socket.destroy() })
    })
    const raw = new RawServer(control, watch, server)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve() })
    })
    return raw
  }

  async listen (): Promise<Listened> {
    await this.unpublish()
    const key = generateOnionKey()
    const port = (this.server.address() as net.AddressInfo).port
    const t0 = performance.now()
    const { serviceId } = await this.control.addOnion({
      key: addOnionKeyBlob(key),
      ports: [{ virtualPort: VIRTUAL_PORT, target: { host: '127.0.0.1', port } }],
      flags: ['DiscardPK']
    })
    await this.watch.uploaded(serviceId, { signal: AbortSignal.timeout(120_000) })
    const ms = performance.now() - t0
    this.serviceId = serviceId
    return { addr: serviceId, ms }
  }

  private async unpublish (): Promise<void> {
    if (this.serviceId == null) return
    await this.control.delOnion(this.serviceId)
    this.serviceId = undefined
  }

  async close (): Promise<void> {
    await this.unpublish().catch(() => {})
    this.watch.stop()
    for (const s of this.sockets) s.destroy()
    await new Promise<void>(resolve => { this.server.close(() => { resolve() }) })
    await this.control.close()
  }
}

/** A SOCKS stream in echo mode and its reader. */
interface EchoStream { socket: net.Socket, pipe: Pipe, reader: Reader }

export class RawClient implements ClientSide {
  private serviceId?: string
  /** Isolation credentials of the kept circuit: new ones per first contact, as p2p-tor's per-peer isolation does. */
  private creds = { username: 'bench', password: '' }
  private kept?: EchoStream
  private rttStream?: EchoStream
  private readonly ping = randomBytes(PING_BYTES)

  constructor (private readonly tor: TorEndpoints) {}

  private async connect (): Promise<net.Socket> {
    if (this.serviceId == null) throw new Error('no first contact yet')
    return await socksConnect({
      proxy: { host: '127.0.0.1', port: this.tor.socksPort },
      host: `${this.serviceId}.onion`,
      port: VIRTUAL_PORT,
      ...this.creds,
      timeoutMs: 120_000
    })
  }

  private async echoStream (): Promise<EchoStream> {
    const socket = await this.connect()
    const pipe = socketPipe(socket)
    await pipe.write(header('E'))
    return { socket, pipe, reader: new Reader(socket) }
  }

  private freshCredentials (): void {
    this.kept?.socket.destroy()
    this.kept = undefined
    this.creds = { username: 'bench', password: randomBytes(16).toString('hex') }
  }

  async firstContact (serviceId: string): Promise<FirstContact> {
    this.serviceId = serviceId
    this.freshCredentials()
    const t0 = performance.now()
    const socket = await this.connect()
    const socksMs = performance.now() - t0
    const pipe = socketPipe(socket)
    const reader = new Reader(socket)
    // header and ping in one write, as a client would send its first request
    await pipe.write(Buffer.concat([header('E'), this.ping]))
    await reader.read(PING_BYTES)
    const ms = performance.now() - t0
    this.kept = { socket, pipe, reader }
    return { ms, socksMs }
  }

  async newCircuit (): Promise<void> {
    this.freshCredentials()
    this.kept = await this.echoStream()
  }

  async rttOpen (): Promise<void> {
    this.rttStream = this.kept ?? await this.echoStream()
  }

  async rtt (): Promise<number> {
    const s = this.rttStream
    if (s == null) throw new Error('rttOpen first')
    return await echo(s.pipe, s.reader, this.ping)
  }

  async rttClose (): Promise<void> {
    this.rttStream = undefined
  }

  async freshStreamRtt (): Promise<number> {
    const t0 = performance.now()
    const socket = await this.connect()
    try {
      const pipe = socketPipe(socket)
      await pipe.write(Buffer.concat([header('E'), this.ping]))
      await new Reader(socket).read(PING_BYTES)
      return performance.now() - t0
    } finally {
      socket.destroy()
    }
  }

  async download (bytes: number): Promise<number> {
    const socket = await this.connect()
    try {
      return await download(socketPipe(socket), bytes)
    } finally {
      socket.destroy()
    }
  }

  async upload (bytes: number): Promise<number> {
    const socket = await this.connect()
    try {
      return await upload(socketPipe(socket), bytes)
    } finally {
      socket.destroy()
    }
  }

  async manyStreams (count: number, bytes: number): Promise<{ ms: number, errors: number, firstError?: string }> {
    return await concurrently(count, async () => {
      const socket = await this.connect()
      try {
        await echoAll(socketPipe(socket), randomBytes(bytes))
      } finally {
        socket.destroy()
      }
    })
  }

  async close (): Promise<void> {
    this.kept?.socket.destroy()
  }
}
