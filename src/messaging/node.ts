/**
 * The libp2p nodes messaging runs on: `torNodeOptions()` (every Tor default,
 * the onion-only announce filter and the dial gater kept) plus gossipsub
 * tuned for the hub-and-members star (gossip.ts).
 *
 * - A hub listens on its onion key, and its connection gater refuses any
 *   peer its realm does not name right after noise has proved the PeerId, so
 *   a stranger never opens a protocol stream. The realm is read through a
 *   getter, so a reload takes effect for the next connection at once.
 * - A member is dial-only (no onion service, no ADD_ONION) and its gater
 *   lets it connect to its hubs only.
 */
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { torNodeOptions, type TorNodeOptions, type TorNodeServices } from '../node.js'
import { ENVELOPE_OVERHEAD } from './envelope.js'
import { hubGossipsubOptions, memberGossipsubOptions } from './gossip.js'
import type { Realm } from './realm.js'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface MessagingServices extends TorNodeServices {
  pubsub: GossipSub
}

export type MessagingNode = Libp2p<MessagingServices>

/** gossipsub's own framing around one message's data, at most. */
const RPC_OVERHEAD = 1024

export interface HubNodeOptions extends TorNodeOptions {
  /** The realm in force; read on every connection, so a reload applies at once. */
  realm: () => Realm
  /** Told of each peer the gater refused (after noise proved its PeerId, before any stream). */
  onDenied?: (peer: string) => void
}

export async function createHubNode (options: HubNodeOptions): Promise<MessagingNode> {
  const { realm, onDenied, ...nodeOptions } = options
  if (nodeOptions.key == null && nodeOptions.keyFile == null) {
    throw new TypeError('a hub needs an onion key (key or keyFile): members must be able to reach it')
  }
  if (nodeOptions.privateKey == null) {
    throw new TypeError('a hub needs a privateKey: members name it by its PeerId, which must not change between runs')
  }
  const self = peerIdFromPrivateKey(nodeOptions.privateKey).toString()
  const base = await torNodeOptions({ ...nodeOptions, start: false })
  const initial = realm()
  const maxMessage = initial.limits.maxPayloadBytes + ENVELOPE_OVERHEAD + RPC_OVERHEAD
  const gater = base.connectionGater
  return await createLibp2p<MessagingServices>({
    ...base,
    start: false,
    connectionGater: {
      ...gater,
      // the realm names every peer that may connect, members and hubs alike
      denyInboundEncryptedConnection: async (peer) => {
        const deny = !realm().knows(peer.toString())
        if (deny) onDenied?.(peer.toString())
        return deny
      },
      denyOutboundEncryptedConnection: async (peer) => !realm().knows(peer.toString())
    },
    services: {
      ...base.services,
      pubsub: gossipsub(hubGossipsubOptions(maxMessage, otherHubs(initial, self)))
    } as any
  })
}

export interface MemberNodeOptions extends Omit<TorNodeOptions, 'key' | 'keyFile' | 'dialOnly'> {
  /** The hubs' multiaddrs (`/onion3/...:port/p2p/<hub PeerId>`). The member connects to these peers only. */
  hubs: string[]
  /** The payload cap (the realm's maxPayloadBytes). @default 1 MiB */
  maxPayloadBytes?: number
}

export async function createMemberNode (options: MemberNodeOptions): Promise<MessagingNode> {
  const { hubs, maxPayloadBytes, ...nodeOptions } = options
  const hubPeers = new Set(hubs.map(hubPeerOf))
  const base = await torNodeOptions({ ...nodeOptions, dialOnly: true, start: false })
  const maxMessage = (maxPayloadBytes ?? 1024 * 1024) + ENVELOPE_OVERHEAD + RPC_OVERHEAD
  return await createLibp2p<MessagingServices>({
    ...base,
    start: false,
    connectionGater: {
      ...base.connectionGater,
      // a member talks to its hubs and to nobody else
      denyOutboundEncryptedConnection: async (peer) => !hubPeers.has(peer.toString()),
      denyInboundConnection: async () => true
    },
    services: {
      ...base.services,
      pubsub: gossipsub(memberGossipsubOptions(maxMessage))
    } as any
  })
}

/** The PeerId a hub multiaddr names; a hub address without /p2p is refused (the member must know whom it trusts). */
export function hubPeerOf (addr: string): string {
  const ma = multiaddr(addr)
  const id = ma.getComponents().find(c => c.name === 'p2p')?.value
  if (id == null) throw new TypeError(`hub address ${addr} has no /p2p/<PeerId>: a member must know the hub's PeerId (it is printed by p2p-tor hub)`)
  return peerIdFromString(id).toString()
}

/** The realm's hubs but this one: gossipsub's direct peers. */
function otherHubs (realm: Realm, self: string): Array<{ id: PeerId, addrs: Multiaddr[] }> {
  return realm.hubs.filter(h => h.peer !== self).map(h => ({ id: peerIdFromString(h.peer), addrs: [multiaddr(h.multiaddr)] }))
}
