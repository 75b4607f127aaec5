/**
 * A fake SOCKS5 proxy on 127.0.0.1:0 (or a unix socket) that records what
 * each client sent and misbehaves on request: reply any code, stall, close
 * mid-handshake, check credentials. After a successful reply it echoes.
 * Tests may change `options` between connections.
 */
import net from 'node:net'

export interface FakeSocksOptions {
  /** CONNECT reply code; 0 (the default) means success, then echo. */
  replyCode?: number
  /** Never answer the greeting, or the CONNECT request. */
  stall?: 'greeting' | 'request'
  /** Close the connection right after reading the greeting, or the CONNECT request. */
  closeAfter?: 'greeting' | 'request'
  /** Require exactly these RFC 1929 credentials. Without it, any are accepted, as tor does. */
  credentials?: { username: string, password: string }
  /** Bytes sent in the same write as a successful reply, as if the peer spoke first. */
  trailing?: Uint8Array
}

export interface RecordedConnection {
  methods?: number[]
  username?: string
  password?: string
  command?: number
  atyp?: number
  host?: string
  port?: number
  /** Resolves once the greeting has been read. */
  greeted: Promise<void>
  /** Resolves when the client's socket has closed. */
  closed: Promise<void>
}

/** Buffers a socket's bytes for `read(n)` until `detach()` hands the stream over. */
class ByteReader {
  #buffer = Buffer.alloc(0)
  #wake: (() => void) | undefined
  #ended = false
  readonly #onData = (data: Buffer): void => { this.#buffer = Buffer.concat([this.#buffer, data]); this.#poke() }
  readonly #onEnd = (): void => { this.#ended = true; this.#poke() }

  constructor (readonly socket: net.Socket) {
    socket.on('data', this.#onData)
    socket.on('close', this.#onEnd)
  }

  #poke (): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  async read (n: number): Promise<Buffer> {
    while (this.#buffer.length < n) {
      if (this.#ended) throw new Error('client closed')
      await new Promise<void>(resolve => { this.#wake = resolve })
    }
    const out = this.#buffer.subarray(0, n)
    this.#buffer = this.#buffer.subarray(n)
    return out
  }

  async byte (): Promise<number> {
    return (await this.read(1))[0]
  }

  /** Stop buffering; returns the bytes not yet read. */
  detach (): Buffer {
    this.socket.removeListener('data', this.#onData)
    this.socket.removeListener('close', this.#onEnd)
    return this.#buffer
  }
}

export class FakeSocksServer {
  readonly connections: RecordedConnection[] = []
  readonly #server: net.Server
  readonly #sockets = new Set<net.Socket>()
  readonly #waiting: Array<() => void> = []

  private constructor (public options: FakeSocksOptions) {
    this.#server = net.createServer(socket => { this.#accept(socket) })
  }

  /** Listen on 127.0.0.1:0, or on a unix socket at `path`. */
  static async start (options: FakeSocksOptions = {}, path?: string): Promise<FakeSocksServer> {
    const fake = new FakeSocksServer(options)
    await new Promise<void>((resolve, reject) => {
      fake.#server.once('error', reject)
      fake.#server.listen(path ?? { host: '127.0.0.1', port: 0 }, () => { resolve() })
    })
    return fake
  }

  get port (): number {
    return (this.#server.address() as net.AddressInfo).port
  }

  get proxy (): { host: string, port: number } {
    return { host: '127.0.0.1', port: this.port }
  }

  /** The `index`-th connection, once it has arrived. */
  async connection (index = 0): Promise<RecordedConnection> {
    while (this.connections.length <= index) {
      await new Promise<void>(resolve => { this.#waiting.push(resolve) })
    }
    return this.connections[index]
  }

  async close (): Promise<void> {
    for (const socket of this.#sockets) socket.destroy()
    await new Promise<void>(resolve => { this.#server.close(() => { resolve() }) })
  }

  #accept (socket: net.Socket): void {
    this.#sockets.add(socket)
    socket.on('error', () => {}) // resets from clients that give up are expected
    let greeted!: () => void
    const record: RecordedConnection = {
      greeted: new Promise(resolve => { greeted = resolve }),
      closed: new Promise(resolve => socket.once('close', () => { this.#sockets.delete(socket); resolve() }))
    }
    this.connections.push(record)
    this.#waiting.splice(0).forEach(wake => { wake() })
    this.#handshake(new ByteReader(socket), record, greeted).catch(() => { socket.destroy() })
  }

  async #handshake (reader: ByteReader, record: RecordedConnection, greeted: () => void): Promise<void> {
    const { socket } = reader
    const opts = this.options
    const [, nMethods] = await reader.read(2)
    record.methods = [...await reader.read(nMethods)]
    greeted()
    if (opts.stall === 'greeting') return
    if (opts.closeAfter === 'greeting') { socket.destroy(); return }

    const method = record.methods.includes(0x02) ? 0x02 : (record.methods.includes(0x00) && opts.credentials === undefined) ? 0x00 : 0xFF
    socket.write(Uint8Array.of(5, method))
    if (method === 0xFF) { socket.end(); return }
    if (method === 0x02) {
      await reader.read(1) // sub-negotiation version
      record.username = (await reader.read(await reader.byte())).toString('utf8')
      record.password = (await reader.read(await reader.byte())).toString('utf8')
      const ok = opts.credentials === undefined ||
        (opts.credentials.username === record.username && opts.credentials.password === record.password)
      socket.write(Uint8Array.of(1, ok ? 0x00 : 0x01))
      if (!ok) { socket.end(); return }
    }

    const [, command, , atyp] = await reader.read(4)
    record.command = command
    record.atyp = atyp
    const addr = await reader.read(atyp === 3 ? await reader.byte() : atyp === 4 ? 16 : 4)
    record.host = atyp === 3 ? addr.toString('utf8') : [...addr].join('.')
    record.port = (await reader.read(2)).readUInt16BE(0)
    if (opts.stall === 'request') return
    if (opts.closeAfter === 'request') { socket.destroy(); return }

    const code = opts.replyCode ?? 0
    const reply = Uint8Array.of(5, code, 0, 1, 0, 0, 0, 0, 0, 0)
    if (code !== 0) { socket.end(reply); return }
    socket.write(Buffer.concat([reply, opts.trailing ?? new Uint8Array(0)]))
    const unread = reader.detach()
    if (unread.length > 0) socket.write(unread)
    socket.on('data', data => socket.write(data))
  }
}
