/**
 * `p2p-tor mailbox`: the chat mailbox (issue 16) on this data dir's onion
 * service. It keeps sealed blobs for offline chat contacts in
 * `<data dir>/mailbox` (classic-level) and cannot read them. It prints the
 * same `listening` event and address lines as `listen`, then a `mailbox`
 * event with the address chat users pass as `--mailbox`, and one
 * `mailbox-activity` event per request or expiry sweep: counts only, never
 * an inbox id nor a PeerId (depositors use throwaway identities; the
 * mailbox does not record them).
 */
import { join } from 'node:path'
import { UsageError } from '../errors.js'
import type { ListenOptions, OnionService } from './listen.js'
import type { CliContext } from '../context.js'
import type { Output } from '../output.js'
import type { MailboxEvent, MailboxServer } from '../../chat/mailbox.js'
import type { TorNode } from '../../node.js'

export interface MailboxCommandOptions extends ListenOptions {
  /** PeerIds allowed to register inboxes; none: anyone may. */
  owner?: string[]
  maxBlobBytes?: number
  /** Blob expiry in ms (parsed by {@link parseExpiryOption}). */
  expiry?: number
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const MAX_EXPIRY_MS = 365 * 86_400_000

/** `--expiry`: a whole number with s, m, h or d (no unit: seconds), from 1 s to 365 d; returned in ms. */
export function parseExpiryOption (text: string): number {
  const m = /^([0-9]{1,9})([smhd]?)$/.exec(text.trim())
  const value = m == null ? NaN : Number(m[1]) * UNITS[m[2] === '' ? 's' : m[2]]
  if (!Number.isSafeInteger(value) || value < 1000 || value > MAX_EXPIRY_MS) {
    throw new UsageError(`--expiry must be a duration from 1s to 365d such as 90m, 12h or 7d, got "${text}"`)
  }
  return value
}

/** Checks each --owner is a PeerId, before tor is touched. */
async function checkOwners (owners: string[] | undefined): Promise<Set<string> | undefined> {
  if (owners == null || owners.length === 0) return undefined
  const { peerIdFromString } = await import('@libp2p/peer-id')
  for (const owner of owners) {
    try {
      peerIdFromString(owner)
    } catch {
      throw new UsageError(`--owner must be a PeerId (p2p-tor id prints it), got "${owner.slice(0, 80)}"`)
    }
  }
  return new Set(owners)
}

export async function mailboxCommand (opts: MailboxCommandOptions, ctx: CliContext): Promise<number> {
  // imported here, not above: program.ts imports parseExpiryOption from this file, and --help stays light
  const { serveOnion } = await import('./listen.js')
  const { MailboxServer } = await import('../../chat/mailbox.js')
  const { createTorNode } = await import('../../node.js')
  const { mailboxLimits } = await import('../../chat/mailbox-store.js')
  const { resolveDataDir } = await import('../options.js')
  // bad options are usage errors, found before tor is touched
  const owners = await checkOwners(opts.owner)
  let limits
  try {
    limits = mailboxLimits({ maxBlobBytes: opts.maxBlobBytes, expiryMs: opts.expiry })
  } catch (err: any) {
    throw new UsageError(String(err?.message))
  }
  const dir = join(resolveDataDir(opts.dataDir, ctx.env), 'mailbox')
  let server: MailboxServer | undefined
  let report: ((e: MailboxEvent) => void) | undefined

  const service: OnionService<TorNode> = {
    command: 'mailbox',
    logConnections: false,
    serving: `keeping sealed blobs for offline chat contacts in ${dir}${owners == null ? ' (any PeerId may register an inbox)' : ` (inboxes for ${owners.size} owner(s))`}; press Ctrl-C to stop`,
    start: async (handle, identity, port) => {
      const node = await createTorNode({ tor: handle, privateKey: identity.privateKey, key: identity.onionKey, port, start: false })
      try {
        // the store and the handler are ready before the onion service is published
        server = await MailboxServer.start(node, {
          dir,
          limits,
          owners: owners == null ? undefined : (peer) => owners.has(peer),
          onEvent: (e) => { report?.(e) }
        })
        await node.start()
      } catch (err) {
        const started: MailboxServer | undefined = server
        if (started != null) await started.stop().catch(() => {})
        try { await node.stop() } catch {}
        throw err
      }
      return node
    },
    serve: async (node, output) => {
      const s = server as MailboxServer
      const address = node.getMultiaddrs().map(String)[0]
      const peerId = node.peerId.toString()
      output.event({ event: 'mailbox', multiaddr: address, peerId, ...s.stats() })
      output.note(`${output.err('green', 'mailbox ready')}; chat users pass this address as --mailbox:`)
      output.result(address)
      report = (e) => { activity(e, s, output) }
      return async () => { await s.stop() }
    }
  }
  return await serveOnion(opts, ctx, service)
}

/** One `mailbox-activity` event and a note per request: counts only. */
function activity (e: MailboxEvent, server: MailboxServer, output: Output): void {
  const stats = server.stats()
  switch (e.type) {
    case 'registered':
      output.event({ event: 'mailbox-activity', kind: 'registered', count: e.created ? 1 : 0, ...stats })
      if (e.created) output.note(`an inbox was registered (${stats.inboxes} in all)`)
      return
    case 'stored':
      output.event({ event: 'mailbox-activity', kind: 'stored', count: 1, blobBytes: e.bytes, ...stats })
      output.note(`stored a blob of ${e.bytes} bytes (${stats.blobs} blobs, ${stats.bytes} bytes in all)`)
      return
    case 'fetched':
      output.event({ event: 'mailbox-activity', kind: 'fetched', count: e.count, more: e.more, ...stats })
      output.note(`an owner fetched ${e.count} blob(s)${e.more ? ', more are waiting' : ''}`)
      return
    case 'deleted':
      output.event({ event: 'mailbox-activity', kind: 'deleted', count: e.count, ...stats })
      output.note(`an owner deleted ${e.count} blob(s)`)
      return
    case 'expired':
      output.event({ event: 'mailbox-activity', kind: 'expired', count: e.count, ...stats })
      output.note(`${e.count} blob(s) expired`)
      return
    case 'refused':
      output.event({ event: 'mailbox-activity', kind: 'refused', count: 1, request: e.request, code: e.code, ...stats })
      output.note(`${output.err('yellow', 'refused')} a ${e.request} request: ${e.code}`)
  }
}
