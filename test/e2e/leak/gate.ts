/**
 * Runs INSIDE a contained node's network namespace (ip netns exec), as test
 * infrastructure, not as part of the node:
 * - on 127.0.0.1:<tor port> it passes each connection on to a unix socket,
 *   which the test relays to the real tor port outside the namespace (unix
 *   socket paths cross namespaces, IP loopbacks do not);
 * - on 127.0.0.1:<trapPort> it is the trap: each connection is reported as a
 *   `trap` event and closed at once.
 *
 * Usage: node gate.js '{"forwards":[{"port":9050,"path":"/tmp/x.sock"}],"trapPort":4444}'
 */
import net from 'node:net'
import { splice } from './splice.js'

export interface GateConfig {
  forwards: Array<{ port: number, path: string }>
  trapPort: number
}

function emit (msg: object): void {
  process.stdout.write(JSON.stringify(msg) + '\n')
}

async function listen (server: net.Server, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port }, () => { server.off('error', reject); resolve() })
  })
}

function forward (path: string): net.Server {
  return net.createServer({ noDelay: true }, inbound => {
    splice(inbound, net.connect({ path }))
  })
}

async function main (): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as GateConfig
  for (const f of config.forwards) await listen(forward(f.path), f.port)
  await listen(net.createServer(socket => {
    emit({ event: 'trap', from: `${String(socket.remoteAddress)}:${String(socket.remotePort)}` })
    socket.destroy()
  }), config.trapPort)
  emit({ event: 'ready', pid: process.pid })
  // runs until the test stops it (SIGTERM), or its stdin closes
  process.stdin.resume()
  process.stdin.on('end', () => process.exit(0))
}

main().catch(err => {
  emit({ event: 'fatal', error: String(err?.message ?? err) })
  process.exit(1)
})
