/**
 * `p2p-tor call <uri> [data|-] --hub <multiaddr>`: call a procedure through
 * the hub and print its result (stdout, as is; `--json`: a `result` event).
 * The callee's error exits 6 (RPC_ERROR) with its one-line message.
 */
import { StartDeadline, sinceStart, startOutputFor } from '../context.js'
import { ExitCode } from '../errors.js'
import { ms } from '../json.js'
import { checkHubAddress, checkUri, dataFields, openMember, readData, type MemberFlags } from '../member.js'
import { CLI_MAX_PAYLOAD_BYTES } from './publish.js'
import type { CliContext } from '../context.js'

export interface CallCommandOptions extends MemberFlags {
  wait?: boolean
  seal?: boolean
}

export async function callCommand (uri: string, data: string | undefined, opts: CallCommandOptions, ctx: CliContext): Promise<number> {
  await checkUri(uri)
  // a missing or bad --hub is said at once, not after waiting for stdin to end
  await checkHubAddress(opts.hub)
  const bytes = await readData(data, CLI_MAX_PAYLOAD_BYTES)
  const start = new StartDeadline(ctx.signal, opts.timeout)
  const output = startOutputFor(ctx, opts.json, start, 'joined')
  // the deadline clears itself on 'joined'; a failure before that must clear it too (an idle timer)
  const opened = await openMember(opts, ctx, output, 'call', start.signal).catch((err: unknown) => { start.clear(); throw err })
  try {
    const t0 = sinceStart()
    const result = await opened.member.call(uri, bytes, { signal: ctx.signal, timeoutMs: opts.timeout, wait: opts.wait === true, seal: opts.seal === true })
    output.event({ event: 'result', uri, callMs: ms(sinceStart() - t0), ...dataFields(result) })
    if (!output.json) ctx.stdout.write(new TextDecoder().decode(result))
    return ExitCode.OK
  } finally {
    await opened.close()
  }
}
