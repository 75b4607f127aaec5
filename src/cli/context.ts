/**
 * What every command action gets from main(): the environment, the output
 * streams, and a signal that SIGINT/SIGTERM abort.
 */
import { TorStartTimeoutError, type StartPhase } from './errors.js'
import { Output } from './output.js'
import type { CliEvent, ProgressPhase } from './json.js'
import type { OutStream } from './output.js'
import type { Env } from './options.js'

export type { Env }

export interface CliContext {
  env: Env
  stdout: OutStream
  stderr: OutStream
  /** Aborted by the first SIGINT or SIGTERM; its reason is an InterruptedError. */
  signal: AbortSignal
}

/** 'SIGINT' or 'SIGTERM' once `signal` was aborted by one, else undefined. */
export function interruptedBy (signal: AbortSignal): string | undefined {
  if (!signal.aborted) return undefined
  const reason = signal.reason as { signal?: unknown } | undefined
  return typeof reason?.signal === 'string' ? reason.signal : 'SIGINT'
}

/** Milliseconds since this process started (performance.timeOrigin). */
export function sinceStart (): number {
  return performance.now()
}

export function outputFor (ctx: CliContext, json: boolean | undefined): Output {
  return new Output({ json: json === true, stdout: ctx.stdout, stderr: ctx.stderr, env: ctx.env })
}

/** Resolves when `signal` aborts (never rejects). */
export async function aborted (signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>(resolve => { signal.addEventListener('abort', () => { resolve() }, { once: true }) })
}

/** `ms` milliseconds, or less when `signal` aborts first (never rejects). */
export async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return
  await new Promise<void>(resolve => {
    const done = (): void => { clearTimeout(timer); signal.removeEventListener('abort', done); resolve() }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

/** Stops a libp2p node if there is one, ignoring errors (used on the way out, after the real outcome is known). */
export async function stopQuietly (node: { stop: () => void | Promise<void> } | undefined): Promise<void> {
  try {
    await node?.stop()
  } catch {}
}

/**
 * A command's start-up deadline (`--timeout`): `signal` aborts on Ctrl-C
 * (the parent's reason) or when the time is up (a TorStartTimeoutError
 * naming the phase that was running). The signal knows its deadline, so
 * obtainTor() can give tor's bootstrap the time that is left as its own
 * timeout, and its error, which says how far tor got, is what a user sees.
 */
export class StartDeadline {
  readonly signal: AbortSignal
  /** The signal without the deadline: Ctrl-C only. */
  readonly parent: AbortSignal
  readonly timeoutMs: number
  /** The phase now running, from the command's progress lines. */
  phase: StartPhase = 'tor'
  private readonly expiry = new AbortController()
  private readonly endsAt: number
  private readonly timer: ReturnType<typeof setTimeout>

  constructor (parent: AbortSignal, timeoutMs: number) {
    this.parent = parent
    this.timeoutMs = timeoutMs
    this.endsAt = Date.now() + timeoutMs
    this.timer = setTimeout(() => { this.expiry.abort(new TorStartTimeoutError(timeoutMs, this.phase)) }, timeoutMs)
    this.signal = AbortSignal.any([parent, this.expiry.signal])
    deadlines.set(this.signal, this)
  }

  /** Milliseconds left (at least 1). */
  remainingMs (): number {
    return Math.max(1, this.endsAt - Date.now())
  }

  /** The TorStartTimeoutError, once the time ran out. */
  get expired (): TorStartTimeoutError | undefined {
    return this.expiry.signal.aborted ? this.expiry.signal.reason as TorStartTimeoutError : undefined
  }

  /** Start-up is over (or failed): the deadline no longer applies. */
  clear (): void {
    clearTimeout(this.timer)
  }
}

const deadlines = new WeakMap<AbortSignal, StartDeadline>()

/** The StartDeadline that made `signal`, if any. */
export function deadlineOf (signal: AbortSignal): StartDeadline | undefined {
  return deadlines.get(signal)
}

const START_PHASES: Partial<Record<ProgressPhase, StartPhase>> = { tor: 'tor', bootstrap: 'bootstrap', publish: 'publish' }

/** An Output that tells `deadline` which phase runs, and clears it on `readyEvent`. */
class StartOutput extends Output {
  constructor (ctx: CliContext, json: boolean | undefined, private readonly deadline: StartDeadline, private readonly readyEvent: CliEvent['event']) {
    super({ json: json === true, stdout: ctx.stdout, stderr: ctx.stderr, env: ctx.env })
  }

  override progress (phase: ProgressPhase, percent: number | null, message: string): void {
    this.deadline.phase = START_PHASES[phase] ?? this.deadline.phase
    super.progress(phase, percent, message)
  }

  override event (e: CliEvent): void {
    if (e.event === this.readyEvent) this.deadline.clear()
    super.event(e)
  }
}

/** outputFor(), for a command whose start-up runs under `deadline` until it emits `readyEvent`. */
export function startOutputFor (ctx: CliContext, json: boolean | undefined, deadline: StartDeadline, readyEvent: CliEvent['event']): Output {
  return new StartOutput(ctx, json, deadline, readyEvent)
}
