/**
 * Entry point of one benchmark child process:
 * `node peer.js <role> <tor endpoints as JSON>`, driven over IPC (rpc.ts).
 * Roles: p2p-server, raw-server, p2p-client, raw-client, p2p-swarm, and the
 * messaging hub and members (msg-hub, msg-members: messaging-side.ts), and the
 * chat rows' mailbox and users (chat: chat-side.ts).
 */
import '../src/polyfill.js'
import { serve, type Handlers } from './rpc.js'
import type { ClientSide, ServerSide, TorEndpoints } from './sides.js'

export type Role = 'p2p-server' | 'raw-server' | 'p2p-client' | 'raw-client' | 'p2p-swarm' | 'msg-hub' | 'msg-members' | 'chat'

export interface MemoryStats {
  rss: number
  heapUsed: number
}

/** RSS after a full collection, so that garbage does not count as footprint. */
function memory (): MemoryStats {
  (globalThis as { gc?: () => void }).gc?.()
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed }
}

/** Exposes every method of `side` (bound) as an RPC handler. */
function methodsOf (side: object): Handlers {
  const handlers: Handlers = {}
  const proto = Object.getPrototypeOf(side) as object
  for (const name of Object.getOwnPropertyNames(proto)) {
    const fn = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown
    if (name !== 'constructor' && typeof fn === 'function') handlers[name] = fn.bind(side)
  }
  return handlers
}

async function createSide (role: Role, tor: TorEndpoints): Promise<ServerSide | ClientSide | { close: () => Promise<void> } | undefined> {
  // raw roles never load libp2p, so the raw process's footprint is its own
  switch (role) {
    case 'p2p-server': return new (await import('./p2p.js')).P2pServer(tor)
    case 'p2p-client': return await (await import('./p2p.js')).P2pClient.create(tor)
    case 'raw-server': return await (await import('./raw.js')).RawServer.create(tor)
    case 'raw-client': return new (await import('./raw.js')).RawClient(tor)
    case 'p2p-swarm': return undefined
    case 'msg-hub': return new (await import('./messaging-side.js')).HubSide(tor)
    // the members' argument is a list of tors: member i uses tors[i % length]
    case 'msg-members': return new (await import('./messaging-side.js')).MembersSide(tor as unknown as TorEndpoints[])
    // alice's, bob's and the mailbox's tors, in that order
    case 'chat': return new (await import('./chat-side.js')).ChatSide(tor as unknown as TorEndpoints[])
  }
}

async function main (): Promise<void> {
  const role = process.argv[2] as Role
  const tor = JSON.parse(process.argv[3]) as TorEndpoints
  const side = await createSide(role, tor)
  const handlers: Handlers = { ...(side != null ? methodsOf(side) : {}), memory }
  if (role === 'p2p-swarm') {
    const { swarm } = await import('./p2p.js')
    handlers.swarm = async (count: number, hub: string) => await swarm(tor, count, hub)
  }
  serve(handlers, async () => { await side?.close() })
}

main().catch(err => {
  console.error('bench peer failed to start:', err)
  process.exit(1)
})
