import { rm } from 'node:fs/promises'
import path from 'node:path'
import { terminatePid } from '../tor/process.js'
import { TestnetStopError } from './errors.js'
import { nodeStatuses, removePid, requireState, stateToInfo, type NodeFiles } from './state.js'
import type { NodeStatus, TestnetInfo } from './types.js'

/**
 * Stop the given nodes: only processes whose /proc cmdline shows tor with
 * that node's torrc (see nodeStatuses). SIGTERM, SIGKILL after 10 s, wait
 * until gone. Pid files are removed.
 */
export async function stopNodes (dir: string, nodes: NodeFiles[]): Promise<void> {
  const survivors: number[] = []
  const statuses = await nodeStatuses(nodes)
  await Promise.all(nodes.map(async (node, i) => {
    const { pid } = statuses[i]
    if (pid != null && !(await terminatePid(pid))) {
      survivors.push(pid)
      return
    }
    await removePid(node.pidFile)
  }))
  if (survivors.length > 0) throw new TestnetStopError(dir, survivors)
}

/**
 * Stop every tor process of the network in `dir`. The directory (keys,
 * cached consensus, logs) stays for a fast restart unless `clean` is set.
 * Stopping a network that is already stopped is no error; a directory with
 * no network at all is a TestnetNotFoundError (a mistyped --dir must not
 * look like a successful stop).
 */
export async function stopTestnet (dir: string, opts: { clean?: boolean } = {}): Promise<void> {
  const abs = path.resolve(dir)
  const state = await requireState(abs)
  await stopNodes(abs, state.nodes)
  if (opts.clean === true) await rm(abs, { recursive: true, force: true })
}

/** Each node of the network in `dir`: role, pid and whether it runs. */
export async function testnetStatus (dir: string): Promise<{ nodes: NodeStatus[] }> {
  const state = await requireState(path.resolve(dir))
  return { nodes: (await nodeStatuses(state.nodes)).map(({ adopted, ...s }) => s) }
}

/** Ports, cookie files and torrc lines of the network in `dir`, from its testnet.json. */
export async function testnetEnv (dir: string): Promise<TestnetInfo> {
  return stateToInfo(await requireState(path.resolve(dir)))
}
