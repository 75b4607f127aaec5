/**
 * What the leak test and its node processes say to each other: a JSON config
 * on argv, commands as JSON lines on stdin, replies and events as JSON lines
 * on stdout. Shared by node.ts (the process) and node-process.ts (the test side).
 */

import type { ErrorShape } from './errors.js'

/** How a node process is wired to its tor. */
export interface LeakNodeConfig {
  name: string
  control: string
  socks: string
  cookieFile: string
  controlPassword: string
  /** tor's hs_ed25519_secret_key file; the node listens on its onion address. */
  keyFile: string
  port: number
  localTarget: 'tcp' | 'unix'
  unixSocketDir?: string
  /** 127.0.0.1:<trapPort> is the trap listener; only the 'direct' injection uses it. */
  trapPort: number
  /** The node runs in a network namespace of its own, where nothing can leave. */
  contained: boolean
}

/**
 * Deliberate leaks, for the detector's self-test (env LEAK_TEST_INJECT of a
 * node process; honoured by test/e2e/leak/node.ts only):
 * - tcp: adds @libp2p/tcp, removes the gater and the announce filter, listens
 *   on 0.0.0.0 and tells the Node.js version in identify. Contained nodes only.
 * - direct: net.connect() to the trap port and a dns.lookup() of localhost,
 *   both of which stay on this machine.
 */
export type Injection = 'tcp' | 'direct'
export const INJECTIONS: readonly Injection[] = ['tcp', 'direct']

/** The path of an openat() that marks "start-up is over" in the syscall trace. */
export const STARTED_MARKER = '/__p2p_tor_leak_test__/node-started'

export type Command =
  | { cmd: 'exercise', addr: string }
  | { cmd: 'identify', peerId: string }
  | { cmd: 'peer', peerId: string }
  | { cmd: 'merge', peerId: string, addrs: string[] }
  | { cmd: 'hangUp', peerId: string }
  | { cmd: 'dial', target: string, timeoutMs: number }
  | { cmd: 'stop' }

export type Request = Command & { id: number }

/** What one side learnt about the other through identify. */
export interface IdentifyView {
  peerId: string
  listenAddrs: string[]
  signedPeerRecordAddrs: string[]
  observedAddr?: string
  agentVersion?: string
  protocols: string[]
}

export interface ExerciseResult {
  remotePeer: string
  pingMs: number
  echoBytes: number
  echoMatches: boolean
  identify: IdentifyView
}

export interface PeerView {
  addresses: string[]
  agentVersion?: string
  /** The last identify that ran automatically (peer:identify), if any. */
  autoIdentify?: IdentifyView
}

export interface DialOutcome {
  connected: boolean
  remoteAddr?: string
  error?: string
}

export interface ReadyEvent {
  event: 'ready'
  pid: number
  peerId: string
  addrs: string[]
}

export type Reply =
  | { id: number, ok: true, result: unknown }
  /** `error` is "name: message"; `shape` holds the names of its causes (errors.ts). */
  | { id: number, ok: false, error: string, shape?: ErrorShape }
