/**
 * A fake Tor on loopback for the fake tier: a control server that speaks the
 * subset of the control protocol the transport uses (PROTOCOLINFO,
 * AUTHENTICATE, SETEVENTS, ADD_ONION, DEL_ONION, GETINFO onions/current),
 * and a SOCKS5 server that maps `<id>.onion:<port>` to the local target
 * ADD_ONION registered. It lets the libp2p compliance suite, whose hard
 * 1–5 s timeouts rule out real Tor, run against the real transport code.
 */
import net from 'node:net'
import { onionKeyFromAddOnionBlob } from '../../src/onion/index.js'

interface Service {
  owner: net.Socket
  ports: Map<number, { host: string, port: number } | { path: string }>
  detached: boolean
}

export interface FakeTor {
  socks: { host: string, port: number }
  control: string
  /** Every command line the control server received. */
  commands: string[]
  /** Every SOCKS CONNECT destination ("host:port") and its username. */
  socksRequests: Array<{ destination: string, username?: string, password?: string }>
  services: Map<string, Service>
  stop(): Promise<void>
}

export interface FakeTorOptions {
  /** Send HS_DESC UPLOADED after ADD_ONION (false: only UPLOAD then FAILED). */
  publish?: boolean
}

const CRLF = '\r\n'

export async function startFakeTor (opts: FakeTorOptions = {}): Promise<FakeTor> {
  const publish = opts.publish ?? true
  const services = new Map<string, Service>()
  const commands: string[] = []
  const socksRequests: FakeTor['socksRequests'] = []
  const sockets = new Set<net.Socket>()
  const track = (s: net.Socket): void => {
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  }

  const controlServer = net.createServer(conn => {
    track(conn)
    let buf = ''
    conn.setEncoding('utf8')
    conn.on('error', () => {})
    conn.on('close', () => {
      for (const [id, s] of services) if (s.owner === conn && !s.detached) services.delete(id)
    })
    conn.on('data', (chunk: string) => {
      buf += chunk
      let i
      while ((i = buf.indexOf(CRLF)) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 2)
        commands.push(line)
        onCommand(conn, line)
      }
    })
  })

  function onCommand (conn: net.Socket, line: string): void {
    const [verb, ...args] = line.split(' ')
    const write = (s: string): void => { if (!conn.destroyed) conn.write(s) }
    switch (verb.toUpperCase()) {
      case 'PROTOCOLINFO':
        write(`250-PROTOCOLINFO 1${CRLF}250-AUTH METHODS=NULL${CRLF}250-VERSION Tor="0.4.9.0-fake"${CRLF}250 OK${CRLF}`)
        return
      case 'AUTHENTICATE': case 'SETEVENTS': case 'TAKEOWNERSHIP': case 'RESETCONF':
        write(`250 OK${CRLF}`)
        return
      case 'GETINFO':
        if (args[0] === 'onions/current') {
          const ids = [...services].filter(([, s]) => s.owner === conn).map(([id]) => id)
          write(ids.length <= 1
            ? `250-onions/current=${ids[0] ?? ''}${CRLF}250 OK${CRLF}`
            : `250+onions/current=${CRLF}${ids.join(CRLF)}${CRLF}.${CRLF}250 OK${CRLF}`)
          return
        }
        write(`552 Unrecognized key "${args[0]}"${CRLF}`)
        return
      case 'ADD_ONION': {
        let serviceId: string
        try {
          serviceId = onionKeyFromAddOnionBlob(args[0]).serviceId
        } catch {
          write(`512 Failed to decode ED25519-V3 key${CRLF}`)
          return
        }
        if (services.has(serviceId)) {
          write(`550 Onion address collision${CRLF}`)
          return
        }
        const ports: Service['ports'] = new Map()
        let detached = false
        for (const a of args.slice(1)) {
          if (a.startsWith('Flags=')) detached = a.includes('Detach')
          if (!a.startsWith('Port=')) continue
          const [virt, target] = a.slice(5).split(',')
          if (target.startsWith('unix:')) ports.set(Number(virt), { path: target.slice(5) })
          else {
            const j = target.lastIndexOf(':')
            ports.set(Number(virt), { host: target.slice(0, j), port: Number(target.slice(j + 1)) })
          }
        }
        services.set(serviceId, { owner: conn, ports, detached })
        write(`250-ServiceID=${serviceId}${CRLF}250 OK${CRLF}`)
        const dir = '$' + 'A'.repeat(40)
        setTimeout(() => {
          write(`650 HS_DESC UPLOAD ${serviceId} UNKNOWN ${dir} ${'b'.repeat(43)} HSDIR_INDEX=${'0'.repeat(64)}${CRLF}`)
          write(publish
            ? `650 HS_DESC UPLOADED ${serviceId} UNKNOWN ${dir}${CRLF}`
            : `650 HS_DESC FAILED ${serviceId} UNKNOWN ${dir} REASON=UPLOAD_REJECTED${CRLF}`)
        }, 5)
        return
      }
      case 'DEL_ONION': {
        const s = services.get(args[0])
        if (s == null || (s.owner !== conn && !s.detached)) {
          write(`552 Unknown Onion Service id${CRLF}`)
          return
        }
        services.delete(args[0])
        write(`250 OK${CRLF}`)
        return
      }
      default:
        write(`510 Unrecognized command "${verb}"${CRLF}`)
    }
  }

  const socksServer = net.createServer(client => {
    track(client)
    client.on('error', () => {})
    void handleSocks(client).catch(() => client.destroy())
  })

  async function handleSocks (client: net.Socket): Promise<void> {
    const reader = byteReader(client)
    const [ver, nmethods] = await reader(2)
    if (ver !== 5) throw new Error('not socks5')
    const methods = await reader(nmethods)
    let username: string | undefined
    let password: string | undefined
    if (methods.includes(2)) {
      client.write(Buffer.from([5, 2]))
      const [, ulen] = await reader(2)
      username = Buffer.from(await reader(ulen)).toString()
      const [plen] = await reader(1)
      password = Buffer.from(await reader(plen)).toString()
      client.write(Buffer.from([1, 0]))
    } else {
      client.write(Buffer.from([5, 0]))
    }
    const [, cmd, , atyp] = await reader(4)
    if (cmd !== 1 || atyp !== 3) {
      client.end(Buffer.from([5, 8, 0, 1, 0, 0, 0, 0, 0, 0]))
      return
    }
    const [len] = await reader(1)
    const host = Buffer.from(await reader(len)).toString()
    const portBytes = await reader(2)
    const port = (portBytes[0] << 8) | portBytes[1]
    socksRequests.push({ destination: `${host}:${port}`, username, password })

    const target = services.get(host.replace(/\.onion$/, ''))?.ports.get(port)
    if (target == null) {
      client.end(Buffer.from([5, 0xF0, 0, 1, 0, 0, 0, 0, 0, 0]))
      return
    }
    const upstream = net.connect('path' in target ? { path: target.path } : target)
    track(upstream)
    upstream.on('error', () => client.destroy())
    upstream.once('connect', () => {
      upstream.setNoDelay?.(true)
      client.setNoDelay(true)
      client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]))
      const rest = reader.rest()
      if (rest.length > 0) upstream.write(rest)
      client.pipe(upstream)
      upstream.pipe(client)
    })
    client.once('close', () => upstream.destroy())
    upstream.once('close', () => client.destroy())
  }

  await Promise.all([listen(controlServer), listen(socksServer)])
  const controlPort = (controlServer.address() as net.AddressInfo).port
  const socksPort = (socksServer.address() as net.AddressInfo).port

  return {
    socks: { host: '127.0.0.1', port: socksPort },
    control: `127.0.0.1:${controlPort}`,
    commands,
    socksRequests,
    services,
    async stop () {
      for (const s of sockets) s.destroy()
      await Promise.all([close(controlServer), close(socksServer)])
    }
  }
}

/** Reads exact byte counts from a socket during the SOCKS handshake, then hands over. */
function byteReader (socket: net.Socket): ((n: number) => Promise<Uint8Array>) & { rest(): Buffer } {
  let buf = Buffer.alloc(0)
  let want: { n: number, resolve(b: Uint8Array): void, reject(err: Error): void } | undefined
  socket.once('close', () => want?.reject(new Error('closed')))
  const onData = (d: Buffer): void => {
    buf = Buffer.concat([buf, d])
    check()
  }
  const check = (): void => {
    if (want != null && buf.length >= want.n) {
      const w = want
      want = undefined
      const out = buf.subarray(0, w.n)
      buf = buf.subarray(w.n)
      w.resolve(out)
    }
  }
  socket.on('data', onData)
  const read = async (n: number): Promise<Uint8Array> => new Promise((resolve, reject) => {
    want = { n, resolve, reject }
    check()
  })
  return Object.assign(read, {
    rest () {
      socket.off('data', onData)
      return buf
    }
  })
}

async function listen (server: net.Server): Promise<void> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
}

async function close (server: net.Server): Promise<void> {
  await new Promise<void>(resolve => server.close(() => resolve()))
}
