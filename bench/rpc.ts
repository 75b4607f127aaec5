/**
 * Request/response over a forked child's IPC channel. Each side of a
 * benchmark (the p2p-tor node, the raw echo server, their dialers) runs in a
 * process of its own, so its CPU time and RSS are its own and one side's
 * garbage collection never stalls the other. Timings are taken inside the
 * children; the IPC hop is never inside a timed section.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'

interface Request { id: number, method: string, args: unknown[] }
interface Response { id: number, result?: unknown, error?: { name: string, message: string, stack?: string } }

export type Handlers = Record<string, (...args: any[]) => unknown>

const EXIT_GRACE_MS = 5000
/** Longer than any one measurement (a 16 MB transfer at 0.2 MB/s, 20 nodes publishing). */
const CALL_TIMEOUT_MS = 90_000
/** BENCH_TRACE=1 logs every call. */
const TRACE = process.env.BENCH_TRACE === '1'

/** CPU seconds (user + system, all threads) a process has used, from /proc/<pid>/stat. */
export async function cpuSeconds (pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // fields after the command name, which is in parentheses and may hold spaces
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return ticks / 100 // USER_HZ is 100 on Linux
}

/** The parent's handle on one child. */
export class Child {
  private nextId = 1
  private readonly pending = new Map<number, { method: string, resolve: (v: any) => void, reject: (e: Error) => void }>()
  private readonly exited: Promise<void>

  private constructor (readonly name: string, private readonly proc: ChildProcess) {
    proc.on('message', (msg: Response) => {
      const p = this.pending.get(msg.id)
      if (p == null) return
      this.pending.delete(msg.id)
      if (msg.error != null) p.reject(Object.assign(new Error(`${name}.${p.method}: ${msg.error.message}`), { name: msg.error.name, remoteStack: msg.error.stack }))
      else p.resolve(msg.result)
    })
    this.exited = new Promise(resolve => {
      proc.once('exit', (code, signal) => {
        for (const p of this.pending.values()) p.reject(new Error(`${name} exited (${signal ?? code ?? '?'}) with a call pending`))
        this.pending.clear()
        resolve()
      })
    })
  }

  /** Forks `script` with `args`; extra `execArgv` (e.g. --cpu-prof) are added to --expose-gc. */
  static async spawn (name: string, script: URL, args: string[], execArgv: string[] = []): Promise<Child> {
    const proc = fork(script, args, { execArgv: ['--expose-gc', ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const child = new Child(name, proc)
    await child.call('ready')
    return child
  }

  get pid (): number {
    return this.proc.pid ?? -1
  }

  /** Calls `method` in the child; rejects after CALL_TIMEOUT_MS so that a hung measurement cannot hang the bench. */
  async call<T = unknown> (method: string, ...args: unknown[]): Promise<T> {
    if (this.proc.exitCode != null || this.proc.signalCode != null) throw new Error(`${this.name} has exited`)
    const id = this.nextId++
    const t0 = performance.now()
    if (TRACE) console.error(`[rpc] ${this.name}.${method} …`)
    try {
      return await new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending.delete(id)
          reject(new Error(`${this.name}.${method} did not answer within ${CALL_TIMEOUT_MS / 1000} s`))
        }, CALL_TIMEOUT_MS)
        this.pending.set(id, {
          method,
          resolve: (v) => { clearTimeout(timer); resolve(v) },
          reject: (e) => { clearTimeout(timer); reject(e) }
        })
        this.proc.send({ id, method, args } satisfies Request)
      })
    } finally {
      if (TRACE) console.error(`[rpc] ${this.name}.${method} done in ${(performance.now() - t0).toFixed(0)} ms`)
    }
  }

  async cpuSeconds (): Promise<number> {
    return await cpuSeconds(this.pid)
  }

  /** Asks the child to clean up and exit; SIGKILLs its pid if it has not after 5 s. */
  async close (): Promise<void> {
    if (this.proc.exitCode != null || this.proc.signalCode != null) return
    this.call('exit').catch(() => {})
    const timer = setTimeout(() => { this.proc.kill('SIGKILL') }, EXIT_GRACE_MS)
    await this.exited
    clearTimeout(timer)
  }
}

/** The child's side: answer the parent's calls with `handlers` until 'exit'. */
export function serve (handlers: Handlers, onExit: () => Promise<void>): void {
  const all: Handlers = {
    ready: () => true,
    exit: async () => {
      await onExit()
      setImmediate(() => process.exit(0))
      return true
    },
    ...handlers
  }
  process.on('message', (msg: Request) => {
    void (async () => {
      let reply: Response
      try {
        const fn = all[msg.method]
        if (fn == null) throw new Error(`no method ${msg.method}`)
        reply = { id: msg.id, result: await fn(...msg.args) }
      } catch (err: any) {
        reply = { id: msg.id, error: { name: err?.name ?? 'Error', message: err?.message ?? String(err), stack: err?.stack } }
      }
      process.send?.(reply)
    })()
  })
  // the parent went away: do not linger holding onion services, nor hang in cleanup
  process.on('disconnect', () => {
    setTimeout(() => process.exit(1), EXIT_GRACE_MS).unref()
    void onExit().finally(() => process.exit(0))
  })
}
