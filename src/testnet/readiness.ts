/**
 * The three checks that make a started network usable, in order (TORNET.md,
 * "Start order matters"):
 * 1. every plain relay holds a live consensus that lists all relays as
 *    Running, Guard and HSDir, and their microdescriptors;
 * 2. each client reports PROGRESS=100;
 * 3. client 0 can publish an onion service (first HS_DESC UPLOADED).
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { ControlClient, watchUploads, type UploadWatch } from '../control/index.js'
import { isTorWithTorrc, sleep } from '../tor/process.js'
import { consensusProblem, countMicrodescs, parseConsensus, type ConsensusSummary } from './consensus.js'
import type { StartRun } from './run.js'
import { readPid, type NodeFiles } from './state.js'

const POLL_MS = 200

async function readOr (file: string, fallback: string): Promise<string> {
  return await readFile(file, 'utf8').catch(() => fallback)
}

async function consensusOf (node: NodeFiles): Promise<ConsensusSummary> {
  return parseConsensus(await readOr(path.join(node.dataDir, 'cached-microdesc-consensus'), ''))
}

/** Why `relay` is not ready to serve clients yet, or undefined when it is. */
async function relayProblem (relay: NodeFiles, routers: string[]): Promise<string | undefined> {
  const problem = consensusProblem(await consensusOf(relay), routers, new Date())
  if (problem != null) return `${relay.name}: ${problem}`
  const mds = countMicrodescs(await readOr(path.join(relay.dataDir, 'cached-microdescs'), '') +
    await readOr(path.join(relay.dataDir, 'cached-microdescs.new'), ''))
  if (mds < routers.length) return `${relay.name}: holds ${mds} of ${routers.length} microdescriptors`
  return undefined
}

/**
 * Step 1: poll the relays' cached consensus files until they are good,
 * bounded by the run. A relay that lags behind a good consensus the
 * authorities already publish (its fetches back off exponentially) gets a
 * SIGHUP, which makes tor reset its download schedule and fetch at once.
 */
export async function waitForConsensus (run: StartRun, authority: NodeFiles, relays: NodeFiles[], routers: string[]): Promise<void> {
  let last: string | undefined
  const nudged = new Set<string>()
  for (;;) {
    run.throwIfDied()
    let problem: string | undefined
    let stuck = relays[0]
    for (const relay of relays) {
      problem = await relayProblem(relay, routers)
      if (problem != null) { stuck = relay; break }
    }
    if (problem == null) return
    if (problem !== last) run.progress('network', `waiting for the consensus: ${problem}`)
    last = problem
    const published = await consensusOf(authority)
    const key = `${stuck.name} ${published.validAfter?.getTime() ?? ''}`
    if (!nudged.has(key) && consensusProblem(published, routers, new Date()) == null) {
      nudged.add(key)
      const pid = await readPid(stuck.pidFile)
      if (pid != null && await isTorWithTorrc(pid, stuck.torrcPath)) process.kill(pid, 'SIGHUP')
    }
    if (run.remaining() === 0) throw await run.timeout(stuck, 'consensus', problem)
    await sleep(Math.min(POLL_MS, run.remaining()))
  }
}

/**
 * An authenticated control connection to a node, retrying while its control
 * port is not open yet (a freshly spawned tor takes a few hundred ms).
 */
export async function connectNode (run: StartRun, node: NodeFiles): Promise<ControlClient> {
  let lastError: unknown
  for (;;) {
    run.throwIfDied()
    try {
      const client = await ControlClient.connect({ type: 'tcp', host: '127.0.0.1', port: node.controlPort }, { signal: run.signal(), timeoutMs: Math.min(5000, Math.max(1, run.remaining())) })
      try {
        await client.authenticate({ cookieFile: node.cookieFile })
        return client
      } catch (err) {
        await client.close()
        throw err
      }
    } catch (err) {
      lastError = err
      if (run.remaining() === 0) {
        return await run.explain(err, node, 'control', () => `its control port 127.0.0.1:${node.controlPort} did not accept us (${(lastError as Error).message})`)
      }
      if ((err as Error).name !== 'ControlUnreachableError') return await run.explain(err, node, 'control', () => '')
    }
    await sleep(Math.min(100, run.remaining()))
  }
}

/** Step 2: wait for PROGRESS=100 on a client. */
export async function waitForClient (run: StartRun, node: NodeFiles, percent: (p: number) => number): Promise<void> {
  const client = await connectNode(run, node)
  let last = 'no bootstrap status yet'
  try {
    await client.waitForBootstrap({
      signal: run.signal(),
      timeoutMs: Math.max(1, run.remaining()),
      onProgress: (s) => {
        last = `bootstrapped ${s.progress}% (${s.tag}): ${s.summary}`
        run.progress('clients', `${node.name} ${last}`, percent(s.progress))
      }
    })
  } catch (err) {
    await run.explain(err, node, 'bootstrap', () => `stuck at ${last}`)
  } finally {
    await client.close()
  }
}

/**
 * Step 3: ADD_ONION NEW (DiscardPK) on `node`, wait for its first HS_DESC
 * UPLOADED, DEL_ONION. Returns the milliseconds from ADD_ONION to UPLOADED.
 */
export async function proveOnionPublish (run: StartRun, node: NodeFiles): Promise<number> {
  const client = await connectNode(run, node)
  let watch: UploadWatch | undefined
  try {
    watch = await watchUploads(client)
    const t0 = Date.now()
    const { serviceId } = await client.addOnion({ ports: [{ virtualPort: 80 }], flags: ['DiscardPK'] })
    await watch.waitForUpload(serviceId, { signal: run.signal() })
    const ms = Date.now() - t0
    await client.delOnion(serviceId)
    return ms
  } catch (err) {
    return await run.explain(err, node, 'publish', () => 'no HS_DESC UPLOADED for a fresh onion service')
  } finally {
    await watch?.stop().catch(() => {})
    await client.close()
  }
}
