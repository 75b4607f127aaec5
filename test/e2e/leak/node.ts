/**
 * One p2p-tor node as a process of its own, for the leak test: it runs under
 * strace (and, for the dialer, in a network namespace), so everything it does
 * on the network is recorded outside its reach.
 *
 * Usage: node node.js '<LeakNodeConfig as JSON>'. Prints a `ready` event,
 * then answers JSON-line commands from stdin (see protocol.ts) until `stop`
 * or the end of stdin.
 */
import '../../../src/polyfill.js'
import { randomBytes } from 'node:crypto'
import dns from 'node:dns'
import { openSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import { createInterface } from 'node:readline'
import { peerIdFromString } from '@libp2p/peer-id'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createTorNode, type TorNode } from '../../../src/node.js'
import { ECHO, handleTestProtocols, roundTrip } from '../helpers.js'
import { errorShape } from './errors.js'
import { INJECTIONS, STARTED_MARKER } from './protocol.js'
import type { Command, DialOutcome, ExerciseResult, IdentifyView, Injection, LeakNodeConfig, PeerView, Reply, Request } from './protocol.js'
import type { IdentifyResult, PeerId } from '@libp2p/interface'

function emit (msg: object): void {
  process.stdout.write(JSON.stringify(msg) + '\n')
}

function injectionFromEnv (): Injection | undefined {
  const v = process.env.LEAK_TEST_INJECT
  if (v == null || v === '') return undefined
  if (!(INJECTIONS as readonly string[]).includes(v)) throw new Error(`LEAK_TEST_INJECT must be one of ${INJECTIONS.join(', ')}, got "${v}"`)
  return v as Injection
}

function toView (r: IdentifyResult): IdentifyView {
  return {
    peerId: r.peerId.toString(),
    listenAddrs: r.listenAddrs.map(String),
    signedPeerRecordAddrs: r.signedPeerRecord?.addresses.map(String) ?? [],
    observedAddr: r.observedAddr?.toString(),
    agentVersion: r.agentVersion,
    protocols: r.protocols
  }
}

/** A multiaddr string (it starts with '/') or a peer id. */
function target (s: string): PeerId | ReturnType<typeof multiaddr> {
  return s.startsWith('/') ? multiaddr(s) : peerIdFromString(s)
}

/** The deliberate leak of the 'tcp' injection: a clearnet transport, no gater, no announce filter. */
function injectTcpBeforeStart (node: TorNode): void {
  const c = (node as any).components
  c.transportManager.add(tcp()(c))
  c.connectionGater.denyDialMultiaddr = async () => false
  c.addressManager.announceFilter = (addrs: unknown[]) => addrs
  ;(node.services.identify as any).host.agentVersion = `p2p-tor/0.1.0 node/${process.version} ${os.platform()}/${os.hostname()}`
}

/** The deliberate leak of the 'direct' injection: a socket past libp2p, and a name lookup. */
async function injectDirect (trapPort: number): Promise<void> {
  await new Promise<void>(resolve => {
    const socket = net.connect({ host: '127.0.0.1', port: trapPort })
    const done = (): void => { socket.destroy(); resolve() }
    socket.once('connect', done)
    socket.once('error', done)
  })
  await dns.promises.lookup('localhost').catch(() => undefined)
}

class LeakNode {
  private readonly autoIdentify = new Map<string, IdentifyView>()

  constructor (private readonly node: TorNode) {
    node.addEventListener('peer:identify', (evt) => {
      this.autoIdentify.set(evt.detail.peerId.toString(), toView(evt.detail))
    })
  }

  async run (c: Command): Promise<unknown> {
    switch (c.cmd) {
      case 'exercise': return await this.exercise(c.addr)
      case 'identify': return await this.identify(c.peerId)
      case 'peer': return await this.peer(c.peerId)
      case 'merge':
        await this.node.peerStore.merge(peerIdFromString(c.peerId), { multiaddrs: c.addrs.map(a => multiaddr(a)) })
        return null
      case 'hangUp':
        await this.node.hangUp(peerIdFromString(c.peerId))
        return null
      case 'dial': return await this.dial(c.target, c.timeoutMs)
      case 'stop':
        await this.node.stop()
        return null
    }
  }

  /** Dial, ping, identify and an echo stream: what a working node does. */
  private async exercise (addr: string): Promise<ExerciseResult> {
    const ma = multiaddr(addr)
    const conn = await this.node.dial(ma)
    const pingMs = await this.node.services.ping.ping(ma)
    const identify = toView(await this.node.services.identify.identify(conn))
    const data = randomBytes(64 * 1024)
    const stream = await this.node.dialProtocol(ma, ECHO)
    const echoed = await roundTrip(stream, data)
    return { remotePeer: conn.remotePeer.toString(), pingMs, echoBytes: echoed.byteLength, echoMatches: Buffer.compare(echoed, data) === 0, identify }
  }

  private async identify (peerId: string): Promise<IdentifyView> {
    const conn = this.node.getConnections(peerIdFromString(peerId))[0]
    if (conn == null) throw new Error(`no connection to ${peerId}`)
    return toView(await this.node.services.identify.identify(conn))
  }

  private async peer (peerId: string): Promise<PeerView> {
    const p = await this.node.peerStore.get(peerIdFromString(peerId))
    const agent = p.metadata.get('AgentVersion')
    return {
      addresses: p.addresses.map(a => a.multiaddr.toString()),
      agentVersion: agent == null ? undefined : Buffer.from(agent).toString('utf8'),
      autoIdentify: this.autoIdentify.get(peerId)
    }
  }

  private async dial (to: string, timeoutMs: number): Promise<DialOutcome> {
    try {
      const conn = await this.node.dial(target(to), { signal: AbortSignal.timeout(timeoutMs) })
      return { connected: true, remoteAddr: conn.remoteAddr.toString() }
    } catch (err: any) {
      return { connected: false, error: `${String(err?.name)}: ${String(err?.message)}` }
    }
  }
}

async function main (): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as LeakNodeConfig
  const inject = injectionFromEnv()
  if (inject === 'tcp' && !config.contained) throw new Error('the tcp injection listens on 0.0.0.0: only for a node in a network namespace of its own')

  const node = await createTorNode({
    control: config.control,
    socks: config.socks,
    cookieFile: config.cookieFile,
    controlPassword: config.controlPassword,
    keyFile: config.keyFile,
    port: config.port,
    localTarget: config.localTarget,
    unixSocketDir: config.unixSocketDir
  })
  await handleTestProtocols(node)
  if (inject === 'tcp') injectTcpBeforeStart(node)
  await node.start()
  if (inject === 'tcp') await (node as any).components.transportManager.listen([multiaddr('/ip4/0.0.0.0/tcp/0')])

  // Start-up is over: from here on, no resolver configuration may be read.
  // The failing openat() is the mark the trace parser looks for.
  try { openSync(STARTED_MARKER, 'r') } catch {}
  if (inject === 'direct') await injectDirect(config.trapPort)

  const leakNode = new LeakNode(node)
  emit({ event: 'ready', pid: process.pid, peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(String) })

  // commands run concurrently, so that `stop` ends a dial that hangs
  const lines = createInterface({ input: process.stdin })
  for await (const line of lines) {
    if (line.trim() === '') continue
    const req = JSON.parse(line) as Request
    const done = leakNode.run(req).then(
      (result) => { emit({ id: req.id, ok: true, result } satisfies Reply) },
      (err) => { emit({ id: req.id, ok: false, error: `${String(err?.name)}: ${String(err?.message)}`, shape: errorShape(err) } satisfies Reply) }
    )
    if (req.cmd === 'stop') {
      await done
      break
    }
  }
  await node.stop()
}

main().then(() => process.exit(0), (err) => {
  emit({ event: 'fatal', error: `${String(err?.name)}: ${String(err?.message)}` })
  process.exit(1)
})
