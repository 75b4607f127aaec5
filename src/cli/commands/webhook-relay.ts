/**
 * `p2p-tor webhook relay --listen host:port --secret-file F --hub MA
 * --seal-to <builder PeerId>`: a member of the hub that runs the webhook
 * relay's HTTP(S) server. GitHub's POSTs are checked and answered at once;
 * accepted ones are forwarded as sealed publishes on `<topic>.<event>`. One
 * line (or JSON line) per request and per forward, never the body or the
 * secret. Runs until Ctrl-C (exit 0), then stops the server and the member.
 */
import { readFile } from 'node:fs/promises'
import { aborted, interruptedBy, StartDeadline, startOutputFor } from '../context.js'
import { ExitCode, UsageError } from '../errors.js'
import { checkHubAddress, checkUri, openMember, type MemberFlags } from '../member.js'
import { readSecretFile } from '../secret-file.js'
import { CLI_MAX_PAYLOAD_BYTES } from './publish.js'
import type { CliContext } from '../context.js'

export interface WebhookRelayOptions extends MemberFlags {
  listen?: string
  path?: string
  secretFile?: string
  topic?: string
  sealTo?: string[]
  tlsCert?: string
  tlsKey?: string
}

export const DEFAULT_WEBHOOK_TOPIC = 'webhook.github'

/** The checks that need no network: said at once, before tor is reached. */
async function checkRelayOptions (opts: WebhookRelayOptions): Promise<{ secret: string, tls?: { cert: Buffer, key: Buffer } }> {
  if (opts.listen == null || opts.listen === '') throw new UsageError('--listen host:port is required, e.g. 127.0.0.1:8080 behind a reverse proxy')
  if (opts.sealTo == null || opts.sealTo.length === 0) throw new UsageError('--seal-to <builder PeerId> is required: only the builders it names can open the events (p2p-tor id on the builder prints it)')
  if ((opts.tlsCert == null) !== (opts.tlsKey == null)) throw new UsageError('--tls-cert and --tls-key go together: give both for HTTPS, or neither for HTTP behind a reverse proxy')
  if (opts.path != null && !opts.path.startsWith('/')) throw new UsageError(`--path ${opts.path} must start with /, e.g. /webhook/github`)
  await checkUri(opts.topic ?? DEFAULT_WEBHOOK_TOPIC)
  await checkHubAddress(opts.hub)
  const secret = await readSecretFile(opts.secretFile)
  let tls: { cert: Buffer, key: Buffer } | undefined
  if (opts.tlsCert != null && opts.tlsKey != null) {
    try {
      tls = { cert: await readFile(opts.tlsCert), key: await readFile(opts.tlsKey) }
    } catch (err) {
      throw new UsageError(`cannot read the TLS certificate or key (${(err as Error).message}); check --tls-cert and --tls-key`)
    }
  }
  return { secret, ...(tls != null ? { tls } : {}) }
}

export async function webhookRelayCommand (opts: WebhookRelayOptions, ctx: CliContext): Promise<number> {
  const { secret, tls } = await checkRelayOptions(opts)
  const topic = opts.topic ?? DEFAULT_WEBHOOK_TOPIC
  const start = new StartDeadline(ctx.signal, opts.timeout)
  const output = startOutputFor(ctx, opts.json, start, 'relay-listening')
  // the deadline clears itself on 'joined'; a failure before that must clear it too (an idle timer)
  const opened = await openMember(opts, ctx, output, 'webhook relay', start.signal).catch((err: unknown) => { start.clear(); throw err })
  try {
    const { startRelayServer, formatRelayLog, RECORD_OVERHEAD } = await import('../../webhook/index.js')
    let server: Awaited<ReturnType<typeof startRelayServer>>
    try {
      server = await startRelayServer({
        listen: opts.listen ?? '',
        path: opts.path ?? '/webhook/github',
        secret,
        topic,
        sealTo: opts.sealTo ?? [],
        publisher: opened.member,
        // what a member can publish (the hub's default payload cap, 1 MiB),
        // less the record's framing: a bigger delivery gets 413 at once
        // instead of 202 and a silent drop when the publish is refused
        maxBodyBytes: CLI_MAX_PAYLOAD_BYTES - RECORD_OVERHEAD,
        ...(tls != null ? { tls } : {}),
        log: (entry) => {
          // GitHub's event name would clash with the JSON line's own `event`
        const { event: githubEvent, ...rest } = entry
        output.event({ event: 'webhook-relay', ...(githubEvent != null ? { githubEvent } : {}), ...rest })
          if (!output.json) output.note(formatRelayLog(entry))
        }
      })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen on ${opts.listen ?? ''} (${code}): choose another --listen host:port`)
      if ((err as Error).name === 'InvalidParametersError') throw new UsageError((err as Error).message)
      throw err
    }
    try {
      output.event({ event: 'relay-listening', url: server.url, healthUrl: server.healthUrl, topic, sealTo: opts.sealTo ?? [], peerId: opened.peerId })
      output.result(`relay listening on ${server.url} (health: ${server.healthUrl}); forwarding to ${topic}.<event> sealed to ${(opts.sealTo ?? []).join(', ')}; press Ctrl-C to stop`)
      await aborted(ctx.signal)
      output.event({ event: 'stopped', signal: (interruptedBy(ctx.signal) ?? 'SIGINT') as 'SIGINT', shutdownMs: 0 })
      return ExitCode.OK
    } finally {
      await server.close()
    }
  } finally {
    start.clear()
    await opened.close()
  }
}
