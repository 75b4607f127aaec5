/**
 * The syscall recorder: a node process runs under `strace -f`, which the
 * kernel stops at every traced syscall of every thread (ptrace + seccomp), so
 * nothing the process does through the socket API escapes the record,
 * whichever library (libuv, c-ares, glibc's resolver, a native addon) makes
 * the call. This file builds the strace command line and judges its output
 * (entries in, findings out); parse.ts turns strace's text into entries.
 */
import type { Finding } from './findings.js'
import type { SockAddr, TraceEntry } from './parse.js'

/** Every way to open a connection or send a datagram to an address, plus file opens (resolver evidence) and binds. */
export const TRACED_SYSCALLS = ['connect', 'sendto', 'sendmsg', 'sendmmsg', 'bind', 'open', 'openat']

/** The strace prefix for `node script ...`: follow every thread and child, one line per syscall, no exit chatter. */
export function straceCommand (outFile: string): string[] {
  return ['strace', '-f', '-qq', '--seccomp-bpf', '-s', '256', '-o', outFile, '-e', `trace=${TRACED_SYSCALLS.join(',')}`]
}

/** Files that glibc's and c-ares' name resolution read: reading them means a lookup is under way. */
const RESOLVER_FILES = ['/etc/resolv.conf', '/etc/hosts', '/etc/nsswitch.conf', '/etc/host.conf', '/etc/gai.conf', '/run/systemd/resolve/']
/** Libraries glibc loads for a DNS lookup. */
const RESOLVER_LIBS = /\/lib(?:nss_dns|nss_resolve|nss_mdns\w*|resolv)[.-]/
/** Unix sockets of system resolvers (nscd, systemd-resolved's varlink). */
const RESOLVER_SOCKETS = ['/var/run/nscd/socket', '/run/nscd/socket', '/run/systemd/resolve/']

export interface TracePolicy {
  /** The only IP destinations allowed: tor's SOCKS and control ports. */
  torEndpoints: Array<{ host: string, port: number }>
  /** Unix sockets the node may connect to (tor's control socket, when used). */
  unixPaths?: string[]
}

/** '::ffff:127.0.0.1' is 127.0.0.1. */
function plainHost (host: string | undefined): string | undefined {
  return host?.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1')
}

function isLoopback (host: string | undefined): boolean {
  const h = plainHost(host)
  return h != null && (/^127\./.test(h) || h === '::1')
}

function describe (a: SockAddr): string {
  if (a.family === 'AF_UNIX') return `unix:${a.path ?? '?'}`
  const h = plainHost(a.host) ?? '?'
  return `${h.includes(':') ? `[${h}]` : h}:${a.port ?? '?'}`
}

function isResolverFile (path: string): boolean {
  return RESOLVER_FILES.some(f => f.endsWith('/') ? path.startsWith(f) : path === f) || RESOLVER_LIBS.test(path)
}

/**
 * Everything in a trace that breaks the guarantees: an IP destination that is
 * not a tor endpoint, anything sent to port 53 or to a resolver socket,
 * resolver files or libraries opened after start-up, a bind to a
 * non-loopback address.
 */
export function judgeTrace (entries: TraceEntry[], policy: TracePolicy): Finding[] {
  const findings: Finding[] = []
  const isTor = (a: SockAddr): boolean => policy.torEndpoints.some(t => t.port === a.port && plainHost(a.host) === t.host)
  for (const e of entries) {
    const line = e.line.trim()
    if (e.path != null) {
      if (e.afterStart && isResolverFile(e.path)) findings.push({ kind: 'dns', text: `name resolution after start-up: ${e.syscall} ${e.path} — ${line}` })
      continue
    }
    for (const a of e.addrs) {
      const inet = a.family === 'AF_INET' || a.family === 'AF_INET6'
      if (e.syscall === 'bind') {
        if (inet && !isLoopback(a.host)) findings.push({ kind: 'listen', text: `bind to ${describe(a)}, not loopback — ${line}` })
        continue
      }
      if (inet && a.port === 53) {
        findings.push({ kind: 'dns', text: `DNS query by ${e.syscall} to ${describe(a)} — ${line}` })
      } else if (inet && !isTor(a)) {
        findings.push({ kind: 'destination', text: `${e.syscall} to ${describe(a)}, not a tor endpoint — ${line}` })
      } else if (a.family === 'AF_UNIX' && !(policy.unixPaths ?? []).includes(a.path ?? '')) {
        const resolver = RESOLVER_SOCKETS.some(s => (a.path ?? '').startsWith(s))
        findings.push({ kind: resolver ? 'dns' : 'destination', text: `${e.syscall} to ${describe(a)}${resolver ? ' (a system resolver)' : ''} — ${line}` })
      } else if (!inet && a.family !== 'AF_UNIX' && a.family !== 'AF_NETLINK' && a.family !== 'AF_UNSPEC') {
        findings.push({ kind: 'destination', text: `${e.syscall} on ${a.family} — ${line}` })
      }
    }
  }
  return findings
}

/** The IP destinations in a trace, deduplicated: what the report shows. */
export function destinations (entries: TraceEntry[]): string[] {
  const seen = new Set<string>()
  for (const e of entries) {
    if (e.syscall === 'bind') continue
    for (const a of e.addrs) if (a.family === 'AF_INET' || a.family === 'AF_INET6' || a.family === 'AF_UNIX') seen.add(`${e.syscall} ${describe(a)}`)
  }
  return [...seen].sort()
}
