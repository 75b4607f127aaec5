/**
 * A finding is one broken guarantee, in words a reader can act on. Each
 * check of the leak test yields findings of its kind; a clean run has none.
 */
export type FindingKind =
  /** a connection or datagram to anything but tor (strace, nftables) */
  | 'destination'
  /** a name lookup: resolver files, port 53, a resolver socket */
  | 'dns'
  /** a trap listener saw a connection */
  | 'trap'
  /** a non-onion address announced or learnt through identify */
  | 'announce'
  /** the identify agentVersion says more than 'p2p-tor' */
  | 'agent'
  /** a socket reachable beyond loopback */
  | 'listen'
  /** a key, cookie or password in a log */
  | 'log'

export interface Finding {
  kind: FindingKind
  text: string
}

export function ofKind (findings: Finding[], kind: FindingKind): string[] {
  return findings.filter(f => f.kind === kind).map(f => f.text)
}
