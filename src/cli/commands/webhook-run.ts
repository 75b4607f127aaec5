/**
 * `p2p-tor webhook run --hub MA --from <relay PeerId> --secret-file F --
 * <command...>`: a member of the hub that subscribes to the relay's sealed
 * webhook events, re-verifies GitHub's signature on each with its own copy of
 * the secret, and runs the command (one at a time; events during a build
 * collapse into one follow-up). Its state (the last message handled, the
 * deliveries built) lives in the member's data dir, so a restart catches up
 * from the hub's history without building anything twice. One line (or JSON
 * line) per event and per build. Runs until Ctrl-C (exit 0).
 */
import { aborted, interruptedBy, StartDeadline, startOutputFor } from '../context.js'
import { ExitCode, UsageError } from '../errors.js'
import { checkHubAddress, checkUri, openMember, type MemberFlags } from '../member.js'
import { resolveDataDir } from '../options.js'
import { readSecretFile } from '../secret-file.js'
import { DEFAULT_WEBHOOK_TOPIC } from './webhook-relay.js'
import type { CliContext } from '../context.js'

export interface WebhookRunOptions extends MemberFlags {
  from?: string[]
  secretFile?: string
  event?: string
  /** A ref such as refs/heads/main, or '*' for every ref. */
  ref?: string
  topic?: string
  /** Milliseconds (parsed from seconds). */
  buildTimeout?: number
}

export async function webhookRunCommand (command: string[], opts: WebhookRunOptions, ctx: CliContext): Promise<number> {
  if (command.length === 0 || command[0] === '') throw new UsageError('a command to run is required after --, e.g. p2p-tor webhook run ... -- ./build.sh')
  if (opts.from == null || opts.from.length === 0) throw new UsageError('--from <relay PeerId> is required: only events sealed by the relay are taken (p2p-tor id on the relay prints it)')
  const event = opts.event ?? 'push'
  const topic = opts.topic ?? DEFAULT_WEBHOOK_TOPIC
  const { isEventName, runBuilder, formatBuilderLog } = await import('../../webhook/index.js')
  if (!isEventName(event)) throw new UsageError(`--event ${event} is not a GitHub event name (e.g. push, release)`)
  await checkUri(`${topic}.${event}`)
  await checkHubAddress(opts.hub)
  const secret = await readSecretFile(opts.secretFile)
  const dataDir = resolveDataDir(opts.dataDir, ctx.env)
  const start = new StartDeadline(ctx.signal, opts.timeout)
  const output = startOutputFor(ctx, opts.json, start, 'builder-ready')
  // the deadline clears itself on 'joined'; a failure before that must clear it too (an idle timer)
  const opened = await openMember(opts, ctx, output, 'webhook run', start.signal).catch((err: unknown) => { start.clear(); throw err })
  try {
    const builder = await runBuilder({
      subscriber: {
        subscribe: async (t, handler, o) => await opened.member.subscribe(t, handler, { ...o, signal: ctx.signal, timeoutMs: opts.timeout })
      },
      from: opts.from,
      secret,
      command,
      dataDir,
      event,
      topic,
      ref: opts.ref === '*' ? null : (opts.ref ?? 'refs/heads/main'),
      ...(opts.buildTimeout != null ? { buildTimeoutMs: opts.buildTimeout } : {}),
      // the command's own output goes to stderr: stdout is for the log lines (and JSON)
      output: 'stderr',
      log: (entry) => {
        // GitHub's event name would clash with the JSON line's own `event`
        const { event: githubEvent, ...rest } = entry
        output.event({ event: 'webhook-builder', ...(githubEvent != null ? { githubEvent } : {}), ...rest })
        if (!output.json) output.note(formatBuilderLog(entry))
      }
    })
    try {
      output.event({ event: 'builder-ready', topic: `${topic}.${event}`, from: opts.from, replayed: builder.replayed, statePath: builder.statePath, peerId: opened.peerId })
      output.result(`building on ${topic}.${event} from ${opts.from.join(', ')}${opts.ref === '*' ? '' : ` for ${opts.ref ?? 'refs/heads/main'}`}: ${command.join(' ')} (${builder.replayed} event(s) replayed from the hub's history); press Ctrl-C to stop`)
      await aborted(ctx.signal)
      output.event({ event: 'stopped', signal: (interruptedBy(ctx.signal) ?? 'SIGINT') as 'SIGINT', shutdownMs: 0 })
      return ExitCode.OK
    } finally {
      await builder.stop()
    }
  } finally {
    start.clear()
    await opened.close()
  }
}
