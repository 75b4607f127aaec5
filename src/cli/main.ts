/**
 * Runs one p2p-tor command line and returns the exit code. Every failure,
 * from commander's parse errors to typed errors deep inside libp2p, ends as
 * one line on stderr (or one JSON error event under --json).
 */
import { CommanderError } from 'commander'
import { Output } from './output.js'
import { buildProgram } from './program.js'
import { classifyError, ExitCode, InterruptedError } from './errors.js'
import type { CliContext } from './context.js'
import type { Command } from 'commander'

/** Whether argv asks for --json (read before parsing, so parse errors are JSON too). */
export function wantsJson (argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json')
}

/** Makes commander throw instead of exiting, write to our streams, and keep its own error text to itself. */
function tame (cmd: Command, ctx: CliContext): void {
  cmd.exitOverride()
  cmd.configureOutput({
    writeOut: (s) => { ctx.stdout.write(s) },
    writeErr: (s) => { ctx.stderr.write(s) },
    outputError: () => {}
  })
  for (const sub of cmd.commands) tame(sub, ctx)
}

/** commander's "error: unknown option '--x'" as one line with a hint. */
function usageLine (err: CommanderError, argv: readonly string[]): string {
  const text = err.message.replace(/^error:\s*/, '').split('\n')[0]
  const command = argv.find(a => !a.startsWith('-'))
  return `${text} (see: p2p-tor ${command != null && ['listen', 'dial', 'id', 'testnet', 'hub', 'publish', 'subscribe', 'register', 'call', 'keys', 'webhook', 'mailbox'].includes(command) ? `${command} ` : ''}--help)`
}

export async function main (argv: readonly string[], ctx: CliContext): Promise<number> {
  let exitCode: number = ExitCode.OK
  const program = buildProgram(ctx, (code) => { exitCode = code })
  tame(program, ctx)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return exitCode
  } catch (err) {
    const output = new Output({ json: wantsJson(argv), stdout: ctx.stdout, stderr: ctx.stderr, env: ctx.env })
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0
      if (err.exitCode === 0) return ExitCode.OK
      // no command (`p2p-tor`, `p2p-tor webhook`): commander has written the help to
      // stderr; like git and npm, exit non-zero since nothing ran, with our usage code
      if (err.code === 'commander.help') return ExitCode.USAGE
      output.error({ exitCode: ExitCode.USAGE, code: 'USAGE', message: usageLine(err, argv) })
      return ExitCode.USAGE
    }
    const signal = ctx.signal.aborted ? (ctx.signal.reason as InterruptedError | undefined) : undefined
    const classified = classifyError(signal instanceof InterruptedError && (err as Error)?.name === 'AbortError' ? signal : err)
    output.error(classified)
    return classified.exitCode
  }
}
