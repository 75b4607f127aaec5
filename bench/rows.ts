/**
 * What every benchmark row module shares: the suite's options (FULL for
 * `npm run bench`, SMOKE for the e2e smoke), and the row and goal types.
 * Its own module, so that suite.ts imports the row modules (messaging.ts,
 * sealed.ts, chat.ts) and they import these types without a loop.
 */
import type { Summary } from './stats.js'

export interface SuiteOptions {
  /** Pairs for the costly measurements (listen, first ping, throughput). @default 5 */
  samples: number
  /** Pairs for the round-trip measurements, spread evenly over the samples' circuits. @default 40 */
  rttSamples: number
  /** Bytes per throughput transfer. @default 10e6: 20 transfers of 50 MB per scheduler do not fit the 10-minute budget on 2 cores */
  bytes: number
  /** Nodes dialing the hub at once. @default 20 */
  peers: number
  /** Concurrent streams on one connection. @default 200 */
  streams: number
  /** Bytes echoed per stream. @default 65536 */
  streamBytes: number
  /** Messaging: members of the hub (1 publisher, the rest subscribers). @default 20 */
  members: number
  /** Messaging: interleaved publish / call / direct ping samples. @default 40 */
  msgSamples: number
  /** Messaging: messages in the throughput flood. @default 500 */
  floodMessages: number
  /** Messaging: payload bytes per flood message. @default 256 */
  floodBytes: number
  /** Messaging: flood messages in flight (published, not yet at every subscriber). @default 64 */
  floodWindow: number
  /** Sealing (s1–s8): timed seals and opens per 1 KiB configuration. @default 300 */
  sealRuns: number
  /** Sealing (s1–s8): timed seals and opens per 1 MiB configuration. @default 15 */
  sealRunsLarge: number
  /** Messaging (m5): interleaved sealed / plain floods of floodMessages each. @default 2 */
  sealedPairs: number
  /** Chat (c1): messages alice → bob, both online, timed one by one. @default 30 */
  chatMessages: number
  /** Chat (c2, c2b): messages alice → bob's mailbox while bob is offline, then fetched. @default 10 */
  chatMailboxMessages: number
  /** Which groups of rows to run. @default all of ROW_GROUPS */
  rows?: RowGroup[]
  /** Extra node flags for the children, e.g. ['--cpu-prof', '--cpu-prof-dir=prof']. */
  execArgv?: string[]
  log?: (line: string) => void
}

/**
 * The groups of rows, in the order they run: 'tor' rows 1–7b (p2p-tor vs raw
 * Tor), 'messaging' m1–m5, 'sealing' s1–s8, 'chat' c1, c2, c2b.
 */
export const ROW_GROUPS = ['tor', 'messaging', 'sealing', 'chat'] as const
export type RowGroup = typeof ROW_GROUPS[number]

export const FULL: SuiteOptions = { samples: 5, rttSamples: 40, bytes: 10e6, peers: 20, streams: 200, streamBytes: 64 * 1024, members: 20, msgSamples: 40, floodMessages: 500, floodBytes: 256, floodWindow: 64, sealRuns: 300, sealRunsLarge: 15, sealedPairs: 2, chatMessages: 30, chatMailboxMessages: 10 }
export const SMOKE: SuiteOptions = { samples: 1, rttSamples: 1, bytes: 1e6, peers: 2, streams: 4, streamBytes: 64 * 1024, members: 3, msgSamples: 2, floodMessages: 20, floodBytes: 256, floodWindow: 64, sealRuns: 50, sealRunsLarge: 3, sealedPairs: 1, chatMessages: 3, chatMailboxMessages: 2 }

/** Whether `opts` asks for the rows of `group` (all groups when it names none). */
export function wants (opts: SuiteOptions, group: RowGroup): boolean {
  return opts.rows == null || opts.rows.includes(group)
}

/** `absolute`: the goal is on the p2p-tor median itself (in the row's unit), not on a ratio. */
export type Goal = { op: '<=' | '>=', value: number, absolute?: boolean } | { op: 'zero-errors' } | { op: 'report' }

export interface Row {
  id: string
  name: string
  unit: string
  p2p: Summary
  raw?: Summary
  /** p2p median / raw median. */
  ratio?: number
  goal: Goal
  met?: boolean
  /** Breakdowns and counts that explain the row. */
  detail?: Record<string, unknown>
}

