/**
 * A network namespace of its own for one node process: the packet-level
 * witness beside strace, and the containment that lets the detector's
 * self-test provoke real leaks safely.
 *
 * - Only a loopback interface, with a default route into it, so a packet
 *   for anywhere still passes the namespace's nftables output hook; there
 *   every packet that opens a flow and is not for tor's ports is counted,
 *   its destination recorded in a set, and (unless it is loopback) rejected.
 *   Nothing leaves this machine, whatever the process does.
 * - tor's SOCKS and control ports appear on the namespace's 127.0.0.1 through
 *   the gate (gate.ts, inside) and a unix-socket relay (here, outside).
 * - The gate also keeps the namespace's trap listener.
 */
import { execFileSync } from 'node:child_process'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { JsonLineChild } from './child.js'
import { splice } from './splice.js'
import { parseNftRecord, type PacketRecord } from './parse.js'
import type { GateConfig } from './gate.js'

export type { PacketRecord } from './parse.js'

const GATE_SCRIPT = fileURLToPath(new URL('./gate.js', import.meta.url))
const TABLE = 'p2p_tor_leak'

function sh (args: string[], input?: string): string {
  return execFileSync(args[0], args.slice(1), { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 15_000 })
}

/** Count and record every flow that is not tor's; reject whatever would leave loopback. */
export function nftRules (torPorts: number[]): string {
  return `table inet ${TABLE} {
  counter not_tor { }
  set dest4 { type ipv4_addr . inet_proto . inet_service; flags dynamic; size 65535; }
  set dest6 { type ipv6_addr . inet_proto . inet_service; flags dynamic; size 65535; }
  chain output {
    type filter hook output priority 0; policy accept;
    ct state established,related accept
    ip daddr 127.0.0.1 tcp dport { ${torPorts.join(', ')} } accept
    counter name "not_tor"
    meta nfproto ipv4 meta l4proto { tcp, udp } update @dest4 { ip daddr . meta l4proto . th dport }
    meta nfproto ipv6 meta l4proto { tcp, udp } update @dest6 { ip6 daddr . meta l4proto . th dport }
    ip daddr != 127.0.0.0/8 meta l4proto tcp reject with tcp reset
    ip daddr != 127.0.0.0/8 reject with icmpx type admin-prohibited
    ip6 daddr != ::1 reject with icmpx type admin-prohibited
  }
}
`
}

export class ContainedNet {
  private readonly relays: net.Server[] = []
  private readonly sockets = new Set<net.Socket>()
  private gate?: JsonLineChild
  private created = false

  private constructor (readonly name: string, private readonly dir: string) {}

  /**
   * Creates the namespace `name`, its rules, the relays for `torPorts` and the
   * gate with a trap on `trapPort`. `dir` holds the relay sockets.
   */
  static async create (name: string, opts: { dir: string, torPorts: number[], trapPort: number }): Promise<ContainedNet> {
    const ns = new ContainedNet(name, opts.dir)
    try {
      await ns.setUp(opts.torPorts, opts.trapPort)
    } catch (err) {
      await ns.close()
      throw err
    }
    return ns
  }

  private async setUp (torPorts: number[], trapPort: number): Promise<void> {
    sh(['ip', 'netns', 'add', this.name])
    this.created = true
    sh(['ip', '-n', this.name, 'link', 'set', 'lo', 'up'])
    sh(['ip', '-n', this.name, 'route', 'add', 'default', 'dev', 'lo'])
    sh(['ip', '-n', this.name, '-6', 'route', 'add', 'default', 'dev', 'lo'])
    sh(this.exec(['nft', '-f', '-']), nftRules(torPorts))

    const forwards: GateConfig['forwards'] = []
    for (const port of torPorts) {
      const socketPath = path.join(this.dir, `${this.name}-${port}.sock`)
      const server = net.createServer({ noDelay: true }, inbound => {
        const outbound = net.connect({ host: '127.0.0.1', port, noDelay: true })
        for (const s of [inbound, outbound]) {
          this.sockets.add(s)
          s.once('close', () => this.sockets.delete(s))
        }
        splice(inbound, outbound)
      })
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(socketPath, () => { server.off('error', reject); resolve() })
      })
      this.relays.push(server)
      forwards.push({ port, path: socketPath })
    }
    const config: GateConfig = { forwards, trapPort }
    const [cmd, ...args] = this.exec([process.execPath, GATE_SCRIPT, JSON.stringify(config)])
    this.gate = new JsonLineChild(`gate in ${this.name}`, cmd, args)
    await this.gate.waitForEvent('ready', 15_000)
  }

  /** The command prefix that runs a program inside the namespace. */
  exec (command: string[]): string[] {
    return ['ip', 'netns', 'exec', this.name, ...command]
  }

  /** Connections the namespace's trap listener saw, e.g. '127.0.0.1:41000'. */
  trapHits (): string[] {
    return (this.gate?.events ?? []).filter(e => e.event === 'trap').map(e => String(e.from))
  }

  packets (): PacketRecord {
    const list = (what: string): string => sh(this.exec(['nft', '-j', 'list', ...what.split(' ')]))
    return parseNftRecord(list(`counter inet ${TABLE} not_tor`), [list(`set inet ${TABLE} dest4`), list(`set inet ${TABLE} dest6`)])
  }

  /** Stops the gate, closes the relays and deletes the namespace (its rules go with it). */
  async close (): Promise<void> {
    await this.gate?.stop()
    this.gate = undefined
    for (const s of this.sockets) s.destroy()
    await Promise.all(this.relays.map(async s => { await new Promise<void>(resolve => { s.close(() => { resolve() }) }) }))
    this.relays.length = 0
    if (this.created) {
      sh(['ip', 'netns', 'delete', this.name])
      this.created = false
    }
  }
}
