/**
 * Issue 12's headline: a listener survives a restart of its tor (attach
 * mode, the private network's client 0), is reachable again at the same
 * address, and a peer on another tor reconnects and pings again. While tor
 * is down, dials fail at once with TorUnavailableError.
 */
import assert from 'node:assert/strict'
import net from 'node:net'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createTorNode, type TorNode } from '../../src/node.js'
import { generateOnionKey } from '../../src/onion/index.js'
import { startTestnet, testnetStatus } from '../../src/testnet/index.js'
import { getTestnet, TESTNET_DIR } from './fixture.js'
import { torOptions } from './helpers.js'
import type { TestnetClient } from '../../src/testnet/index.js'
import type { PeerId } from '@libp2p/interface'

const UNPUBLISHED = multiaddr('/onion3/pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd:7777')

/** Whether err, or an error it wraps, has this name. */
function has (err: unknown, name: string, depth = 0): boolean {
  if (err == null || typeof err !== 'object' || depth > 8) return false
  const e = err as { name?: string, cause?: unknown, errors?: unknown[] }
  return e.name === name || has(e.cause, name, depth + 1) || (e.errors ?? []).some(x => has(x, name, depth + 1))
}

/** Resolves with the time (Date.now()) at which 127.0.0.1:port first accepts a TCP connection. */
async function acceptsAt (port: number, deadline: number): Promise<number> {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>(resolve => {
      const s = net.connect({ host: '127.0.0.1', port })
      s.once('connect', () => { s.destroy(); resolve(true) })
      s.once('error', () => { resolve(false) })
    })
    if (ok) return Date.now()
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  throw new Error(`port ${port} did not accept connections in time`)
}

/** A dial and ping from `b` to `addr`, retried while the onion service is settling (bounded). */
async function pingAgain (b: TorNode, addr: Multiaddr, budgetMs: number): Promise<{ ms: number, attempts: number }> {
  const t0 = Date.now()
  for (let attempt = 1; ; attempt++) {
    try {
      await b.hangUp(addr).catch(() => {})
      await b.services.ping.ping(addr, { signal: AbortSignal.timeout(Math.max(1000, Math.min(30_000, budgetMs - (Date.now() - t0)))) })
      return { ms: Date.now() - t0, attempts: attempt }
    } catch (err) {
      if (Date.now() - t0 > budgetMs) throw err
      console.log(`      (ping attempt ${attempt} after the restart failed: ${(err as Error).name}; retrying)`)
      await new Promise(resolve => setTimeout(resolve, 500))
    }
  }
}

describe('e2e: a listener survives a restart of its tor (attach mode)', function () {
  this.timeout(400_000)
  let a: TorNode | undefined
  let b: TorNode | undefined

  after(async () => {
    await b?.stop()
    await a?.stop()
    // whatever happened, leave the network whole for the specs after this one
    await startTestnet({ dir: TESTNET_DIR, timeoutMs: 90_000 })
  })

  it('kill -9, then SIGTERM: dials fail at once while tor is down, the service is reachable again, the peer pings again', async () => {
    const tn = await getTestnet()
    const [c0, c1] = tn.clients as [TestnetClient, TestnetClient]
    const key = generateOnionKey()
    a = await createTorNode({ ...torOptions(c0), key, port: 7777 })
    b = await createTorNode({ ...torOptions(c1) })
    const addr = a.getMultiaddrs()[0]
    const events: Array<{ type: string, at: number, detail: any }> = []
    for (const type of ['tor:down', 'tor:up', 'tor:reachable', 'tor:republish-failed']) {
      a.addEventListener(type as any, (e: any) => { events.push({ type, at: Date.now(), detail: e.detail }) })
    }
    const first = await pingAgain(b, addr, 60_000)
    console.log(`      first ping after ${first.ms} ms (${first.attempts} attempt(s))`)

    for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
      events.length = 0
      const node = (await testnetStatus(TESTNET_DIR)).nodes.find(n => n.name === c0.name)
      assert.ok(node?.pid != null && node.alive, `${c0.name} runs`)
      const killedAt = Date.now()
      process.kill(node.pid, signal)

      // A's connections, whose tor was killed under them, close (they do not linger half-open)
      const peerB: PeerId = (b as TorNode).peerId
      const closedBy = Date.now() + 10_000
      while ((a as TorNode).getConnections(peerB).length > 0 && Date.now() < closedBy) await new Promise(resolve => setTimeout(resolve, 20))
      assert.equal((a as TorNode).getConnections(peerB).length, 0, `A still holds a connection to the peer 10 s after its tor died`)
      console.log(`      [figure] ${signal}: A's connection to the peer closed ${Date.now() - killedAt} ms after the kill`)
      // (the peer's side runs through its own, healthy tor: tor keeps that circuit
      // open, so the peer notices by its connection monitor, or by hanging up)

      // tor:down, then a dial fails at once with the typed error
      const downBy = Date.now() + 15_000
      while (!events.some(e => e.type === 'tor:down') && Date.now() < downBy) await new Promise(resolve => setTimeout(resolve, 20))
      assert.ok(events.some(e => e.type === 'tor:down'), `no tor:down within 15 s of ${signal}`)
      const t0 = Date.now()
      const err = await a.dial(UNPUBLISHED, { signal: AbortSignal.timeout(10_000) }).then(() => undefined, (e: unknown) => e)
      const dialMs = Date.now() - t0
      assert.ok(has(err, 'TorUnavailableError'), `a dial while tor is down fails with TorUnavailableError, got ${String(err)}`)
      assert.ok(dialMs < 2000, `and at once (${dialMs} ms), not after a timeout`)

      // restart the tor (as systemd would), and note when it accepts control connections again
      const accepting = acceptsAt(c0.controlPort, Date.now() + 120_000)
      await startTestnet({ dir: TESTNET_DIR, timeoutMs: 90_000 })
      const acceptedAt = await accepting
      const reachableBy = Date.now() + 60_000
      while (!events.some(e => e.type === 'tor:reachable') && Date.now() < reachableBy) await new Promise(resolve => setTimeout(resolve, 50))
      const reachable = events.find(e => e.type === 'tor:reachable')
      assert.ok(reachable != null, `not reachable again; events: ${JSON.stringify(events.map(e => e.type))}`)
      assert.equal(reachable.detail.serviceId, addr.getComponents()[0].value?.split(':')[0], 'the same onion address')
      const sinceAccepting = reachable.at - acceptedAt
      console.log(`      [figure] ${signal}: tor accepted control connections ${acceptedAt - killedAt} ms after the kill; reachable again ${sinceAccepting} ms after that (publish ${reachable.detail.publishMs} ms)`)
      assert.ok(sinceAccepting < 10_000, `reachable again within 10 s of tor accepting control connections (${sinceAccepting} ms)`)

      const again = await pingAgain(b, addr, 90_000)
      console.log(`      [figure] ${signal}: the peer pinged again ${again.ms} ms after the service was reachable (${again.attempts} attempt(s))`)
    }
  })
})
