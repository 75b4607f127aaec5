/**
 * The p2p-tor CLI as a subprocess of the compiled bin.js (resolved next to
 * this file, so it works from dist/ and from any build dir): stdout lines
 * (JSON under --json) and stderr are collected, events can be awaited, and
 * the process is stopped by its PID. Used by cli-messaging.spec.ts (the same
 * shape as the class inside cli.spec.ts, which predates this file).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'

export const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url))
export const STOP_WITHIN_MS = 5000

/** The environment without P2P_TOR_* (a developer's shell must not redirect the tests), no colour. */
export function cliEnv (): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('P2P_TOR_')))
  env.NO_COLOR = '1'
  return env
}

export interface Exit { code: number | null, signal: NodeJS.Signals | null }

export class Cli {
  readonly child: ChildProcess
  readonly lines: string[] = []
  stderr = ''
  readonly exited: Promise<Exit>
  private readonly waiters = new Set<() => void>()

  /** `stdin`: written and closed at once; without it stdin is /dev/null. */
  constructor (args: string[], stdin?: string) {
    this.child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(), stdio: [stdin == null ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
    if (stdin != null) this.child.stdin!.end(stdin)
    createInterface({ input: this.child.stdout! }).on('line', (l) => { this.lines.push(l); this.wake() })
    this.child.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); this.wake() })
    this.exited = new Promise((resolve) => this.child.once('close', (code, signal) => { resolve({ code, signal }); this.wake() }))
  }

  private wake (): void {
    for (const w of this.waiters) w()
  }

  get running (): boolean {
    return this.child.exitCode == null && this.child.signalCode == null
  }

  /** Every JSON line of stdout; a line that is not JSON fails the test (--json promises only JSON on stdout). */
  events (): any[] {
    return this.lines.map(l => {
      try {
        return JSON.parse(l)
      } catch {
        assert.fail(`a line on stdout that is not JSON: ${l}`)
      }
    })
  }

  /** The first JSON event matching `pred`, waiting at most `timeoutMs`. */
  async waitFor (pred: (e: any) => boolean, timeoutMs: number, what = 'the event'): Promise<any> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.events().find(pred)
      if (found != null) return found
      if (!this.running) assert.fail(`exited before ${what}; stdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`)
      const left = deadline - Date.now()
      if (left <= 0) assert.fail(`no ${what} within ${timeoutMs} ms; stdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`)
      await new Promise<void>((resolve) => {
        const wake = (): void => { clearTimeout(timer); this.waiters.delete(wake); resolve() }
        const timer = setTimeout(wake, left)
        this.waiters.add(wake)
      })
    }
  }

  /** Sends `signal` to the PID and waits up to `withinMs`; SIGKILLs and fails if it is still running then. */
  async stop (signal: NodeJS.Signals = 'SIGINT', withinMs = STOP_WITHIN_MS): Promise<Exit & { ms: number }> {
    const t0 = Date.now()
    if (this.running) process.kill(this.child.pid as number, signal)
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => { resolve('late') }, withinMs) })
    const result = await Promise.race([this.exited, late])
    clearTimeout(timer)
    if (result === 'late') {
      this.child.kill('SIGKILL')
      await this.exited
      assert.fail(`still running ${withinMs} ms after ${signal}; stderr:\n${this.stderr}`)
    }
    return { ...result, ms: Date.now() - t0 }
  }

  /** Waits for the exit, SIGKILLing after `timeoutMs` (and failing then). */
  async done (timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => { resolve('late') }, timeoutMs) })
    const result = await Promise.race([this.exited, late])
    clearTimeout(timer)
    if (result === 'late') {
      this.child.kill('SIGKILL')
      await this.exited
      assert.fail(`still running after ${timeoutMs} ms; stdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`)
    }
    return result
  }
}
