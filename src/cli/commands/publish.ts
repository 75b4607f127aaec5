/**
 * `p2p-tor publish <topic> [data|-] --hub <multiaddr>`: publish one message
 * through the hub. By default it waits for the hub's acknowledgement, so a
 * refusal exits 5 (NOT_AUTHORIZED) naming the topic and the missing right;
 * `--no-ack` returns once the message is sent.
 */
import { StartDeadline, sinceStart, startOutputFor } from '../context.js'
import { ExitCode } from '../errors.js'
import { ms } from '../json.js'
import { checkHubAddress, checkUri, openMember, readData, type MemberFlags } from '../member.js'
import type { CliContext } from '../context.js'

export interface PublishCommandOptions extends MemberFlags {
  /** commander's --no-ack sets this to false. @default true */
  ack?: boolean
  /** When the hub is not reachable yet, keep trying until --timeout. */
  wait?: boolean
  contentType?: string
  sealTo?: string[]
}

/** The largest message the CLI sends (the hub's default payload cap). */
export const CLI_MAX_PAYLOAD_BYTES = 1024 * 1024

export async function publishCommand (topic: string, data: string | undefined, opts: PublishCommandOptions, ctx: CliContext): Promise<number> {
  await checkUri(topic)
  // a missing or bad --hub is said at once, not after waiting for stdin to end
  await checkHubAddress(opts.hub)
  const bytes = await readData(data, CLI_MAX_PAYLOAD_BYTES)
  const start = new StartDeadline(ctx.signal, opts.timeout)
  const output = startOutputFor(ctx, opts.json, start, 'joined')
  // the deadline clears itself on 'joined'; a failure before that must clear it too (an idle timer)
  const opened = await openMember(opts, ctx, output, 'publish', start.signal).catch((err: unknown) => { start.clear(); throw err })
  try {
    const acknowledge = opts.ack !== false
    const t0 = sinceStart()
    const { id } = await opened.member.publish(topic, bytes, { acknowledge, wait: opts.wait === true, contentType: opts.contentType, sealTo: opts.sealTo, signal: ctx.signal, timeoutMs: opts.timeout })
    output.event({ event: 'published', topic, id, acknowledged: acknowledge, publishMs: ms(sinceStart() - t0) })
    output.result(`published ${id} on ${topic}${acknowledge ? ': the hub accepted it' : ' (not acknowledged: --no-ack)'}`)
    return ExitCode.OK
  } finally {
    await opened.close()
  }
}
