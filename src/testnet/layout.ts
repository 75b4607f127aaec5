/**
 * Which tor processes a private network has and which ports each one uses.
 * Pure: no I/O.
 *
 * Node n (authorities first, then relays, then clients) owns the four ports
 * basePort + 4n .. basePort + 4n + 3: ORPort, DirPort, ControlPort, SocksPort
 * (each role uses the ones it needs). With the defaults (3 authorities,
 * 1 relay, 2 clients) a network spans basePort .. basePort + 23.
 */
import { InvalidTestnetOptionsError } from './errors.js'

export type NodeRole = 'authority' | 'relay' | 'client'

export interface NodeSpec {
  name: string
  role: NodeRole
  orPort?: number
  dirPort?: number
  controlPort: number
  socksPort?: number
}

export interface Topology {
  basePort: number
  relays: number
  clients: number
}

export const AUTHORITIES = 3
export const PORTS_PER_NODE = 4
export const DEFAULT_BASE_PORT = 17000
export const DEFAULT_RELAYS = 1
export const DEFAULT_CLIENTS = 2
const MAX_NODES = 64

function checkCount (what: string, n: number, min: number): void {
  if (!Number.isInteger(n) || n < min || n > MAX_NODES) {
    throw new InvalidTestnetOptionsError(`${what} must be an integer from ${min} to ${MAX_NODES}, got ${String(n)}`)
  }
}

/** Validate a topology; throws InvalidTestnetOptionsError. */
export function checkTopology (t: Topology): void {
  // 3 authorities + at least 1 relay: onion-service circuits need 4 relays (TORNET.md).
  checkCount('relays', t.relays, 1)
  // Client 0 hosts the onion service that proves the network works.
  checkCount('clients', t.clients, 1)
  const span = (AUTHORITIES + t.relays + t.clients) * PORTS_PER_NODE
  if (!Number.isInteger(t.basePort) || t.basePort < 1024 || t.basePort + span - 1 > 65535) {
    throw new InvalidTestnetOptionsError(`base port must be an integer from 1024 to ${65536 - span} for this network (it uses ${span} ports), got ${String(t.basePort)}`)
  }
}

/** The nodes of a network, in start order. */
export function planNodes (t: Topology): NodeSpec[] {
  checkTopology(t)
  const nodes: NodeSpec[] = []
  const add = (role: NodeRole, name: string): void => {
    const p = t.basePort + nodes.length * PORTS_PER_NODE
    if (role === 'authority') nodes.push({ name, role, orPort: p, dirPort: p + 1, controlPort: p + 2 })
    else if (role === 'relay') nodes.push({ name, role, orPort: p, controlPort: p + 2 })
    else nodes.push({ name, role, controlPort: p + 2, socksPort: p + 3 })
  }
  for (let i = 0; i < AUTHORITIES; i++) add('authority', `auth${i}`)
  for (let i = 0; i < t.relays; i++) add('relay', `relay${i}`)
  for (let i = 0; i < t.clients; i++) add('client', `client${i}`)
  return nodes
}

/** Every port a node listens on. */
export function nodePorts (n: NodeSpec): number[] {
  return [n.orPort, n.dirPort, n.controlPort, n.socksPort].filter((p): p is number => p != null)
}
