/**
 * One call of startTestnet: its deadline, the processes it spawned, and the
 * first of them to die. Waits abort as soon as a spawned node dies, and on
 * failure the run stops exactly what it spawned.
 */
import { rename } from 'node:fs/promises'
import { logger } from '@libp2p/logger'
import { spawnDetached, tailLines, terminatePid } from '../tor/process.js'
import { TestnetNodeDiedError, TestnetTimeoutError } from './errors.js'
import { removePid, writePid, type NodeFiles } from './state.js'
import type { TestnetProgress } from './types.js'

const log = logger('libp2p:tor:testnet')

export class StartRun {
  readonly timeoutMs: number
  private readonly deadline: number
  private readonly controller = new AbortController()
  private readonly spawned: Array<{ node: NodeFiles, pid: number }> = []
  private died?: TestnetNodeDiedError
  private finished = false

  constructor (timeoutMs: number, private readonly onProgress?: (e: TestnetProgress) => void) {
    this.timeoutMs = timeoutMs
    this.deadline = Date.now() + timeoutMs
  }

  progress (phase: string, message: string, percent?: number): void {
    log('%s: %s', phase, message)
    this.onProgress?.({ phase, message, percent })
  }

  remaining (): number {
    return Math.max(0, this.deadline - Date.now())
  }

  /** Aborts when a spawned node dies or the deadline passes. */
  signal (): AbortSignal {
    return AbortSignal.any([this.controller.signal, AbortSignal.timeout(Math.max(1, this.remaining()))])
  }

  get spawnedCount (): number {
    return this.spawned.length
  }

  throwIfDied (): void {
    if (this.died != null) throw this.died
  }

  async timeout (node: NodeFiles, phase: string, detail: string): Promise<TestnetTimeoutError> {
    return new TestnetTimeoutError(node.name, phase, detail, this.timeoutMs, await tailLines([node.stdoutFile, node.logFile]), node.dataDir)
  }

  /**
   * Rethrow `err` as what it means for the start: the death of a node if one
   * died, a TestnetTimeoutError for `node` if the deadline passed, else as is.
   */
  async explain (err: unknown, node: NodeFiles, phase: string, detail: () => string): Promise<never> {
    this.throwIfDied()
    const name = (err as Error | undefined)?.name
    if (this.remaining() === 0 || name === 'TimeoutError' || name === 'TorBootstrapTimeoutError') {
      throw await this.timeout(node, phase, detail())
    }
    throw err
  }

  /** Spawn one node's tor detached, record its pid, and watch for its death. */
  async spawn (node: NodeFiles, torBinary: string, emptyFile: string): Promise<void> {
    // Keep the previous run's log apart so a failure shows this run's lines only.
    await rename(node.logFile, `${node.logFile}.1`).catch(() => {})
    const child = await spawnDetached(torBinary, ['-f', node.torrcPath, '--defaults-torrc', emptyFile], node.stdoutFile, node.dataDir)
    await writePid(node.pidFile, child.pid)
    this.spawned.push({ node, pid: child.pid })
    log('spawned %s pid %d', node.name, child.pid)
    void child.exited.then(async (code) => {
      if (this.finished || this.died != null) return
      this.died = new TestnetNodeDiedError(node.name, code, await tailLines([node.stdoutFile, node.logFile]), node.dataDir)
      this.controller.abort(this.died)
    })
  }

  /** The start succeeded: later exits are no longer this run's business. */
  finish (): void {
    this.finished = true
  }

  /** The start failed: stop every process this run spawned. */
  async rollback (): Promise<void> {
    this.finished = true
    await Promise.all(this.spawned.map(async ({ node, pid }) => {
      if (await terminatePid(pid)) await removePid(node.pidFile)
    }))
  }
}
