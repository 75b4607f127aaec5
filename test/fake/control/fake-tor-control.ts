/**
 * A fake Tor control port on 127.0.0.1:0 (or a unix socket) that records the
 * exact bytes a client writes and answers from a script, in the manner of
 * txtorcon's FakeControlProtocol. A line that does not match the next
 * scripted expectation is recorded in `unexpected` and answered with 599, so
 * a test can assert both the bytes and the order.
 */
import { EventEmitter } from 'node:events'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import type { ControlEndpoint } from '../../../src/control/endpoint.js'

/** What to answer: wire bytes, a function of the received line, or null to stay silent. */
export type FakeReply = string | ((line: string) => string) | null

interface Step {
  expect: string | RegExp
  reply: FakeReply
}

export class FakeTorControl extends EventEmitter {
  readonly server: Server
  readonly endpoint: ControlEndpoint
  /** Everything received, across connections, decoded as UTF-8. */
  received = ''
  /** Complete lines received, without CRLF. */
  readonly lines: string[] = []
  /** Lines that did not match the script. */
  readonly unexpected: string[] = []
  readonly sockets = new Set<Socket>()
  private readonly steps: Step[] = []

  private constructor (server: Server, endpoint: ControlEndpoint) {
    super()
    this.server = server
    this.endpoint = endpoint
  }

  static async start (opts: { unixPath?: string } = {}): Promise<FakeTorControl> {
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      if (opts.unixPath != null) server.listen(opts.unixPath, resolve)
      else server.listen(0, '127.0.0.1', resolve)
    })
    const endpoint: ControlEndpoint = opts.unixPath != null
      ? { type: 'unix', path: opts.unixPath }
      : { type: 'tcp', host: '127.0.0.1', port: (server.address() as AddressInfo).port }
    const fake = new FakeTorControl(server, endpoint)
    server.on('connection', socket => { fake.accept(socket) })
    return fake
  }

  /** Adds steps: each expected line (exact string or pattern) and its reply. */
  script (...steps: Array<[string | RegExp, FakeReply]>): this {
    for (const [expect, reply] of steps) this.steps.push({ expect, reply })
    return this
  }

  /** Steps not consumed yet. */
  get remaining (): number {
    return this.steps.length
  }

  /** Writes raw bytes (events, garbage, oversize replies) to every open connection. */
  push (wire: string | Uint8Array): void {
    for (const s of this.sockets) s.write(wire)
  }

  /** Destroys every open connection, as a crashing tor would. */
  drop (): void {
    for (const s of this.sockets) s.destroy()
  }

  /** Resolves once `n` lines in total have been received. */
  async waitForLines (n: number): Promise<void> {
    while (this.lines.length < n) {
      await new Promise(resolve => this.once('line', resolve))
    }
  }

  /** Resolves once no connection is open. */
  async waitForDisconnect (): Promise<void> {
    while (this.sockets.size > 0) {
      await new Promise(resolve => this.once('disconnect', resolve))
    }
  }

  async close (): Promise<void> {
    this.drop()
    await new Promise<void>(resolve => this.server.close(() => { resolve() }))
  }

  private accept (socket: Socket): void {
    this.sockets.add(socket)
    let buf = ''
    socket.on('data', chunk => {
      const text = chunk.toString('utf8')
      this.received += text
      buf += text
      for (let i = buf.indexOf('\r\n'); i !== -1; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 2)
        this.onLine(socket, line)
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      this.sockets.delete(socket)
      this.emit('disconnect')
    })
  }

  private onLine (socket: Socket, line: string): void {
    this.lines.push(line)
    const step = this.steps[0]
    const matches = step != null && (typeof step.expect === 'string' ? step.expect === line : step.expect.test(line))
    if (!matches) {
      this.unexpected.push(line)
      socket.write('599 unexpected command in fake tor\r\n')
    } else {
      this.steps.shift()
      const reply = typeof step.reply === 'function' ? step.reply(line) : step.reply
      if (reply != null) socket.write(reply)
    }
    this.emit('line', line)
  }
}
