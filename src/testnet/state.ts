/**
 * What a network leaves on disk: `<dir>/testnet.json` (written by start, read
 * by env/status/stop) and, per node, `<dir>/<name>/` as its DataDirectory
 * holding torrc, keys, notice.log, stdout.log and the tor.pid we write.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { isTorWithTorrc, listTors } from '../tor/process.js'
import { TestnetNotFoundError } from './errors.js'
import type { NodeSpec, Topology } from './layout.js'
import type { AuthorityIdentity, Scheduler } from './torrc.js'
import type { NodeStatus, TestnetInfo } from './types.js'

export const STATE_FILE = 'testnet.json'
const STATE_VERSION = 1

export interface NodeFiles extends NodeSpec {
  dataDir: string
  torrcPath: string
  pidFile: string
  logFile: string
  stdoutFile: string
  cookieFile: string
}

export interface TestnetState extends Topology {
  version: number
  dir: string
  scheduler: Scheduler
  torBinary: string
  nodes: NodeFiles[]
  authorities: AuthorityIdentity[]
  torrcLines: string[]
}

export function nodeFiles (dir: string, spec: NodeSpec): NodeFiles {
  const dataDir = path.join(dir, spec.name)
  return {
    ...spec,
    dataDir,
    torrcPath: path.join(dataDir, 'torrc'),
    pidFile: path.join(dataDir, 'tor.pid'),
    logFile: path.join(dataDir, 'notice.log'),
    stdoutFile: path.join(dataDir, 'stdout.log'),
    cookieFile: path.join(dataDir, 'control_auth_cookie')
  }
}

/** The state of the network in `dir`, or undefined when there is none. */
export async function readState (dir: string): Promise<TestnetState | undefined> {
  let text: string
  try {
    text = await readFile(path.join(dir, STATE_FILE), 'utf8')
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    throw err
  }
  const state = JSON.parse(text) as TestnetState
  // A state file from another layout version is treated as absent: start regenerates it.
  return state?.version === STATE_VERSION && Array.isArray(state.nodes) ? state : undefined
}

export async function requireState (dir: string): Promise<TestnetState> {
  const state = await readState(dir)
  if (state == null) throw new TestnetNotFoundError(dir)
  return state
}

export async function writeState (state: Omit<TestnetState, 'version'>): Promise<void> {
  const file = path.join(state.dir, STATE_FILE)
  await writeFile(`${file}.tmp`, JSON.stringify({ version: STATE_VERSION, ...state }, null, 2) + '\n', { mode: 0o600 })
  await rename(`${file}.tmp`, file)
}

export async function readPid (pidFile: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(pidFile, 'utf8')).trim(), 10)
    return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined
  } catch {
    return undefined
  }
}

export async function writePid (pidFile: string, pid: number): Promise<void> {
  await writeFile(pidFile, `${pid}\n`, { mode: 0o600 })
}

export async function removePid (pidFile: string): Promise<void> {
  await rm(pidFile, { force: true })
}

/**
 * Each node's pid and whether it is alive. The pid comes from the node's pid
 * file, verified against /proc/<pid>/cmdline (tor with this node's torrc).
 * When that file is missing or stale (process gone, or a reused pid), /proc
 * is scanned once for a tor running this node's torrc, so a tor whose pid
 * file was lost is still found; `adopted` marks those.
 */
export async function nodeStatuses (nodes: NodeFiles[]): Promise<Array<NodeStatus & { adopted: boolean }>> {
  let running: Promise<Array<{ pid: number, torrc: string }>> | undefined
  return await Promise.all(nodes.map(async (node) => {
    const recorded = await readPid(node.pidFile)
    if (recorded != null && await isTorWithTorrc(recorded, node.torrcPath)) {
      return { name: node.name, role: node.role, pid: recorded, alive: true, adopted: false }
    }
    running ??= listTors()
    const pid = (await running).find(t => t.torrc === node.torrcPath)?.pid
    return { name: node.name, role: node.role, pid, alive: pid != null, adopted: pid != null }
  }))
}

export function stateToInfo (state: Omit<TestnetState, 'version'>): TestnetInfo {
  return {
    dir: state.dir,
    basePort: state.basePort,
    clients: state.nodes.filter(n => n.role === 'client').map(n => ({
      name: n.name,
      socksPort: n.socksPort ?? 0,
      controlPort: n.controlPort,
      cookieFile: n.cookieFile,
      dataDir: n.dataDir
    })),
    torrcLines: state.torrcLines,
    scheduler: state.scheduler
  }
}
