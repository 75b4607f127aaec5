/**
 * The leak scenario, end to end: a listener node (testnet client 0, host
 * network namespace, tcp local target) and a dialer node (client 1, in a
 * namespace of its own, unix local target), each a process under strace with
 * DEBUG=libp2p:* logs. They ping, identify and stream; then the dialer gets
 * poisoned addresses (/ip4 to a trap, /dns4) and is asked to dial them. The
 * result holds every record; judge.ts turns it into findings.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { isValidOnion3Multiaddr, loadOrCreateOnionKeyFile } from '../../../src/onion/index.js'
import { torOptions } from '../helpers.js'
import { JsonLineChild } from './child.js'
import { retryF0 } from './errors.js'
import { listeningSockets, type ListeningSocket } from './listening.js'
import { ContainedNet, type PacketRecord } from './netns.js'
import { bytesSecret, onionKeySecret, textSecret, type Secret } from './secrets.js'
import { straceCommand, type TracePolicy } from './trace.js'
import type { DialOutcome, ExerciseResult, IdentifyView, Injection, LeakNodeConfig, PeerView, ReadyEvent } from './protocol.js'
import type { TestnetClient, TestnetInfo } from '../../../src/testnet/index.js'

const NODE_SCRIPT = fileURLToPath(new URL('./node.js', import.meta.url))
export const DNS_ADDR = '/dns4/example.com/tcp/80'
const ONION_PORT = 7777
const READY_MS = 90_000
const DIAL_MS = 60_000
const TRAP_DIAL_MS = 10_000
const STEP_MS = 10_000
/** The whole scenario, so that it ends (and stops its processes) well inside mocha's 180 s. */
export const SCENARIO_BUDGET_MS = 130_000

export interface ScenarioOptions {
  net: TestnetInfo
  /** A fresh directory for keys, traces, logs and sockets. */
  dir: string
  /** Deliberate leaks, for the detector's self-test. The tcp injection is only allowed for the (contained) dialer. */
  inject?: { listener?: Injection, dialer?: Injection }
}

export interface NodeRecord {
  name: string
  keyFile: string
  /** The control password the node was given (unused by tor, which offers SAFECOOKIE). */
  password: string
  pid: number
  peerId: string
  /** What the node announces (getMultiaddrs). */
  announced: string[]
  policy: TracePolicy
  traceFile: string
  logFile: string
  secrets: Secret[]
  listening: ListeningSocket[]
  /** Identify run on demand over the live connection, as this node sees the other. */
  identifyOfRemote?: IdentifyView
  /** The peer store's view of the other node, before any poisoning. */
  peerOfRemote?: PeerView
}

export interface ScenarioResult {
  listener: NodeRecord
  dialer: NodeRecord
  exercise?: ExerciseResult
  /** How many tries the first dial took (F0 retries, at most EXERCISE_MAX_ATTEMPTS). */
  exerciseAttempts?: number
  trapAddr: string
  /** Dials of poisoned addresses: by a fresh peer id, and by each multiaddr. */
  poisonedDials: Record<string, DialOutcome>
  /** The dialer redials the listener by peer id after its record was poisoned. */
  redial?: DialOutcome
  trapHits: { host: string[], namespace: string[] }
  packets?: PacketRecord
  /** Why the scenario stopped early, if it did (the judged records are still read). */
  error?: string
}

interface Trap { port: number, hits: string[], close: () => Promise<void> }

async function startTrap (): Promise<Trap> {
  const hits: string[] = []
  const server = net.createServer(socket => {
    hits.push(`${String(socket.remoteAddress)}:${String(socket.remotePort)}`)
    socket.destroy()
  })
  await new Promise<void>(resolve => server.listen({ host: '127.0.0.1', port: 0 }, resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    hits,
    close: async () => { await new Promise<void>(resolve => { server.close(() => { resolve() }) }) }
  }
}

function startNode (config: LeakNodeConfig, prefix: string[], rec: NodeRecord, inject?: Injection): JsonLineChild {
  const env: NodeJS.ProcessEnv = { ...process.env, DEBUG: 'libp2p:*', DEBUG_COLORS: 'no' }
  delete env.LEAK_TEST_INJECT
  if (inject != null) env.LEAK_TEST_INJECT = inject
  const cmd = [...prefix, ...straceCommand(rec.traceFile), process.execPath, NODE_SCRIPT, JSON.stringify(config)]
  return new JsonLineChild(rec.name, cmd[0], cmd.slice(1), { env, stderrFile: rec.logFile })
}

/** A control password the node holds but never needs (tor offers SAFECOOKIE): it must not reach a log either. */
function controlPassword (name: string): string {
  return `leak-test-${name}-${randomBytes(12).toString('hex')}`
}

function nodeConfig (rec: NodeRecord, client: TestnetClient, dir: string, trapPort: number, contained: boolean): LeakNodeConfig {
  return {
    name: rec.name,
    ...torOptions(client),
    controlPassword: rec.password,
    keyFile: rec.keyFile,
    port: ONION_PORT,
    localTarget: contained ? 'unix' : 'tcp',
    unixSocketDir: dir,
    trapPort,
    contained
  }
}

async function record (name: string, client: TestnetClient, dir: string): Promise<NodeRecord> {
  const keyFile = path.join(dir, `${name}.key`)
  const { key } = await loadOrCreateOnionKeyFile(keyFile)
  const password = controlPassword(name)
  return {
    name,
    keyFile,
    password,
    pid: 0,
    peerId: '',
    announced: [],
    policy: { torEndpoints: [{ host: '127.0.0.1', port: client.socksPort }, { host: '127.0.0.1', port: client.controlPort }] },
    traceFile: path.join(dir, `${name}.strace`),
    logFile: path.join(dir, `${name}.log`),
    secrets: [
      onionKeySecret(name, key),
      bytesSecret(`${name}'s tor control cookie`, await readFile(client.cookieFile)),
      textSecret(`${name}'s control password`, password)
    ],
    listening: []
  }
}

/** The tools the recorders need, with the package that brings each (CI installs them in .ci/run). */
const TOOLS: Array<[string[], string]> = [[['strace', '-V'], 'strace'], [['nft', '--version'], 'nftables'], [['ip', '-V'], 'iproute2'], [['ss', '-V'], 'iproute2']]

function requireTools (): void {
  for (const [cmd, pkg] of TOOLS) {
    try {
      execFileSync(cmd[0], cmd.slice(1), { stdio: 'ignore' })
    } catch {
      throw new Error(`the leak test needs ${cmd[0]}: apt-get install -y ${pkg}`)
    }
  }
}

/** Runs the whole scenario; always stops what it started, then returns every record. */
export async function runScenario (opts: ScenarioOptions): Promise<ScenarioResult> {
  requireTools()
  const { dir } = opts
  const [c0, c1] = opts.net.clients
  const trap = await startTrap()
  const trapAddr = `/ip4/127.0.0.1/tcp/${trap.port}`
  const result: ScenarioResult = {
    listener: await record('listener', c0, dir),
    dialer: await record('dialer', c1, dir),
    trapAddr,
    poisonedDials: {},
    trapHits: { host: trap.hits, namespace: [] }
  }
  const { listener: L, dialer: D } = result

  let ns: ContainedNet | undefined
  const children: Array<{ child: JsonLineChild, rec: NodeRecord }> = []
  const deadline = Date.now() + SCENARIO_BUDGET_MS
  /** A step's timeout, cut short by the scenario's budget. */
  const within = (ms: number): number => Math.max(1, Math.min(ms, deadline - Date.now()))
  try {
    ns = await ContainedNet.create(`p2ptor-leak-${process.pid}-${path.basename(dir).slice(-6)}`, {
      dir, torPorts: [c1.socksPort, c1.controlPort], trapPort: trap.port
    })
    const a = startNode(nodeConfig(L, c0, dir, trap.port, false), [], L, opts.inject?.listener)
    children.push({ child: a, rec: L })
    const b = startNode(nodeConfig(D, c1, dir, trap.port, true), ns.exec([]), D, opts.inject?.dialer)
    children.push({ child: b, rec: D })
    for (const { child, rec } of children) {
      const ready = await child.waitForEvent('ready', within(READY_MS)) as ReadyEvent
      Object.assign(rec, { pid: ready.pid, peerId: ready.peerId, announced: ready.addrs })
    }

    // a working node: ping, identify and a stream, over tor
    const onion = L.announced.find(a => isValidOnion3Multiaddr(multiaddr(a)))
    if (onion == null) throw new Error(`the listener announces no /onion3 address: ${JSON.stringify(L.announced)}`)
    const exercised = await exerciseWithRetry(b, onion, within)
    result.exercise = exercised.value
    result.exerciseAttempts = exercised.attempts
    L.identifyOfRemote = await a.request({ cmd: 'identify', peerId: D.peerId }, within(DIAL_MS))
    D.identifyOfRemote = result.exercise.identify
    L.peerOfRemote = await a.request({ cmd: 'peer', peerId: D.peerId }, within(STEP_MS))
    D.peerOfRemote = await b.request({ cmd: 'peer', peerId: L.peerId }, within(STEP_MS))

    // poisoned addresses: a fresh peer that has only them, then each of them directly
    const fresh = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    await b.request({ cmd: 'merge', peerId: fresh, addrs: [trapAddr, DNS_ADDR] }, within(STEP_MS))
    for (const target of [fresh, trapAddr, DNS_ADDR, `${trapAddr}/p2p/${fresh}`]) {
      result.poisonedDials[target] = await b.request({ cmd: 'dial', target, timeoutMs: TRAP_DIAL_MS }, within(TRAP_DIAL_MS + 5_000))
    }
    // the listener's own record, poisoned: a redial by peer id must take the onion address only
    await b.request({ cmd: 'merge', peerId: L.peerId, addrs: [trapAddr, DNS_ADDR] }, within(STEP_MS))
    await b.request({ cmd: 'hangUp', peerId: L.peerId }, within(STEP_MS))
    result.redial = await b.request({ cmd: 'dial', target: L.peerId, timeoutMs: DIAL_MS }, within(DIAL_MS + 5_000))

    L.listening = listeningSockets(L.pid)
    D.listening = listeningSockets(D.pid, ns.exec([]))
  } catch (err: any) {
    result.error = String(err?.stack ?? err)
  } finally {
    await Promise.all(children.map(async ({ child }) => { await child.stop({ cmd: 'stop' }) }))
    result.trapHits.namespace = ns?.trapHits() ?? []
    try {
      if (ns != null) result.packets = ns.packets()
    } finally {
      await ns?.close()
      await trap.close()
    }
  }
  return result
}

/** F0 retries of the first dial: tries in all. */
export const EXERCISE_MAX_ATTEMPTS = 3

async function exerciseWithRetry (b: JsonLineChild, addr: string, within: (ms: number) => number): Promise<{ value: ExerciseResult, attempts: number }> {
  // the first dial can race the descriptor reaching the HSDir the dialer asks:
  // retry F0 only (matched by name, also inside causes), bounded and logged
  return await retryF0(async () => await b.request<ExerciseResult>({ cmd: 'exercise', addr }, within(DIAL_MS)), {
    maxAttempts: EXERCISE_MAX_ATTEMPTS,
    delayMs: 1000,
    log: (message) => { console.log(`      (leak scenario, first dial: ${message})`) }
  })
}
