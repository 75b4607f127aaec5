import type { NodeRole } from './layout.js'
import type { Scheduler } from './torrc.js'

export type { Scheduler } from './torrc.js'

export interface TestnetProgress {
  /** 'check' | 'keys' | 'network' | 'clients' | 'publish' | 'done' */
  phase: string
  message: string
  /** Rough share of the start done, 0-100. */
  percent?: number
}

export interface TestnetOptions {
  /** Directory holding the network: state file, keys, logs, pid files. Paths with whitespace or quotes are refused. */
  dir: string
  /**
   * First of the consecutive ports the network uses (4 per node).
   * @default the base port of the network already in `dir`, else 17000
   */
  basePort?: number
  /** @default 2 (or the count of the network already in `dir`) */
  clients?: number
  /** Plain relays besides the 3 authorities. @default 1 (or the count of the network already in `dir`) */
  relays?: number
  /** Bound on the whole start. @default 60000 */
  timeoutMs?: number
  onProgress?: (e: TestnetProgress) => void
  /** @default 'tor' on PATH */
  torBinary?: string
  /**
   * Tor's circuit scheduler on every node (and in torrcLines). Benchmarks
   * must say which one they used: KIST batches writes every 10 ms.
   * @default 'KIST' (tor's own default)
   */
  scheduler?: Scheduler
}

export interface TestnetClient {
  name: string
  socksPort: number
  controlPort: number
  cookieFile: string
  dataDir: string
}

export interface TestnetInfo {
  dir: string
  basePort: number
  clients: TestnetClient[]
  /** What a managed tor needs to join as a full member: TestingTorNetwork, the DirAuthority lines, and so on. */
  torrcLines: string[]
  scheduler: Scheduler
}

export interface NodeStatus {
  name: string
  role: NodeRole
  pid?: number
  alive: boolean
}
