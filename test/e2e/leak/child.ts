/**
 * A child process that speaks JSON lines: events and replies on stdout,
 * commands on stdin. Stopped by PID only (SIGTERM, then SIGKILL), including
 * the inner PID it reports when it runs under a wrapper such as strace.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { RemoteError } from './errors.js'

export interface ChildOptions {
  env?: NodeJS.ProcessEnv
  /** stderr goes to this file (for the log check), else it is kept in memory (the last 64 KiB). */
  stderrFile?: string
}

const STDERR_KEEP = 64 * 1024

export class JsonLineChild {
  readonly events: any[] = []
  private readonly proc: ChildProcess
  private readonly replies = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>()
  private readonly waiters = new Set<() => void>()
  private stderrTail = ''
  private nextId = 1
  private exited = false
  /** The PID behind a wrapper (from the child's ready event). */
  innerPid?: number

  constructor (readonly label: string, command: string, args: string[], opts: ChildOptions = {}) {
    this.proc = spawn(command, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] })
    if (opts.stderrFile != null) this.proc.stderr?.pipe(createWriteStream(opts.stderrFile))
    else {
      this.proc.stderr?.setEncoding('utf8').on('data', (s: string) => { this.stderrTail = (this.stderrTail + s).slice(-STDERR_KEEP) })
    }
    this.proc.stdin?.on('error', () => {})
    createInterface({ input: this.proc.stdout! }).on('line', line => { this.onLine(line) })
    this.proc.once('error', (err) => {
      // e.g. spawn ENOENT: the program is not installed
      this.events.push({ event: 'fatal', error: err.message })
      this.exited = true
      this.wake()
    })
    this.proc.once('exit', () => {
      this.exited = true
      for (const { reject } of this.replies.values()) reject(new Error(`${this.label} exited before replying${this.describeEnd()}`))
      this.replies.clear()
      this.wake()
    })
  }

  get pid (): number | undefined {
    return this.proc.pid
  }

  private describeEnd (): string {
    const fatal = this.events.find(e => e.event === 'fatal')
    return (fatal != null ? `: ${String(fatal.error)}` : '') + (this.stderrTail !== '' ? `\n${this.stderrTail.slice(-2000)}` : '')
  }

  private onLine (line: string): void {
    let msg: any
    try { msg = JSON.parse(line) } catch { return }
    if (typeof msg?.id === 'number' && this.replies.has(msg.id)) {
      const r = this.replies.get(msg.id)!
      this.replies.delete(msg.id)
      if (msg.ok === true) r.resolve(msg.result)
      else r.reject(new RemoteError(`${this.label}: ${String(msg.error)}`, msg.shape))
      return
    }
    this.events.push(msg)
    if (msg?.event === 'ready' && typeof msg.pid === 'number') this.innerPid = msg.pid
    this.wake()
  }

  private wake (): void {
    for (const w of [...this.waiters]) w()
  }

  /** Resolves with the first event of this kind; rejects when the child exits first or after timeoutMs. */
  async waitForEvent (event: string, timeoutMs: number): Promise<any> {
    return await new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.find(e => e?.event === event)
        if (found != null) { finish(); resolve(found) } else if (this.exited) { finish(); reject(new Error(`${this.label} exited before "${event}"${this.describeEnd()}`)) }
      }
      const timer = setTimeout(() => { finish(); reject(new Error(`${this.label}: no "${event}" within ${timeoutMs} ms${this.describeEnd()}`)) }, timeoutMs)
      const finish = (): void => { clearTimeout(timer); this.waiters.delete(check) }
      this.waiters.add(check)
      check()
    })
  }

  /** Sends one command and resolves with its result. */
  async request<T = any> (command: object, timeoutMs: number): Promise<T> {
    if (this.exited) throw new Error(`${this.label} has exited${this.describeEnd()}`)
    const id = this.nextId++
    const reply = new Promise<T>((resolve, reject) => { this.replies.set(id, { resolve, reject }) })
    this.proc.stdin!.write(JSON.stringify({ ...command, id }) + '\n')
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`${this.label}: no reply to ${JSON.stringify(command)} within ${timeoutMs} ms`)) }, timeoutMs)
    })
    try {
      return await Promise.race([reply, timeout])
    } finally {
      clearTimeout(timer)
      this.replies.delete(id)
    }
  }

  private async waitExit (timeoutMs: number): Promise<boolean> {
    if (this.exited) return true
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([once(this.proc, 'exit'), new Promise(resolve => { timer = setTimeout(resolve, timeoutMs) })])
    } finally {
      clearTimeout(timer)
    }
    return this.exited
  }

  /**
   * Ends the child: the graceful command first (if given), then SIGTERM and
   * SIGKILL to the inner PID and the spawned PID, each with a bounded wait.
   */
  async stop (graceful?: object): Promise<void> {
    if (graceful != null && !this.exited) await this.request(graceful, 10_000).catch(() => undefined)
    this.proc.stdin?.end()
    if (await this.waitExit(5_000)) return
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      for (const pid of [this.innerPid, this.proc.pid]) {
        if (pid != null) try { process.kill(pid, signal) } catch {}
      }
      if (await this.waitExit(5_000)) return
    }
    throw new Error(`${this.label} (pid ${String(this.proc.pid)}) did not exit after SIGKILL`)
  }
}
