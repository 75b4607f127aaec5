/**
 * What `publish`, `subscribe`, `register` and `call` share: check --hub,
 * load this data dir's identity (the realm names members by PeerId), reach
 * tor (a SOCKS port is enough: a member has no onion service), start a
 * dial-only node and open the session with the hub, with progress lines and
 * reconnect reports.
 */
import { sinceStart, sleep, stopQuietly } from './context.js'
import { UsageError } from './errors.js'
import { loadOrCreateIdentity } from './identity.js'
import { ms } from './json.js'
import { resolveDataDir, resolveTorChoice } from './options.js'
import { checkEndpoints, obtainTor, type ObtainedTor } from './tor.js'
import type { CliContext } from './context.js'
import type { TorFlags } from './options.js'
import type { Output } from './output.js'
import type { Member } from '../messaging/member.js'

export interface MemberFlags extends TorFlags {
  /** The hub's multiaddr, as `p2p-tor hub` prints it. */
  hub?: string
  dataDir?: string
  json?: boolean
  /** Milliseconds for reaching tor and the hub. */
  timeout: number
  /** When the hub is not reachable yet, keep trying until the timeout instead of failing at once. */
  wait?: boolean
}

/** Default time for reaching tor and then the hub (a cold rendezvous over Tor can take a minute). */
export const DEFAULT_MEMBER_TIMEOUT_MS = 120_000

export interface OpenedMember {
  member: Member
  peerId: string
  close: () => Promise<void>
}

/** Checks --hub before anything touches the network. */
export async function checkHubAddress (hub: string | undefined): Promise<string> {
  if (hub == null || hub === '') throw new UsageError('--hub <multiaddr> is required: the address `p2p-tor hub` prints (/onion3/<id>:<port>/p2p/<PeerId>)')
  const { isValidOnion3Multiaddr } = await import('../onion/index.js')
  const { multiaddr } = await import('@multiformats/multiaddr')
  let ok = false
  try {
    const ma = multiaddr(hub)
    ok = isValidOnion3Multiaddr(ma) && ma.getComponents().some(c => c.name === 'p2p')
  } catch {}
  if (!ok) throw new UsageError(`--hub ${hub} is not a hub address: expected /onion3/<56 characters>:<port>/p2p/<PeerId>, as \`p2p-tor hub\` prints it`)
  return hub
}

/**
 * Connects this data dir's identity to the hub. `signal` bounds the start
 * (tor, then the hub); after that the member reconnects by itself and says
 * so on stderr (and as `reconnected` events).
 */
export async function openMember (opts: MemberFlags, ctx: CliContext, output: Output, command: string, signal: AbortSignal): Promise<OpenedMember> {
  const hub = await checkHubAddress(opts.hub)
  const choice = resolveTorChoice(opts, ctx.env, 1)
  await checkEndpoints(choice)
  const dataDir = resolveDataDir(opts.dataDir, ctx.env)
  const identity = await loadOrCreateIdentity(dataDir)
  if (identity.created) output.note(`created new keys in ${dataDir}: this member is ${identity.peerId} (add it to the hub's realm)`)
  const tor: ObtainedTor = await obtainTor(choice, { dataDir, command, output, signal, socksOnlyOk: true, reconnect: true })
  const { createMemberNode } = await import('../messaging/node.js')
  const { Member } = await import('../messaging/member.js')
  const { Sealing } = await import('../messaging/sealing.js')
  // every member has sealing keys and hands its card to the hub, so others can seal to it
  const sealing = await Sealing.open({ privateKey: identity.privateKey, dataDir })
  let node: Awaited<ReturnType<typeof createMemberNode>> | undefined
  try {
    output.note(tor.description)
    node = await createMemberNode({
      ...(tor.handle != null ? { tor: tor.handle } : { socks: tor.socks }),
      privateKey: identity.privateKey,
      hubs: [hub]
    })
    output.progress('connect', null, `joining the hub ${hub.split('/p2p/')[1] ?? hub} as ${identity.peerId}`)
    const t0 = sinceStart()
    const member = await connectMember(Member, node, hub, opts, signal, output, sealing)
    output.event({ event: 'joined', hub, peerId: identity.peerId, joinMs: ms(sinceStart() - t0) })
    member.addEventListener('disconnected', (e) => {
      output.event({ event: 'hub-lost', message: e.detail.error?.message ?? null })
      output.note(`${output.err('yellow', 'lost the hub')}${e.detail.error != null ? ` (${e.detail.error.message})` : ''}; reconnecting`)
    })
    member.addEventListener('reconnected', (e) => {
      output.event({ event: 'reconnected', subscriptions: e.detail.subscriptions, registrations: e.detail.registrations, attempts: e.detail.attempts })
      output.note(`${output.err('green', 'reconnected')} to the hub after ${e.detail.attempts} attempt(s): ${e.detail.subscriptions} subscription(s) and ${e.detail.registrations} registration(s) restored`)
    })
    const n = node
    return {
      member,
      peerId: identity.peerId,
      close: async () => {
        await sealing.flush()
        sealing.close()
        await member.close()
        await stopQuietly(n)
        await tor.handle?.close()
      }
    }
  } catch (err) {
    sealing.close()
    await stopQuietly(node)
    await tor.handle?.close()
    throw err
  }
}

/** A topic or procedure URI, checked before anything touches the network (an InvalidUriError exits 2). */
export async function checkUri (uri: string): Promise<void> {
  const { validateUri } = await import('../messaging/uri.js')
  validateUri(uri)
}

/**
 * One session attempt, or with --wait as many as fit in the start deadline
 * (capped backoff), reporting each failure on stderr.
 */
async function connectMember (M: typeof import('../messaging/member.js').Member, node: import('../messaging/node.js').MessagingNode, hub: string, opts: MemberFlags, signal: AbortSignal, output: Output, sealing: import('../messaging/sealing.js').Sealing): Promise<Member> {
  let delay = 500
  for (let attempt = 1; ; attempt++) {
    try {
      return await M.connect(node, { hubs: [hub], sealing }, { signal, timeoutMs: opts.timeout })
    } catch (err) {
      if (opts.wait !== true || signal.aborted || (err as Error).name !== 'HubUnavailableError') throw err
      output.note(`the hub is not reachable yet (attempt ${attempt}: ${(err as Error).message}); --wait: retrying in ${(delay / 1000).toFixed(1)} s`)
      await sleep(delay, signal)
      if (signal.aborted) throw signal.reason
      delay = Math.min(delay * 2, 10_000)
    }
  }
}

/** Data for a message: the argument, or stdin with `-` (bounded). */
export async function readData (arg: string | undefined, maxBytes: number, stdin: AsyncIterable<Buffer | string> = process.stdin): Promise<Uint8Array> {
  if (arg != null && arg !== '-') return new TextEncoder().encode(arg)
  if (arg == null) return new Uint8Array(0)
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    total += b.byteLength
    if (total > maxBytes) throw new UsageError(`stdin holds more than ${maxBytes} bytes, the payload cap`)
    chunks.push(b)
  }
  return new Uint8Array(Buffer.concat(chunks))
}

/** JSON-friendly data: text when it is UTF-8, else base64. */
export function dataFields (data: Uint8Array): { data: string } | { dataBase64: string } {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(data)
  return Buffer.from(text, 'utf8').equals(Buffer.from(data)) ? { data: text } : { dataBase64: Buffer.from(data).toString('base64') }
}
