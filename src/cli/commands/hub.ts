/**
 * `p2p-tor hub --realm realm.json`: the messaging hub on this data dir's
 * onion service. It prints the same `listening` event and address lines as
 * `listen`, then serves the realm: members join, publish, subscribe,
 * register and call. The realm is reloaded on SIGHUP and when the file
 * changes; a peer it no longer names is disconnected at once.
 */
import { join } from 'node:path'
import { serveOnion, type ListenOptions, type OnionService } from './listen.js'
import type { CliContext } from '../context.js'
import type { Output } from '../output.js'
import type { Hub } from '../../messaging/hub.js'
import type { MessagingNode } from '../../messaging/node.js'
import type { Realm } from '../../messaging/realm.js'

export interface HubOptions extends ListenOptions {
  realm: string
}

export async function hubCommand (opts: HubOptions, ctx: CliContext): Promise<number> {
  const { loadRealm, watchRealm } = await import('../../messaging/realm.js')
  const { createHubNode } = await import('../../messaging/node.js')
  const { Hub } = await import('../../messaging/hub.js')
  const { resolveDataDir } = await import('../options.js')
  // a bad realm is a usage error, found before tor is touched
  let realm: Realm = await loadRealm(opts.realm)
  const dataDir = resolveDataDir(opts.dataDir, ctx.env)
  let hub: Hub | undefined
  let denied: ((peer: string) => void) | undefined

  const service: OnionService<MessagingNode> = {
    command: 'hub',
    serving: `serving the realm in ${opts.realm} (${realm.peers().length} peer(s)); edit it or send SIGHUP to reload; press Ctrl-C to stop`,
    start: async (handle, identity, port) => {
      const node = await createHubNode({
        tor: handle,
        privateKey: identity.privateKey,
        key: identity.onionKey,
        port,
        realm: () => realm,
        start: false,
        onDenied: (peer) => { denied?.(peer) }
      })
      hub = await Hub.start(node, realm, { historyDir: join(dataDir, 'history') })
      return node
    },
    serve: async (_node, output, outer) => {
      const h = hub as Hub
      report(h, output)
      denied = (peer) => {
        output.event({ event: 'refused', peerId: peer, action: 'connect', uri: null })
        output.note(`${output.err('yellow', 'refused')} a connection from ${peer}: no role in the realm names it`)
      }
      const stop = new AbortController()
      const signal = AbortSignal.any([outer.signal, stop.signal])
      watchRealm(opts.realm, {
        signal,
        onChange: (next) => {
          realm = next
          void h.reload(next).catch((err: Error) => { output.note(`${output.err('red', 'realm reload failed:')} ${err.message}`) })
        },
        onError: (err) => {
          output.event({ event: 'realm-error', message: err.message })
          output.note(`${output.err('red', 'realm not reloaded:')} ${err.message} (the previous realm stays in force)`)
        }
      })
      return async () => {
        stop.abort()
        await h.stop()
      }
    }
  }
  return await serveOnion(opts, ctx, service)
}

function report (hub: Hub, output: Output): void {
  hub.addEventListener('session:open', (e) => {
    output.event({ event: 'member', peerId: e.detail.peer, joined: true })
    output.note(`${output.err('green', 'member joined:')} ${e.detail.peer}`)
  })
  hub.addEventListener('session:close', (e) => {
    output.event({ event: 'member', peerId: e.detail.peer, joined: false })
    output.note(`member left: ${e.detail.peer}`)
  })
  hub.addEventListener('refused', (e) => {
    output.event({ event: 'refused', peerId: e.detail.peer, action: e.detail.action, uri: e.detail.uri ?? null })
    output.note(`${output.err('yellow', 'refused')} ${e.detail.action}${e.detail.uri != null ? ` on ${e.detail.uri}` : ''} by ${e.detail.peer}`)
  })
  hub.addEventListener('realm:reloaded', (e) => {
    output.event({ event: 'realm-reloaded', disconnected: e.detail.disconnected })
    output.note(`realm reloaded${e.detail.disconnected.length > 0 ? `; disconnected ${e.detail.disconnected.join(', ')}` : ''}`)
  })
}
