/**
 * Multiaddrs for the address-filter specs: what must never leave the node
 * (or be dialed), and the /onion3 forms that must. The onion ids come from
 * test/unit/onion/vectors.ts (C tor's vectors), not from our encoder.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { CHECKSUM_SECOND_BYTE_WRONG, TOR_BAD_CHECKSUM_ADDRESSES, TOR_BUILD_ADDRESS, TOR_OLD_VALID_ADDRESS, VERSION_4_ADDRESS } from '../onion/vectors.js'
import type { Multiaddr } from '@multiformats/multiaddr'

export const PEER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
export const RELAY = '12D3KooWGRUVh6EkBTNNpCDnEJimiqbZC9oz7aV5oT7jR4QTcZ5E'

/** Valid /onion3, with and without /p2p. */
export const ONION: Multiaddr[] = [
  multiaddr(`/onion3/${TOR_BUILD_ADDRESS}:7777`),
  multiaddr(`/onion3/${TOR_OLD_VALID_ADDRESS}:1/p2p/${PEER}`)
]

/**
 * The same onions spelled as stock libp2p nodes behind torsocks write them
 * (issue 17): dialed and kept in the peer store, never announced or listened on.
 */
export const ONION_DNS: Multiaddr[] = [
  multiaddr(`/dns4/${TOR_BUILD_ADDRESS}.onion/tcp/7777`),
  multiaddr(`/dns/${TOR_OLD_VALID_ADDRESS}.onion/tcp/1/p2p/${PEER}`),
  multiaddr(`/dns6/${TOR_BUILD_ADDRESS}.onion/tcp/65535/p2p/${PEER}`)
]

/** Everything a Tor-only node must neither announce nor dial, each labelled. */
export const NOT_ONION: Array<[label: string, ma: Multiaddr]> = [
  ['ip4 loopback', multiaddr('/ip4/127.0.0.1/tcp/4001')],
  ['ip4 LAN', multiaddr(`/ip4/192.168.1.20/tcp/4001/p2p/${PEER}`)],
  ['ip4 public quic', multiaddr('/ip4/203.0.113.7/udp/4001/quic-v1')],
  ['ip6', multiaddr('/ip6/::1/tcp/4001')],
  ['dns', multiaddr('/dns/example.com/tcp/443/wss')],
  ['dns4 of a clearnet name', multiaddr(`/dns4/example.com/tcp/80/p2p/${PEER}`)],
  ['dns4 of an onion name, bad checksum (C tor)', multiaddr(`/dns4/${TOR_BAD_CHECKSUM_ADDRESSES[0]}.onion/tcp/80`)],
  ['dns of an onion name, version 4', multiaddr(`/dns/${VERSION_4_ADDRESS}.onion/tcp/80`)],
  ['dns4 of an onion subdomain', multiaddr(`/dns4/www.${TOR_BUILD_ADDRESS}.onion/tcp/80`)],
  ['dns4 of an upper-case onion name', multiaddr(`/dns4/${TOR_BUILD_ADDRESS.toUpperCase()}.onion/tcp/80`)],
  ['dns4 of an onion name, udp', multiaddr(`/dns4/${TOR_BUILD_ADDRESS}.onion/udp/80`)],
  ['dns4 of an onion name, then ws', multiaddr(`/dns4/${TOR_BUILD_ADDRESS}.onion/tcp/80/ws`)],
  ['dnsaddr of an onion name', multiaddr(`/dnsaddr/${TOR_BUILD_ADDRESS}.onion`)],
  ['dnsaddr', multiaddr(`/dnsaddr/bootstrap.libp2p.io/p2p/${PEER}`)],
  ['onion3, bad checksum (C tor)', multiaddr(`/onion3/${TOR_BAD_CHECKSUM_ADDRESSES[0]}:7777`)],
  ['onion3, second checksum byte wrong', multiaddr(`/onion3/${CHECKSUM_SECOND_BYTE_WRONG}:7777/p2p/${PEER}`)],
  ['onion3, version 4', multiaddr(`/onion3/${VERSION_4_ADDRESS}:7777`)],
  ['onion3, port 0', multiaddr(`/onion3/${TOR_BUILD_ADDRESS}:0`)],
  ['onion3 then tcp', multiaddr(`/onion3/${TOR_BUILD_ADDRESS}:7777/tcp/1`)],
  ['p2p-circuit through an onion relay', multiaddr(`/onion3/${TOR_BUILD_ADDRESS}:7777/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`)],
  ['p2p-circuit through an onion relay, no target', multiaddr(`/onion3/${TOR_BUILD_ADDRESS}:7777/p2p/${RELAY}/p2p-circuit`)],
  ['p2p-circuit through an ip4 relay', multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`)]
]
