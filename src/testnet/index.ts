/**
 * A private Tor network on 127.0.0.1 (TestingTorNetwork): 3 directory
 * authorities, N relays and N clients, each a detached tor process that
 * outlives the caller. Used by the e2e tests, the benchmarks and
 * `p2p-tor testnet`. Knows nothing of libp2p.
 */
export { startTestnet } from './start.js'
export { stopTestnet, testnetStatus, testnetEnv } from './stop.js'
export type { TestnetOptions, TestnetClient, TestnetInfo, TestnetProgress, NodeStatus, Scheduler } from './types.js'
export type { NodeRole } from './layout.js'
export { DEFAULT_BASE_PORT, DEFAULT_CLIENTS, DEFAULT_RELAYS, PORTS_PER_NODE } from './layout.js'
export * from './errors.js'
