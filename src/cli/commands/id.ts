/**
 * `p2p-tor id`: the node's peer id and onion address, from the keys in its
 * data directory (created on first use). Never starts tor or libp2p.
 */
import { outputFor } from '../context.js'
import { ExitCode } from '../errors.js'
import { loadOrCreateIdentity } from '../identity.js'
import { resolveDataDir } from '../options.js'
import type { CliContext } from '../context.js'

export interface IdOptions {
  dataDir?: string
  port: number
  json?: boolean
}

export async function idCommand (opts: IdOptions, ctx: CliContext): Promise<number> {
  const output = outputFor(ctx, opts.json)
  const dataDir = resolveDataDir(opts.dataDir, ctx.env)
  const { peerId, onionKey, created } = await loadOrCreateIdentity(dataDir)
  const multiaddr = `/onion3/${onionKey.serviceId}:${opts.port}/p2p/${peerId}`
  if (created) output.note(`created new keys in ${dataDir}`)
  output.event({ event: 'id', peerId, serviceId: onionKey.serviceId, port: opts.port, multiaddr, dataDir, created })
  if (!output.json) {
    output.result(`peer id: ${peerId}`)
    output.result(`onion:   ${onionKey.serviceId}.onion`)
    output.result(`address: ${multiaddr}`)
  }
  return ExitCode.OK
}
