/**
 * `p2p-tor register <uri> --hub <multiaddr> -- <command...>`: serve a
 * procedure. Each call runs the command once, with the call's data on its
 * stdin and P2P_TOR_CALLER / P2P_TOR_URI in its environment; its stdout is
 * the result, and a non-zero exit returns an error whose message is the
 * first line of its stderr. A cancelled or timed-out call kills the command
 * and everything it started (its process group: SIGTERM, then SIGKILL after
 * 2 s); so does the command's own exit, for what it left running.
 */
import { spawn } from 'node:child_process'
import { aborted, StartDeadline, startOutputFor } from '../context.js'
import { ExitCode, oneLine } from '../errors.js'
import { ms } from '../json.js'
import { checkUri, openMember, type MemberFlags } from '../member.js'
import { CLI_MAX_PAYLOAD_BYTES } from './publish.js'
import type { CliContext } from '../context.js'
import type { Output } from '../output.js'

export interface RegisterCommandOptions extends MemberFlags {
  /** Accept only calls sealed to this member by these callers (results and errors go back sealed). */
  sealedFrom?: string[]
}

const STDERR_CAP = 4096
const KILL_GRACE_MS = 2000

/** Runs `argv` for one call. Exported for tests. */
export async function runHandler (argv: string[], data: Uint8Array, env: NodeJS.ProcessEnv, signal: AbortSignal, maxOut = CLI_MAX_PAYLOAD_BYTES): Promise<Uint8Array> {
  signal.throwIfAborted()
  return await new Promise<Uint8Array>((resolve, reject) => {
    // its own process group, so that a kill reaches what the command started
    // too: a shell script's children hold the pipes open, and killing only
    // the shell left the call waiting for them (the 'close' event) anyway
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    const out: Buffer[] = []
    let outBytes = 0
    let err = ''
    let failure: Error | undefined
    let killTimer: ReturnType<typeof setTimeout> | undefined
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid != null) process.kill(-child.pid, sig)
      } catch {
        // the group is gone already
      }
    }
    const kill = (why: Error): void => {
      failure ??= why
      killGroup('SIGTERM')
      killTimer ??= setTimeout(() => { killGroup('SIGKILL') }, KILL_GRACE_MS)
    }
    const onAbort = (): void => { kill(signal.reason instanceof Error ? signal.reason : new Error('the call was cancelled')) }
    signal.addEventListener('abort', onAbort, { once: true })
    child.stdout.on('data', (b: Buffer) => {
      outBytes += b.byteLength
      if (outBytes > maxOut) kill(new Error(`the handler wrote more than ${maxOut} bytes`))
      else out.push(b)
    })
    child.stderr.on('data', (b: Buffer) => { if (err.length < STDERR_CAP) err += b.toString('utf8') })
    child.on('error', (e) => { failure ??= new Error(`cannot run ${argv[0]}: ${e.message}`) })
    child.stdin.on('error', () => {})
    child.stdin.end(Buffer.from(data))
    // the command is done; what it left running in its group would hold the
    // pipes (and so the answer) until it ends: stop it the same way
    child.on('exit', () => {
      killGroup('SIGTERM')
      killTimer ??= setTimeout(() => { killGroup('SIGKILL') }, KILL_GRACE_MS)
    })
    child.on('close', (code, sig) => {
      clearTimeout(killTimer)
      signal.removeEventListener('abort', onAbort)
      if (failure != null) { reject(failure); return }
      if (code === 0) { resolve(new Uint8Array(Buffer.concat(out))); return }
      const line = oneLine(err)
      reject(new Error(line !== '' ? line : `${argv[0]} ${sig != null ? `was killed by ${sig}` : `exited with code ${String(code)}`}`))
    })
  })
}

export async function registerCommand (uri: string, command: string[], opts: RegisterCommandOptions, ctx: CliContext): Promise<number> {
  await checkUri(uri)
  const start = new StartDeadline(ctx.signal, opts.timeout)
  const output = startOutputFor(ctx, opts.json, start, 'joined')
  // the deadline clears itself on 'joined'; a failure before that must clear it too (an idle timer)
  const opened = await openMember(opts, ctx, output, 'register', start.signal).catch((err: unknown) => { start.clear(); throw err })
  try {
    const sealed = opts.sealedFrom != null ? { sealed: true, sealedFrom: opts.sealedFrom } : {}
    await opened.member.register(uri, async (data, call) => await invoke(uri, command, data, call.caller, call.signal, output), sealed)
    output.event({ event: 'registered', uri })
    output.note(`registered ${uri}: each call runs ${command.join(' ')}; press Ctrl-C to stop`)
    await aborted(ctx.signal)
    return ExitCode.OK
  } finally {
    await opened.close()
  }
}

async function invoke (uri: string, command: string[], data: Uint8Array, caller: string, signal: AbortSignal, output: Output): Promise<Uint8Array> {
  const t0 = performance.now()
  try {
    const result = await runHandler(command, data, { ...process.env, P2P_TOR_CALLER: caller, P2P_TOR_URI: uri }, signal)
    output.event({ event: 'invocation', uri, caller, ok: true, callMs: ms(performance.now() - t0) })
    output.note(`call from ${caller}: ok (${(performance.now() - t0).toFixed(0)} ms)`)
    return result
  } catch (err) {
    output.event({ event: 'invocation', uri, caller, ok: false, callMs: ms(performance.now() - t0), message: (err as Error).message })
    output.note(`call from ${caller}: ${output.err('red', 'failed')}: ${(err as Error).message}`)
    throw err
  }
}
