/**
 * The raw Tor baseline: the same network and the same kind of onion circuit
 * as p2p-tor, with no libp2p. The server is a plain TCP server on 127.0.0.1
 * published with ADD_ONION; the client is a plain SOCKS5 stream. Both speak
 * wire.ts directly on the socket.
 */
import net from 'node:net'
import { randomBytes } from 'node:crypto'
import { ControlClient, watchUploads, type AddOnionPort, type UploadWatch } from '../src/control/index.js'
import { addOnionKeyBlob, generateOnionKey } from '../src/onion/index.js'
import { socksConnect } from '../src/socks/index.js'
import { PING_BYTES, SHARED_PORT, concurrently, type ClientSide, type FirstContact, type Listened, type ManyStreams, type ServerSide, type TorEndpoints } from './sides.js'
import { Reader, download, echo, echoAll, header, serve, socketPipe, upload, type Pipe } from './wire.js'

const VIRTUAL_PORT = 80
const PUBLISH_TIMEOUT_MS = 120_000

export class RawServer implements ServerSide {
  private serviceId?: string
  private readonly sockets = new Set<net.Socket>()

  private constructor (private readonly control: ControlClient, private readonly watch: UploadWatch, private readonly server: net.Server) {}

  static async create (tor: TorEndpoints): Promise<RawServer> {
    const control = await ControlClient.connect(`127.0.0.1:${tor.controlPort}`)
    await control.authenticate({ cookieFile: tor.cookieFile })
    const watch = await watchUploads(control)
    const server = net.createServer({ noDelay: true })
    const raw = new RawServer(control, watch, server)
    server.on('connection', socket => {
      raw.sockets.add(socket)
      socket.once('close', () => raw.sockets.delete(socket))
      serve(socketPipe(socket)).catch(() => { socket.destroy() })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => { server.off('error', reject); resolve() })
    })
    return raw
  }

  async listen (sharedTarget?: number): Promise<Listened> {
    await this.unpublish()
    const key = generateOnionKey()
    const ports: AddOnionPort[] = [{ virtualPort: VIRTUAL_PORT, target: { host: '127.0.0.1', port: (this.server.address() as net.AddressInfo).port } }]
    if (sharedTarget != null) ports.push({ virtualPort: SHARED_PORT, target: { host: '127.0.0.1', port: sharedTarget } })
    const t0 = performance.now()
    const { serviceId } = await this.control.addOnion({ key: addOnionKeyBlob(key), ports, flags: ['DiscardPK'] })
    await this.watch.waitForUpload(serviceId, { timeoutMs: PUBLISH_TIMEOUT_MS })
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
    await this.watch.stop()
    for (const s of this.sockets) s.destroy()
    await new Promise<void>(resolve => { this.server.close(() => { resolve() }) })
    await this.control.close()
  }
}

/** A SOCKS stream in echo mode and its reader. */
interface EchoStream { socket: net.Socket, pipe: Pipe, reader: Reader }

export class RawClient implements ClientSide {
  private serviceId?: string
  /** Isolation credentials: fresh ones for a first contact; none on the shared circuit, as the p2p-tor dialer. */
  private creds: { username?: string, password?: string } = {}
  private kept?: EchoStream
  private rttStream?: EchoStream
  private readonly ping = randomBytes(PING_BYTES)

  constructor (private readonly tor: TorEndpoints) {}

  private async openSocket (): Promise<net.Socket> {
    if (this.serviceId == null) throw new Error('no service to connect to yet')
    return await socksConnect({
      proxy: { host: '127.0.0.1', port: this.tor.socksPort },
      host: `${this.serviceId}.onion`,
      port: VIRTUAL_PORT,
      ...this.creds,
      timeoutMs: 120_000
    })
  }

  private async echoStream (): Promise<EchoStream> {
    const socket = await this.openSocket()
    const pipe = socketPipe(socket)
    await pipe.write(header('E'))
    return { socket, pipe, reader: new Reader(socket) }
  }

  private use (serviceId: string, creds: { username?: string, password?: string }): void {
    this.kept?.socket.destroy()
    this.kept = undefined
    this.rttStream = undefined
    this.serviceId = serviceId
    this.creds = creds
  }

  async firstContact (serviceId: string): Promise<FirstContact> {
    this.use(serviceId, { username: 'bench', password: randomBytes(16).toString('hex') })
    const t0 = performance.now()
    const socket = await this.openSocket()
    const socksMs = performance.now() - t0
    const pipe = socketPipe(socket)
    const reader = new Reader(socket)
    // header and ping in one write, as a client sends its first request
    await pipe.write(Buffer.concat([header('E'), this.ping]))
    await reader.read(PING_BYTES)
    const ms = performance.now() - t0
    this.kept = { socket, pipe, reader }
    return { ms, socksMs }
  }

  async connect (serviceId: string): Promise<void> {
    this.use(serviceId, {})
    this.kept = await this.echoStream()
  }

  async rtt (): Promise<number> {
    const s = this.rttStream ??= this.kept ?? await this.echoStream()
    return await echo(s.pipe, s.reader, this.ping)
  }

  async rttClose (): Promise<void> {
    this.rttStream = undefined
  }

  /** On a new socket, closed afterwards. */
  private async withSocket<T> (fn: (socket: net.Socket) => Promise<T>): Promise<T> {
    const socket = await this.openSocket()
    try {
      return await fn(socket)
    } finally {
      socket.destroy()
    }
  }

  async freshStreamRtt (): Promise<number> {
    const t0 = performance.now()
    return await this.withSocket(async socket => {
      await socketPipe(socket).write(Buffer.concat([header('E'), this.ping]))
      await new Reader(socket).read(PING_BYTES)
      return performance.now() - t0
    })
  }

  async download (bytes: number): Promise<number> {
    return await this.withSocket(async socket => await download(socketPipe(socket), bytes))
  }

  async upload (bytes: number): Promise<number> {
    return await this.withSocket(async socket => await upload(socketPipe(socket), bytes))
  }

  async manyStreams (count: number, bytes: number): Promise<ManyStreams> {
    return await concurrently(count, async () => {
      await this.withSocket(async socket => { await echoAll(socketPipe(socket), randomBytes(bytes)) })
    })
  }

  async close (): Promise<void> {
    this.kept?.socket.destroy()
  }
}
