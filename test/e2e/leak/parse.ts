/**
 * The leak recorders' parsers, pure (text in, values out; no I/O): strace
 * output, `nft -j list` output and `ss` output. The recorders that run those
 * tools (trace.ts, netns.ts, listening.ts) and the judges that read the
 * values import them from here; test/unit/leak/ tests them on captured output.
 */
import { STARTED_MARKER } from './protocol.js'

// ---- strace -f (trace.ts runs it) ----

export interface SockAddr {
  family: string
  host?: string
  port?: number
  path?: string
}

export interface TraceEntry {
  syscall: string
  /** Socket addresses in the arguments (connect/bind/sendto destination, sendmsg msg_name). */
  addrs: SockAddr[]
  /** The path of an open/openat. */
  path?: string
  /** Whether the start-up marker was already passed. */
  afterStart: boolean
  line: string
}

const SYSCALL = /^(?:\d+\s+)?(\w+)\((.*)$/
const SOCKADDR = /\{sa_family=(AF_\w+)((?:[^{}"]|"(?:[^"\\]|\\.)*")*)\}/g

function parseSockAddr (family: string, body: string): SockAddr {
  const port = /sin6?_port=htons\((\d+)\)/.exec(body)
  const v4 = /inet_addr\("([^"]+)"\)/.exec(body)
  const v6 = /inet_pton\(AF_INET6, "([^"]+)"/.exec(body)
  const path = /sun_path=(@?"(?:[^"\\]|\\.)*")/.exec(body)
  return {
    family,
    host: v4?.[1] ?? v6?.[1],
    port: port != null ? Number(port[1]) : undefined,
    path: path?.[1]?.replace(/^(@?)"(.*)"$/, '$1$2')
  }
}

/** One entry per traced syscall line that carries arguments (`<... resumed>` halves are skipped). */
export function parseTrace (text: string): TraceEntry[] {
  const out: TraceEntry[] = []
  let afterStart = false
  for (const line of text.split('\n')) {
    const m = SYSCALL.exec(line)
    if (m == null) continue
    const [, syscall, rest] = m
    const entry: TraceEntry = { syscall, addrs: [], afterStart, line }
    if (syscall === 'open' || syscall === 'openat') {
      const p = /"((?:[^"\\]|\\.)*)"/.exec(rest)
      entry.path = p?.[1]
      if (entry.path === STARTED_MARKER) afterStart = true
    } else {
      for (const a of rest.matchAll(SOCKADDR)) entry.addrs.push(parseSockAddr(a[1], a[2]))
    }
    out.push(entry)
  }
  return out
}

// ---- nft -j list (netns.ts runs it) ----

export interface PacketRecord {
  /** Packets that opened a flow to anything but tor's ports. */
  notTorPackets: number
  /** Their destinations, e.g. '10.0.0.1 udp 53'. */
  destinations: string[]
}

/** The namespace's own record, from `nft -j list`. */
export function parseNftRecord (counterJson: string, setJsons: string[]): PacketRecord {
  const counter = JSON.parse(counterJson).nftables.find((x: any) => x.counter != null)?.counter
  const destinations: string[] = []
  for (const j of setJsons) {
    const set = JSON.parse(j).nftables.find((x: any) => x.set != null)?.set
    for (const el of set?.elem ?? []) destinations.push((el.concat ?? [el]).join(' '))
  }
  return { notTorPackets: Number(counter?.packets ?? NaN), destinations: destinations.sort() }
}

// ---- ss -H -l -n -p (listening.ts runs it) ----

export interface ListeningSocket {
  netid: string
  local: string
}

/**
 * Parses `ss -H -l -n -p -t -u -w -x` lines of one pid:
 *
 *     tcp   LISTEN 0 511 127.0.0.1:38471 0.0.0.0:* users:(("node",pid=1234,fd=23))
 *     u_str LISTEN 0 511 /tmp/p2p-tor-Ab12/s 99123 * 0 users:(("node",pid=1234,fd=24))
 */
export function parseSs (text: string, pid: number): ListeningSocket[] {
  return text.split('\n')
    .filter(line => line.includes(`pid=${pid},`))
    .map(line => line.trim().split(/\s+/))
    .map(f => ({ netid: f[0], local: f[4] }))
}
