/**
 * `p2p-tor listen`: publish the node's onion service, answer pings, log each
 * peer that connects (peer id only, never an address), and shut down cleanly
 * on SIGINT/SIGTERM: node stopped (onion service removed, connections
 * closed), then the tor handle closed (a managed tor exits with it). If tor
 * goes away meanwhile, listen fails (exit 3) instead of serving nothing.
 */
import { aborted, interruptedBy, sinceStart, startOutputFor, StartDeadline, stopQuietly } from '../context.js'
import { ExitCode, InterruptedError } from '../errors.js'
import { loadOrCreateIdentity, type NodeIdentity } from '../identity.js'
import { lockDataDir, type DataDirLock } from '../lock.js'
import { ms } from '../json.js'
import { checkTestnet, resolveDataDir, resolveTorChoice } from '../options.js'
import { checkEndpoints, connectionLost, obtainTor } from '../tor.js'
import type { CliContext } from '../context.js'
import type { TorFlags } from '../options.js'
import type { Output } from '../output.js'
import type { Unsubscribe } from '../../control/index.js'
import type { TorNode } from '../../node.js'
import type { TorNodeEvents } from '../../../transports/tor/index.js'
import type { TorHandle } from '../../tor/index.js'

export interface ListenOptions extends TorFlags {
  port: number
  /** commander's --no-reconnect sets this to false. @default true */
  reconnect?: boolean
  /** Milliseconds allowed for starting up: attaching to tor, bootstrap and publishing. */
  timeout?: number
  dataDir?: string
  json?: boolean
}

/**
 * Shows the descriptor upload starting (its own HS_DESC subscription,
 * counted beside the listener's); the listener's wait for the first
 * completed upload ends the publish phase.
 */
async function watchPublish (handle: TorHandle, serviceId: string, output: Output): Promise<Unsubscribe> {
  return await handle.control.subscribe('HS_DESC', (e) => {
    if (e.address === serviceId && e.action === 'UPLOAD') {
      output.progress('publish', null, `uploading the descriptor of ${serviceId.slice(0, 8)}… to the HS directories`)
    }
  })
}

/** Lines and JSON events for the transport's tor:down / tor:up / tor:reachable events. */
function reportTorRestarts (node: TorNode, output: Output): void {
  const on = (type: keyof TorNodeEvents, fn: (detail: any) => void): void => {
    node.addEventListener(type as any, (evt: any) => { fn(evt.detail) })
  }
  on('tor:down', (d: TorNodeEvents['tor:down']['detail']) => {
    output.event({ event: 'tor-down', message: d.cause?.message ?? null })
    output.note(`${output.err('yellow', 'lost tor')}${d.cause != null ? ` (${d.cause.message})` : ''}; reconnecting, dials fail until it is back`)
  })
  on('tor:up', (d: TorNodeEvents['tor:up']['detail']) => {
    output.event({ event: 'tor-up', downMs: d.downMs, attempts: d.attempts })
    output.note(`tor is back after ${(d.downMs / 1000).toFixed(2)} s; publishing the onion service again`)
  })
  on('tor:reachable', (d: TorNodeEvents['tor:reachable']['detail']) => {
    output.event({ event: 'reachable', serviceId: d.serviceId, downMs: d.downMs, publishMs: d.publishMs })
    output.note(`${output.err('green', 'reachable again')}: ${(d.downMs / 1000).toFixed(2)} s after tor went away (publishing took ${(d.publishMs / 1000).toFixed(2)} s)`)
  })
  on('tor:republish-failed', (d: TorNodeEvents['tor:republish-failed']['detail']) => {
    output.event({ event: 'republish-failed', serviceId: d.serviceId, message: d.error.message })
    output.note(`publishing again failed: ${d.error.message}; retrying when tor is back`)
  })
}

/** The line a user copies to dial this node, with the same private network if any. */
export function dialHint (address: string, testnetDir?: string): string {
  return `p2p-tor dial ${address}${testnetDir != null ? ` --testnet ${testnetDir}` : ''}`
}

/** How long `listen` may take to be reachable: a fresh tor's bootstrap plus the descriptor upload (each up to 120 s). */
export const DEFAULT_LISTEN_TIMEOUT_MS = 300_000 // as --help shows it (program.ts)

/**
 * What runs on the published node: `listen` answers pings; `hub` makes a
 * hub node and serves the realm. `start` gets the tor handle and identity and
 * returns the started node; `serve` runs after the `listening` event until
 * Ctrl-C (or tor is lost) and may return a cleanup.
 */
export interface OnionService<N extends TorNode = TorNode> {
  command: string
  start: (handle: TorHandle, identity: NodeIdentity, port: number) => Promise<N>
  serve?: (node: N, output: Output, ctx: CliContext) => Promise<(() => Promise<void>) | undefined>
  /** The note after the address lines. @default 'answering pings; press Ctrl-C to stop' */
  serving?: string
  /** Print a `connection` event per peer. The mailbox sets false: it must not log who deposits. @default true */
  logConnections?: boolean
  /** Resolves when the service ends by itself (chat's /quit): the node then stops as on Ctrl-C. */
  finished?: () => Promise<void>
}

const PING_SERVICE: OnionService = {
  command: 'listen',
  start: async (handle, identity, port) => {
    const { createTorNode } = await import('../../node.js')
    return await createTorNode({ tor: handle, privateKey: identity.privateKey, key: identity.onionKey, port })
  }
}

export async function listenCommand (opts: ListenOptions, ctx: CliContext): Promise<number> {
  return await serveOnion(opts, ctx, PING_SERVICE)
}

/** Publishes an onion service that runs `service`, with listen's flags, output, restarts and shutdown. */
export async function serveOnion<N extends TorNode> (opts: ListenOptions, ctx: CliContext, service: OnionService<N>): Promise<number> {
  // --timeout bounds start-up only: listen() sees a signal that also aborts
  // when it runs out, until the 'listening' event clears the deadline
  const start = new StartDeadline(ctx.signal, opts.timeout ?? DEFAULT_LISTEN_TIMEOUT_MS)
  const output = startOutputFor(ctx, opts.json, start, 'listening')
  const locks: DataDirLock[] = []
  try {
    return await listen(opts, { ...ctx, signal: start.signal }, output, locks, service as unknown as OnionService, ctx)
  } catch (err) {
    // the bootstrap's own timeout error says how far tor got: keep it
    const expired = start.expired
    if (expired != null && (err as Error)?.name !== 'TorBootstrapTimeoutError') throw expired
    // Ctrl-C while starting (tor, bootstrap, publish) exits 130 like any interrupted command (issue 12; it was 0)
    const signal = interruptedBy(ctx.signal)
    if (signal == null) throw err
    output.note(`stopped (${signal}) before the onion service was published`)
    throw new InterruptedError(signal)
  } finally {
    start.clear()
    for (const lock of locks) await lock.release()
  }
}

async function listen (opts: ListenOptions, ctx: CliContext, output: Output, locks: DataDirLock[], service: OnionService, outer: CliContext): Promise<number> {
  const dataDir = resolveDataDir(opts.dataDir, ctx.env)
  const choice = resolveTorChoice(opts, ctx.env, 0)
  await checkEndpoints(choice)

  // every input is checked before the keys are created; then one listen per data dir
  await checkTestnet(choice)
  locks.push(await lockDataDir(dataDir))
  const identity = await loadOrCreateIdentity(dataDir)
  if (identity.created) output.note(`created new keys in ${dataDir}`)

  const reconnect = opts.reconnect !== false
  const tor = await obtainTor(choice, { dataDir, command: service.command, output, signal: ctx.signal, socksOnlyOk: false, reconnect })
  const handle = tor.handle as TorHandle
  let node: TorNode | undefined
  let cleanup: (() => Promise<void>) | undefined
  try {
    output.note(tor.description)
    const serviceId = identity.onionKey.serviceId
    output.progress('publish', null, `publishing ${serviceId}.onion:${opts.port}`)
    const stopWatching = await watchPublish(handle, serviceId, output)
    const publishStart = sinceStart()
    // closing the control connection makes a pending publish fail at once
    const onAbort = (): void => { void handle.close() }
    ctx.signal.addEventListener('abort', onAbort, { once: true })
    try {
      node = await service.start(handle, identity, opts.port)
    } finally {
      ctx.signal.removeEventListener('abort', onAbort)
      await stopWatching().catch(() => {})
    }
    ctx.signal.throwIfAborted()
    const timeToReachableMs = ms(sinceStart())
    const publishMs = ms(sinceStart() - publishStart)
    const multiaddrs = node.getMultiaddrs().map(String)
    const address = multiaddrs[0] ?? `/onion3/${serviceId}:${opts.port}/p2p/${identity.peerId}`

    if (service.logConnections !== false) {
      node.addEventListener('connection:open', (evt) => {
        const peerId = evt.detail.remotePeer.toString()
        output.event({ event: 'connection', peerId })
        output.note(`${output.err('green', 'peer connected:')} ${peerId}`)
      })
    }

    output.event({ event: 'listening', multiaddrs, peerId: identity.peerId, serviceId, port: opts.port, tor: handle.mode, timeToReachableMs, publishMs })
    output.note(`${output.err('green', 'listening')}: reachable over Tor after ${(timeToReachableMs / 1000).toFixed(2)} s (publishing took ${(publishMs / 1000).toFixed(2)} s); dial it with:`)
    output.result(address)
    output.result(dialHint(address, choice.kind === 'testnet' ? choice.dir : undefined))
    cleanup = await service.serve?.(node, output, outer)
    output.note(service.serving ?? 'answering pings; press Ctrl-C to stop')

    const finished = service.finished?.() ?? new Promise<void>(() => {})
    if (reconnect) {
      // tor may restart under us: say so, and say when the service is reachable again
      reportTorRestarts(node, output)
      await Promise.race([aborted(ctx.signal), finished])
    } else {
      // until Ctrl-C, or until tor goes away (then the service is gone and listening is pointless)
      const lost = await Promise.race([aborted(ctx.signal), connectionLost(handle), finished.then(() => undefined)])
      if (lost != null) throw lost
    }
    const t0 = sinceStart()
    await cleanup?.()
    cleanup = undefined
    await node.stop()
    node = undefined
    await handle.close()
    const signal = interruptedBy(ctx.signal) ?? (service.finished != null ? 'quit' : 'SIGINT')
    output.event({ event: 'stopped', signal, shutdownMs: ms(sinceStart() - t0) })
    output.note(`stopped (${signal}): onion service removed${handle.mode === 'managed' ? ', tor stopped' : ''}`)
    return ExitCode.OK
  } finally {
    await cleanup?.().catch(() => {})
    await stopQuietly(node)
    await handle.close()
  }
}
