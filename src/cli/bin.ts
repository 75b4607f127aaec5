#!/usr/bin/env node
/**
 * The `p2p-tor` executable. Installs the signal handling every command
 * shares, runs main(), and exits with its code.
 *
 * First SIGINT/SIGTERM: abort the running command. Every wait in every
 * phase listens to that signal, so the command ends at once with 130 (or 0
 * for a listener that was serving and shut down cleanly); if shutting down
 * still takes longer than SHUTDOWN_GRACE_MS, the process exits anyway, with
 * 130, since the user interrupted it. A second signal exits at once (130).
 */
// first: DEBUG=p2p-tor* must be rewritten before @libp2p/logger reads DEBUG
import './debug-env.js'
import { InterruptedError, ExitCode } from './errors.js'
import { main } from './main.js'

const SHUTDOWN_GRACE_MS = 4500

const controller = new AbortController()
const onSignal = (signal: NodeJS.Signals): void => {
  if (controller.signal.aborted) {
    process.exit(ExitCode.INTERRUPTED)
  }
  controller.abort(new InterruptedError(signal))
  setTimeout(() => {
    process.stderr.write(`error: shutdown took longer than ${SHUTDOWN_GRACE_MS / 1000} s after ${signal}; exiting anyway\n`)
    process.exit(ExitCode.INTERRUPTED)
  }, SHUTDOWN_GRACE_MS).unref()
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

const code = await main(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal
})
// libp2p and tor clients may leave timers behind; the command is done
process.exit(code)
