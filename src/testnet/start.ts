/**
 * startTestnet: bring up (or complete) a private Tor network on 127.0.0.1:
 * authority keys, torrcs, 3 authorities + N relays, a consensus with the
 * right flags, then N clients, then a proof that an onion service publishes.
 */
import { rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { makeDirectory } from '../onion/atomic-file.js'
import { isPidAlive, isPortFree, resolveTorBinary, resolveTorGencert } from '../tor/process.js'
import { InvalidTestnetOptionsError, TestnetBusyError, TestnetConfigMismatchError, TestnetPortInUseError } from './errors.js'
import { ensureAuthorityKeys } from './keys.js'
import { DEFAULT_BASE_PORT, DEFAULT_CLIENTS, DEFAULT_RELAYS, nodePorts, planNodes, type Topology } from './layout.js'
import { proveOnionPublish, waitForClient, waitForConsensus } from './readiness.js'
import { StartRun } from './run.js'
import { nodeFiles, nodeStatuses, readPid, readState, stateToInfo, writePid, writeState, type NodeFiles, type TestnetState } from './state.js'
import { networkTorrcLines, nodeTorrc, type Scheduler } from './torrc.js'
import type { TestnetInfo, TestnetOptions } from './types.js'

export const DEFAULT_TIMEOUT_MS = 60_000

function settings (t: Topology & { scheduler: Scheduler }): string {
  return `base port ${t.basePort}, ${t.relays} relay(s), ${t.clients} client(s), ${t.scheduler} scheduler`
}

/** torrc values are unquoted here, so refuse paths tor would split or misread. */
function checkDir (dir: string): void {
  if (/[\s"'\\#]/.test(dir)) {
    throw new InvalidTestnetOptionsError(`the directory "${dir}" contains whitespace, a quote, a backslash or #; choose a plain path`)
  }
}

async function checkPortsFree (nodes: NodeFiles[]): Promise<void> {
  for (const node of nodes) {
    for (const port of nodePorts(node)) {
      if (!(await isPortFree(port))) throw new TestnetPortInUseError(port, node.name)
    }
  }
}

/**
 * Start the network in `opts.dir`, or restart its dead processes reusing
 * their keys and cached state. On a network that already runs completely,
 * returns at once with alreadyRunning: true. On failure, stops whatever this
 * call started and throws a typed error naming the node, with its log tail.
 */
export async function startTestnet (opts: TestnetOptions): Promise<TestnetInfo & { alreadyRunning: boolean, elapsedMs: number }> {
  const t0 = Date.now()
  const dir = path.resolve(opts.dir)
  checkDir(dir)
  const torBinary = await resolveTorBinary(opts.torBinary)
  await makeDirectory(dir)
  const unlock = await lockStart(dir)
  try {
    return await start(dir, torBinary, opts, t0)
  } finally {
    await unlock()
  }
}

/** One start at a time per directory: `<dir>/start.lock` holds the pid of the one working. */
async function lockStart (dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, 'start.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 })
      return async () => { await rm(file, { force: true }) }
    } catch (err: any) {
      if (err?.code !== 'EEXIST') throw err
      const owner = await readPid(file)
      if (owner != null && await isPidAlive(owner)) throw new TestnetBusyError(dir, owner)
      await rm(file, { force: true }) // left by a start that was killed
    }
  }
  throw new TestnetBusyError(dir)
}

async function start (dir: string, torBinary: string, opts: TestnetOptions, t0: number): Promise<TestnetInfo & { alreadyRunning: boolean, elapsedMs: number }> {
  const run = new StartRun(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.onProgress)
  let previous = await readState(dir)
  const wanted = {
    basePort: opts.basePort ?? previous?.basePort ?? DEFAULT_BASE_PORT,
    relays: opts.relays ?? previous?.relays ?? DEFAULT_RELAYS,
    clients: opts.clients ?? previous?.clients ?? DEFAULT_CLIENTS,
    scheduler: opts.scheduler ?? previous?.scheduler ?? 'KIST'
  }
  const nodes = planNodes(wanted).map(spec => nodeFiles(dir, spec))

  if (previous != null && settings(previous) !== settings(wanted)) {
    const running = (await nodeStatuses(previous.nodes)).filter(s => s.alive)
    if (running.length > 0) throw new TestnetConfigMismatchError(dir, settings(previous), settings(wanted))
    if (previous.basePort !== wanted.basePort) {
      // Authority certificates name their DirPort: other ports need fresh keys.
      await Promise.all(previous.nodes.map(async n => { await rm(n.dataDir, { recursive: true, force: true }) }))
    }
    previous = undefined
  }

  run.progress('check', `checking ${nodes.length} nodes in ${dir}`, 0)
  const statuses = await nodeStatuses(nodes)
  // A tor found by its cmdline though its pid file was lost or stale: record it again.
  await Promise.all(statuses.map(async (s, i) => { if (s.adopted && s.pid != null) await writePid(nodes[i].pidFile, s.pid) }))
  const alive = statuses.map(s => s.alive)
  if (previous != null && alive.every(a => a)) {
    run.progress('done', `the network in ${dir} is already running`, 100)
    return { ...stateToInfo(previous), alreadyRunning: true, elapsedMs: Date.now() - t0 }
  }
  const dead = nodes.filter((_, i) => !alive[i])
  await checkPortsFree(dead)

  const emptyFile = path.join(dir, 'empty')
  await writeFile(emptyFile, '')
  await Promise.all(nodes.map(async n => { await makeDirectory(n.dataDir) }))
  const authorityNodes = nodes.filter(n => n.role === 'authority')
  run.progress('keys', `checking keys of ${authorityNodes.length} authorities`, 2)
  const gencert = await resolveTorGencert(torBinary)
  const authorities = await Promise.all(authorityNodes.map(async n => await ensureAuthorityKeys(n, n.dataDir, { tor: torBinary, gencert, emptyFile })))
  const generated = authorities.filter(a => a.generated).length
  run.progress('keys', generated > 0 ? `generated keys for ${generated} authorities in ${Date.now() - t0} ms` : 'reusing authority keys', 15)
  const torrcLines = networkTorrcLines(authorities.map(({ generated, ...a }) => a), wanted.scheduler)
  await Promise.all(nodes.map(async n => {
    await writeFile(n.torrcPath, nodeTorrc(n, { dataDir: n.dataDir, networkLines: torrcLines, emptyFile }), { mode: 0o600 })
  }))
  const state: Omit<TestnetState, 'version'> = { dir, ...wanted, torBinary, nodes, authorities: authorities.map(({ generated, ...a }) => a), torrcLines }
  await writeState(state)

  try {
    const routers = nodes.filter(n => n.role !== 'client')
    const deadRouters = dead.filter(n => n.role !== 'client')
    run.progress('network', `starting ${deadRouters.map(n => n.name).join(', ') || 'no relays (all running)'}`, 20)
    await Promise.all(deadRouters.map(async n => { await run.spawn(n, torBinary, emptyFile) }))
    await waitForConsensus(run, routers[0], routers.filter(n => n.role === 'relay'), routers.map(n => n.name))
    run.progress('network', `consensus lists ${routers.length} relays as Running, Guard and HSDir after ${Date.now() - t0} ms`, 50)

    const deadClients = dead.filter(n => n.role === 'client')
    await Promise.all(deadClients.map(async n => { await run.spawn(n, torBinary, emptyFile) }))
    const clients = nodes.filter(n => n.role === 'client')
    await Promise.all(clients.map(async n => { await waitForClient(run, n, p => 50 + Math.round(p * 0.35)) }))
    run.progress('clients', `${clients.length} clients bootstrapped after ${Date.now() - t0} ms`, 85)

    if (run.spawnedCount > 0) {
      run.progress('publish', `publishing a test onion service on ${clients[0].name}`, 88)
      const ms = await proveOnionPublish(run, clients[0])
      run.progress('publish', `ADD_ONION -> first HS_DESC UPLOADED in ${ms} ms`, 98)
    }
  } catch (err) {
    await run.rollback()
    throw err
  }
  run.finish()
  const elapsedMs = Date.now() - t0
  run.progress('done', `network ready in ${elapsedMs} ms (${settings(wanted)})`, 100)
  return { ...stateToInfo(state), alreadyRunning: false, elapsedMs }
}
