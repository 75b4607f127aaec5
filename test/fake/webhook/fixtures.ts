/**
 * Real GitHub payloads (@octokit/webhooks-examples), signed as GitHub signs
 * them (`sign` from @octokit/webhooks-methods), and fake publishers and
 * subscribers standing in for a messaging Member.
 */
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { request } from 'node:http'
import { sign } from '@octokit/webhooks-methods'
import type { WebhookPublisher } from '../../../src/webhook/relay.js'
import type { WebhookMessage, WebhookSubscriber } from '../../../src/webhook/builder.js'

const require = createRequire(import.meta.url)
const definitions = require('@octokit/webhooks-examples') as Array<{ name: string, examples: Array<Record<string, unknown>> }>

/** The examples of one event. */
export function examples (name: string): Array<Record<string, unknown>> {
  const def = definitions.find(d => d.name === name)
  if (def == null) throw new Error(`no examples for ${name}`)
  return def.examples
}

/** push to refs/heads/master, with the `after` commit. */
export function pushToMaster (): Record<string, unknown> {
  const p = examples('push').find(e => e.ref === 'refs/heads/master')
  if (p == null) throw new Error('no push to master in the examples')
  return p
}

/**
 * A real push to master, moved to `ref` and `after` (GitHub sends compact
 * JSON). Each push gets a new random `after` unless given one, so two pushes
 * have different bodies, as GitHub's do.
 */
export function pushTo (ref: string, after = randomBytes(20).toString('hex')): string {
  return JSON.stringify({ ...pushToMaster(), ref, after })
}

export const SECRET = 'It\'s a Secret to Everybody'

export async function signed (body: string, secret = SECRET): Promise<string> {
  return await sign(secret, body)
}

export interface Reply { status: number, headers: Record<string, string | string[] | undefined>, body: string }

/** One HTTP request with node:http; resolves with the answer, or rejects if the connection breaks first. */
export async function post (url: string, opts: { method?: string, headers?: Record<string, string>, body?: string | Uint8Array, chunks?: Array<string | Uint8Array> }): Promise<Reply> {
  return await new Promise<Reply>((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'POST', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    if (opts.chunks != null) {
      for (const c of opts.chunks) req.write(c)
      // send the headers now, and leave the request open: the server must answer without the end
      req.flushHeaders()
      return
    }
    req.end(opts.body)
  })
}

/** Headers GitHub sends with a delivery. */
export async function githubHeaders (event: string, delivery: string, body: string, secret = SECRET): Promise<Record<string, string>> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': 'GitHub-Hookshot/test',
    'X-GitHub-Event': event,
    'X-GitHub-Delivery': delivery,
    'X-Hub-Signature-256': await signed(body, secret)
  }
}

/** A deferred promise. */
export function defer<T = void> (): { promise: Promise<T>, resolve: (v: T) => void } {
  let resolve!: (v: T) => void
  const promise = new Promise<T>(r => { resolve = r })
  return { promise, resolve }
}

export interface Published { topic: string, data: Uint8Array, sealTo?: string[], acknowledge?: boolean }

/**
 * A publisher whose publishes the test scripts: each call takes the next
 * behaviour from `script` (throw an error, or wait for a gate), and succeeds
 * once the script is empty.
 */
export class FakePublisher implements WebhookPublisher {
  connected = true
  readonly published: Published[] = []
  readonly attempts: string[] = []
  readonly script: Array<Error | Promise<void>> = []
  private waiters: Array<{ n: number, resolve: () => void }> = []

  async publish (topic: string, data: Uint8Array, opts: { sealTo?: string[], acknowledge?: boolean, signal?: AbortSignal }): Promise<{ id: string }> {
    this.attempts.push(topic)
    const next = this.script.shift()
    if (next instanceof Error) throw next
    if (next != null) await next
    opts.signal?.throwIfAborted()
    this.published.push({ topic, data, sealTo: opts.sealTo, acknowledge: opts.acknowledge })
    this.waiters = this.waiters.filter(w => {
      if (this.published.length >= w.n) { w.resolve(); return false }
      return true
    })
    return { id: String(this.published.length).padStart(32, '0') }
  }

  /** Resolves once `n` publishes have succeeded. */
  async until (n: number): Promise<void> {
    if (this.published.length >= n) return
    await new Promise<void>(resolve => { this.waiters.push({ n, resolve }) })
  }
}

/** An error shaped like messaging's, matched by name as the relay does. */
export function namedError (name: string, message: string): Error {
  const e = new Error(message)
  e.name = name
  return e
}

/** A subscriber the test feeds: `deliver` hands a message to the builder's handler. */
export class FakeSubscriber implements WebhookSubscriber {
  readonly calls: Array<{ topic: string, sealedFrom?: string[], sinceId?: string }> = []
  handler?: (msg: WebhookMessage) => void
  unsubscribed = 0
  /** Messages to replay during subscribe (as the hub's history would). */
  history: WebhookMessage[] = []

  async subscribe (topic: string, handler: (msg: WebhookMessage) => void, opts: { sealedFrom?: string[], sinceId?: string }): Promise<{ replayed: number, unsubscribe: () => Promise<void> }> {
    this.calls.push({ topic, sealedFrom: opts.sealedFrom, sinceId: opts.sinceId })
    this.handler = handler
    const start = opts.sinceId == null ? this.history.length : this.history.findIndex(m => m.id === opts.sinceId) + 1
    const replay = this.history.slice(start)
    for (const m of replay) handler({ ...m, replayed: true })
    return {
      replayed: replay.length,
      unsubscribe: async () => { this.unsubscribed++; this.handler = undefined }
    }
  }

  deliver (msg: WebhookMessage): void {
    this.history.push(msg)
    this.handler?.(msg)
  }
}
