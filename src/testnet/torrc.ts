/**
 * torrc text for each node of the private network. Pure: no I/O.
 * Every option here is explained in /work/shared/TORNET.md ("torrc options
 * that mattered"); chutney's torrc_templates build networks the same way.
 */
import type { NodeSpec } from './layout.js'

export type Scheduler = 'KIST' | 'Vanilla'

/** What the other nodes need to know of an authority. */
export interface AuthorityIdentity {
  nickname: string
  orPort: number
  dirPort: number
  /** Fingerprint of the authority's v3 identity certificate (tor-gencert). */
  v3ident: string
  /** Fingerprint of its relay identity key (tor --list-fingerprint). */
  fingerprint: string
}

const HEX40 = /^[0-9A-F]{40}$/

export function dirAuthorityLine (a: AuthorityIdentity): string {
  if (!HEX40.test(a.v3ident) || !HEX40.test(a.fingerprint)) {
    throw new TypeError(`authority ${a.nickname}: fingerprints must be 40 upper-case hex digits`)
  }
  return `DirAuthority ${a.nickname} orport=${a.orPort} no-v2 v3ident=${a.v3ident} 127.0.0.1:${a.dirPort} ${a.fingerprint}`
}

/**
 * The lines any tor needs to be a member of this network (the testnet's
 * nodes and a managed tor joining it): the authorities plus the options that
 * make a 127.0.0.1 network work.
 */
export function networkTorrcLines (authorities: AuthorityIdentity[], scheduler?: Scheduler): string[] {
  return [
    'TestingTorNetwork 1',
    ...authorities.map(dirAuthorityLine),
    'PathsNeededToBuildCircuits 0.67',
    'LearnCircuitBuildTimeout 0',
    // KIST is tor's default; Vanilla trades Tor's 10 ms write batching for latency (TORNET.md).
    ...(scheduler === 'Vanilla' ? ['Schedulers Vanilla'] : [])
  ]
}

export interface NodeTorrcOptions {
  /** The node's DataDirectory (keys, state, cookie, logs, pid file). */
  dataDir: string
  /** From networkTorrcLines(). */
  networkLines: string[]
  /** An empty file: GeoIP lookups are useless here and loading the real file costs ~1.5 s CPU. */
  emptyFile: string
}

/** The full torrc of one node of the network. */
export function nodeTorrc (node: NodeSpec, opts: NodeTorrcOptions): string {
  const lines = [
    `# ${node.role} ${node.name} of a private Tor network written by p2p-tor testnet; regenerated on every start`,
    ...opts.networkLines,
    `Nickname ${node.name}`,
    `DataDirectory ${opts.dataDir}`,
    'RunAsDaemon 0',
    `Log notice file ${opts.dataDir}/notice.log`,
    'SafeLogging 1',
    `ControlPort 127.0.0.1:${node.controlPort}`,
    'CookieAuthentication 1',
    `GeoIPFile ${opts.emptyFile}`,
    `GeoIPv6File ${opts.emptyFile}`,
    // Relays otherwise linger 30 s on shutdown.
    'ShutdownWaitLength 0'
  ]
  if (node.role === 'client') {
    lines.push(`SocksPort 127.0.0.1:${node.socksPort ?? 0} ExtendedErrors`)
    return lines.join('\n') + '\n'
  }
  lines.push(
    'SocksPort 0',
    `ORPort 127.0.0.1:${node.orPort ?? 0}`,
    'Address 127.0.0.1',
    'AssumeReachable 1',
    'ExitRelay 0',
    'ExitPolicy reject *:*',
    `ContactInfo ${node.name}@testnet.invalid`
  )
  if (node.role === 'relay') {
    lines.push('FetchDirInfoEarly 1', 'FetchDirInfoExtraEarly 1')
  } else {
    lines.push(
      `DirPort 127.0.0.1:${node.dirPort ?? 0}`,
      'AuthoritativeDirectory 1',
      'V3AuthoritativeDirectory 1',
      'V3AuthVotingInterval 10',
      'V3AuthVoteDelay 2',
      'V3AuthDistDelay 2',
      'TestingV3AuthInitialVotingInterval 5',
      'TestingV3AuthInitialVoteDelay 2',
      'TestingV3AuthInitialDistDelay 2',
      'V3AuthNIntervalsValid 2',
      // Young relays get neither flag otherwise, and HS circuits need both.
      'TestingDirAuthVoteGuard *',
      'TestingDirAuthVoteHSDir *',
      // Vote relays Running in the first consensus instead of after a reachability test.
      'AuthDirTestReachability 0'
    )
  }
  return lines.join('\n') + '\n'
}
