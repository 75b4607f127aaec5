/**
 * What a process listens on, from `ss` (the kernel's socket tables), and
 * whether any of it is reachable from outside this machine.
 */
import { execFileSync } from 'node:child_process'
import { parseSs, type ListeningSocket } from './parse.js'
import type { Finding } from './findings.js'

export type { ListeningSocket } from './parse.js'

/** The sockets `pid` listens on (TCP, UDP, raw, unix), as ss sees them from the namespace of `prefix`. */
export function listeningSockets (pid: number, prefix: string[] = []): ListeningSocket[] {
  const cmd = [...prefix, 'ss', '-H', '-l', '-n', '-p', '-t', '-u', '-w', '-x']
  return parseSs(execFileSync(cmd[0], cmd.slice(1), { encoding: 'utf8', timeout: 15_000 }), pid)
}

/** The host part of '127.0.0.1:80', '[::1]:80', '*:80' or '0.0.0.0%lo:80'. */
function hostOf (local: string): string {
  const host = local.startsWith('[') ? local.slice(1, local.indexOf(']')) : local.slice(0, local.lastIndexOf(':'))
  return host.replace(/%.*$/, '')
}

/** Unix sockets are local by nature; IP sockets must be bound to a loopback address. */
export function judgeListening (sockets: ListeningSocket[]): Finding[] {
  return sockets
    .filter(s => !s.netid.startsWith('u_'))
    .filter(s => {
      const host = hostOf(s.local).replace(/^::ffff:/i, '')
      return !(/^127\./.test(host) || host === '::1')
    })
    .map(s => ({ kind: 'listen' as const, text: `listens on ${s.netid} ${s.local}, reachable beyond loopback` }))
}
