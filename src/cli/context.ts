/**
 * What every command action gets from main(): the environment, the output
 * streams, and a signal that SIGINT/SIGTERM abort.
 */
import { Output } from './output.js'
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
