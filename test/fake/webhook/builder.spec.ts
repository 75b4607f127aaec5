/**
 * The builder with a fake subscriber (the test hands it messages, and plays
 * the hub's history on subscribe), real records signed as GitHub signs, a
 * real command (node running a small script) and a real data directory.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runBuilder } from '../../../src/webhook/builder.js'
import { decodeRecord, encodeRecord } from '../../../src/webhook/record.js'
import { stateFileName } from '../../../src/webhook/state.js'
import { FakeSubscriber, SECRET, examples, pushTo, signed } from './fixtures.js'
import type { Builder, BuilderLogEntry, BuilderOptions, WebhookMessage } from '../../../src/webhook/builder.js'

const RELAY = '12D3KooWRelayPeerIdForTests'
const INTRUDER = '12D3KooWMemberWithPublishRightsButNoSecret'
const AFTER = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'

// The build command: records what it was given (env and the body's ref from
// stdin), then, with HOLD set, waits until the test writes `release`.
const SCRIPT = `
import { appendFileSync, existsSync } from 'node:fs'
const dir = process.argv[2]
let stdin = ''
process.stdin.setEncoding('utf8')
process.stdin.on('data', (c) => { stdin += c })
process.stdin.on('end', async () => {
  const body = JSON.parse(stdin)
  appendFileSync(dir + '/runs.log', JSON.stringify({ event: process.env.GITHUB_EVENT, delivery: process.env.GITHUB_DELIVERY, ref: process.env.GITHUB_REF, after: process.env.GITHUB_AFTER, bodyRef: body.ref }) + '\\n')
  // gives up when the test's directory is gone, so a failed test leaves no process behind
  if (process.env.HOLD === '1') { while (!existsSync(dir + '/release')) { if (!existsSync(dir)) process.exit(9); await new Promise((resolve) => setTimeout(resolve, 10)) } }
  process.exit(Number(process.env.EXIT ?? '0'))
})
`

interface Run { event: string, delivery: string, ref: string, after: string, bodyRef: string }

async function message (delivery: string, body: string, opts: { event?: string, secret?: string, from?: string, id?: string } = {}): Promise<WebhookMessage> {
  const data = encodeRecord({ version: 1, event: opts.event ?? 'push', delivery, body: new TextEncoder().encode(body), signature: await signed(body, opts.secret ?? SECRET), receivedAt: 1n })
  return { topic: 'webhook.github.push', from: opts.from ?? RELAY, id: opts.id ?? randomBytes(16).toString('hex'), data, replayed: false }
}

describe('webhook builder (fake subscriber, real command, real data directory)', function () {
  this.timeout(20_000)
  let dir: string
  let subscriber: FakeSubscriber
  let logs: BuilderLogEntry[]
  let waiters: Array<{ pred: (e: BuilderLogEntry[]) => boolean, resolve: () => void }>
  let builders: Builder[]

  function onLog (e: BuilderLogEntry): void {
    logs.push(e)
    waiters = waiters.filter(w => { if (w.pred(logs)) { w.resolve(); return false } return true })
  }

  /** Resolves once `n` log entries of `kind` have been written. */
  async function until (kind: BuilderLogEntry['kind'], n = 1): Promise<BuilderLogEntry[]> {
    const pred = (l: BuilderLogEntry[]): boolean => l.filter(e => e.kind === kind).length >= n
    if (!pred(logs)) await new Promise<void>(resolve => { waiters.push({ pred, resolve }) })
    return logs.filter(e => e.kind === kind)
  }

  async function start (extra: Partial<BuilderOptions> = {}): Promise<Builder> {
    const b = await runBuilder({ subscriber, from: RELAY, secret: SECRET, command: [process.execPath, join(dir, 'build.mjs'), dir], dataDir: join(dir, 'data'), output: 'ignore', log: onLog, ...extra })
    builders.push(b)
    return b
  }

  async function runs (): Promise<Run[]> {
    const text = await readFile(join(dir, 'runs.log'), 'utf8').catch(() => '')
    return text.split('\n').filter(l => l !== '').map(l => JSON.parse(l))
  }

  async function state (): Promise<{ lastId?: string, built: string[] }> {
    return JSON.parse(await readFile(join(dir, 'data', stateFileName('webhook.github', 'push')), 'utf8'))
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2p-tor-builder-'))
    await writeFile(join(dir, 'build.mjs'), SCRIPT)
    subscriber = new FakeSubscriber()
    logs = []
    waiters = []
    builders = []
  })

  afterEach(async () => {
    for (const b of builders) await b.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('accepts a signed push to main and runs the command with the body on stdin and the GITHUB_* environment', async () => {
    await start()
    assert.deepEqual(subscriber.calls, [{ topic: 'webhook.github.push', sealedFrom: [RELAY], sinceId: undefined }])
    const m = await message('d-1', pushTo('refs/heads/main', AFTER))
    subscriber.deliver(m)
    const [finished] = await until('build-finished')
    assert.deepEqual(await runs(), [{ event: 'push', delivery: 'd-1', ref: 'refs/heads/main', after: AFTER, bodyRef: 'refs/heads/main' }])
    assert.equal(finished.exitCode, 0)
    assert.equal(finished.timedOut, false)
    assert.deepEqual(finished.deliveries, ['d-1'])
    assert.deepEqual(logs.map(l => l.kind), ['accepted', 'build-started', 'build-finished'])
    assert.equal(logs[0].ref, 'refs/heads/main')
    assert.equal(logs[0].after, AFTER)
    await builders[0].stop()
    assert.deepEqual(await state(), { version: 1, lastId: m.id, built: ['d-1'], signatures: [decodeRecord(m.data, 1 << 20).signature] })
  })

  it('ignores a push to another branch and a tag, logging the ref, and still builds main afterwards', async () => {
    await start()
    subscriber.deliver(await message('d-dev', pushTo('refs/heads/dev')))
    subscriber.deliver(await message('d-tag', JSON.stringify(examples('push')[0])))
    const ignored = await until('ignored', 2)
    assert.deepEqual(ignored.map(l => [l.delivery, l.reason]), [['d-dev', 'ref refs/heads/dev, not refs/heads/main'], ['d-tag', 'ref refs/tags/simple-tag, not refs/heads/main']])
    subscriber.deliver(await message('d-main', pushTo('refs/heads/main')))
    await until('build-finished')
    assert.deepEqual((await runs()).map(r => r.delivery), ['d-main'])
  })

  it('builds the real master push when configured for refs/heads/master', async () => {
    await start({ ref: 'refs/heads/master' })
    subscriber.deliver(await message('d-m', JSON.stringify(examples('push').find(e => e.ref === 'refs/heads/master'))))
    await until('build-finished')
    assert.deepEqual(await runs(), [{ event: 'push', delivery: 'd-m', ref: 'refs/heads/master', after: '6113728f27ae82c7b1a177c8d03f9e96e0adf246', bodyRef: 'refs/heads/master' }])
  })

  it('rejects a record whose signature does not verify with its secret (a member with publish rights but no secret), and never builds it', async () => {
    await start()
    subscriber.deliver(await message('forged', pushTo('refs/heads/main'), { secret: 'a guess' }))
    const body = pushTo('refs/heads/main')
    const swapped = await message('swapped', body)
    // a valid signature moved onto another body
    const other = await message('swapped', pushTo('refs/heads/main', 'b'.repeat(40)))
    subscriber.deliver({ ...other, data: encodeRecord({ version: 1, event: 'push', delivery: 'swapped', body: new TextEncoder().encode(pushTo('refs/heads/main', 'b'.repeat(40))), signature: decodeRecord(swapped.data, 1 << 20).signature, receivedAt: 1n }) })
    subscriber.deliver(await message('wrong-sender', body, { from: INTRUDER }))
    subscriber.deliver({ ...(await message('junk', body)), data: new Uint8Array([1, 2, 3]) })
    subscriber.deliver(await message('ping-on-push', JSON.stringify(examples('ping')[0]), { event: 'ping' }))
    const rejected = await until('rejected', 5)
    assert.deepEqual(rejected.map(l => l.delivery ?? null), ['forged', 'swapped', null, null, 'ping-on-push'])
    assert.match(rejected[0].reason ?? '', /signature does not verify/)
    assert.match(rejected[1].reason ?? '', /signature does not verify/)
    assert.equal(rejected[2].reason, `sent by ${INTRUDER}, not by the relay`)
    assert.equal(rejected[3].reason, 'message data is not a webhook record')
    assert.equal(rejected[4].reason, 'a ping event on the push topic')
    assert.deepEqual(await runs(), [])
    assert.equal(logs.some(l => l.kind === 'build-started'), false)
  })

  it('collapses 3 events that arrive during a build into one follow-up build with the newest', async () => {
    await start({ env: { HOLD: '1' } })
    subscriber.deliver(await message('c-1', pushTo('refs/heads/main')))
    await until('build-started')
    for (const d of ['c-2', 'c-3', 'c-4']) subscriber.deliver(await message(d, pushTo('refs/heads/main')))
    const collapsed = await until('collapsed', 3)
    assert.deepEqual(collapsed.map(l => l.delivery), ['c-2', 'c-3', 'c-4'])
    assert.match(collapsed[2].reason ?? '', /a build is running; 3 event\(s\) wait for one build/)
    await writeFile(join(dir, 'release'), '')
    const finished = await until('build-finished', 2)
    assert.deepEqual(finished.map(l => l.deliveries), [['c-1'], ['c-2', 'c-3', 'c-4']])
    assert.deepEqual((await runs()).map(r => r.delivery), ['c-1', 'c-4'])
    assert.equal(logs.filter(l => l.kind === 'build-started').length, 2)
    await builders[0].stop()
    assert.deepEqual((await state()).built, ['c-1', 'c-2', 'c-3', 'c-4'])
  })

  it('after a restart, catches up from sinceId with one build for what it missed, and skips deliveries it already built', async () => {
    const b1 = await start()
    const m1 = await message('r-1', pushTo('refs/heads/main'))
    subscriber.deliver(m1)
    await until('build-finished')
    await b1.stop()
    // while it is down: three pushes, and GitHub redelivers r-1 under a new message id
    for (const d of ['r-2', 'r-3', 'r-4', 'r-1']) subscriber.deliver(await message(d, pushTo('refs/heads/main')))
    logs = []
    const b2 = await start()
    assert.equal(subscriber.calls[1].sinceId, m1.id)
    assert.equal(b2.replayed, 4)
    const [finished] = await until('build-finished')
    assert.deepEqual(finished.deliveries, ['r-2', 'r-3', 'r-4'])
    assert.deepEqual(logs.filter(l => l.kind === 'ignored').map(l => [l.delivery, l.reason, l.replayed]), [['r-1', 'already built', true]])
    assert.deepEqual((await runs()).map(r => r.delivery), ['r-1', 'r-4'])
    await b2.stop()
    const s = await state()
    assert.equal(s.lastId, subscriber.history[4].id)
    assert.deepEqual(s.built, ['r-1', 'r-2', 'r-3', 'r-4'])
    // a third start replays nothing and builds nothing again
    logs = []
    const b3 = await start()
    assert.equal(b3.replayed, 0)
    subscriber.deliver(await message('r-3', pushTo('refs/heads/main')))
    const [ignored] = await until('ignored')
    assert.equal(ignored.reason, 'already built')
    assert.deepEqual((await runs()).map(r => r.delivery), ['r-1', 'r-4'])
  })

  it('collapses replayed messages that a Member hands over after subscribe() resolved (it opens sealed ones asynchronously)', async () => {
    const b1 = await start()
    const m1 = await message('s-1', pushTo('refs/heads/main'))
    subscriber.deliver(m1)
    await until('build-finished')
    await b1.stop()
    for (const d of ['s-2', 's-3', 's-4']) subscriber.deliver(await message(d, pushTo('refs/heads/main')))
    logs = []
    // as Member does with sealed payloads: subscribe resolves with the count, the messages follow
    const late: WebhookMessage[] = []
    const asyncSubscriber = {
      subscribe: async (topic: string, handler: (msg: WebhookMessage) => void, opts: { sealedFrom?: string[], sinceId?: string }) => {
        const res = await subscriber.subscribe(topic, (m) => { late.push(m) }, opts)
        setImmediate(() => { for (const m of late) handler(m) })
        return res
      }
    }
    const b2 = await start({ subscriber: asyncSubscriber })
    assert.equal(b2.replayed, 3)
    const [finished] = await until('build-finished')
    assert.deepEqual(finished.deliveries, ['s-2', 's-3', 's-4'])
    assert.deepEqual(logs.filter(l => l.kind === 'collapsed').map(l => l.delivery), ['s-2', 's-3', 's-4'])
    assert.deepEqual((await runs()).map(r => r.delivery), ['s-1', 's-4'])
  })

  it('does not mark a build stopped midway as built: the next start builds it', async () => {
    const b1 = await start({ env: { HOLD: '1' } })
    subscriber.deliver(await message('s-1', pushTo('refs/heads/main')))
    await until('build-started')
    await b1.stop()
    assert.equal((await readFile(join(dir, 'data', stateFileName('webhook.github', 'push')), 'utf8').catch(() => 'absent')), 'absent')
    await writeFile(join(dir, 'release'), '')
    logs = []
    await start()
    assert.equal(subscriber.calls[1].sinceId, undefined)
    // the fake hub replays nothing without sinceId; the redelivery builds
    subscriber.deliver(await message('s-1', pushTo('refs/heads/main')))
    const [finished] = await until('build-finished')
    assert.deepEqual(finished.deliveries, ['s-1'])
  })

  it('ignores a body it built before when it comes back under a new delivery id (a replay by a relay or hub)', async () => {
    await start()
    const body = pushTo('refs/heads/main')
    subscriber.deliver(await message('orig', body))
    await until('build-finished')
    subscriber.deliver(await message('forged-id', body))
    const [ignored] = await until('ignored')
    assert.equal(ignored.delivery, 'forged-id')
    assert.equal(ignored.reason, 'this body was already built under another delivery id: a replay')
    // and while it waits in a batch, too
    await builders[0].stop()
    logs = []
    await start({ env: { HOLD: '1' } })
    subscriber.deliver(await message('busy', pushTo('refs/heads/main')))
    await until('build-started')
    const next = pushTo('refs/heads/main')
    subscriber.deliver(await message('n-1', next))
    subscriber.deliver(await message('n-1', next))
    subscriber.deliver(await message('n-2', next))
    assert.deepEqual((await until('ignored', 2)).map(l => [l.delivery, l.reason]), [
      ['n-1', 'already waiting to build'],
      ['n-2', 'this body is already waiting to build under another delivery id: a replay']
    ])
    await writeFile(join(dir, 'release'), '')
    const finished = await until('build-finished', 2)
    assert.deepEqual(finished[1].deliveries, ['n-1'])
  })

  it('keeps lastId before a collapsed event even when later events are ignored, so a restart replays it', async () => {
    const b1 = await start({ env: { HOLD: '1' } })
    const first = await message('k-1', pushTo('refs/heads/main'))
    subscriber.deliver(first)
    await until('build-started')
    await writeFile(join(dir, 'release'), '')
    await until('build-finished')
    await rm(join(dir, 'release'))
    subscriber.deliver(await message('k-2', pushTo('refs/heads/main')))
    await until('build-started', 2)
    subscriber.deliver(await message('k-3', pushTo('refs/heads/main')))
    subscriber.deliver(await message('k-dev', pushTo('refs/heads/dev')))
    await until('collapsed')
    await until('ignored')
    await b1.stop()
    assert.equal((await state()).lastId, first.id)
    assert.deepEqual((await state()).built, ['k-1'])
    await writeFile(join(dir, 'release'), '')
    logs = []
    await start()
    assert.equal(subscriber.calls[1].sinceId, first.id)
    const [finished] = await until('build-finished')
    assert.deepEqual(finished.deliveries, ['k-2', 'k-3'])
    assert.equal(logs.filter(l => l.kind === 'ignored').length, 1)
  })

  it('kills a build past its timeout: SIGTERM, then SIGKILL when it ignores SIGTERM', async () => {
    // sh starts in milliseconds and ignores TERM from its first line; the
    // ignored disposition carries over to `sleep`, so only SIGKILL ends them
    await start({ command: ['/bin/sh', '-c', "trap '' TERM; cat > /dev/null; while :; do sleep 1; done"], buildTimeoutMs: 500, killGraceMs: 200 })
    subscriber.deliver(await message('t-1', pushTo('refs/heads/main')))
    const [finished] = await until('build-finished')
    assert.equal(finished.timedOut, true)
    assert.equal(finished.signal, 'SIGKILL')
    assert.equal(finished.exitCode, null)
    assert.match(finished.reason ?? '', /ran past 500 ms and was killed/)
  })

  it('ends a build past its timeout with SIGTERM when the command honours it', async () => {
    await start({ command: [process.execPath, '-e', 'process.stdin.resume(); setInterval(() => {}, 1000)'], buildTimeoutMs: 200, killGraceMs: 10_000 })
    subscriber.deliver(await message('t-2', pushTo('refs/heads/main')))
    const [finished] = await until('build-finished')
    assert.equal(finished.timedOut, true)
    assert.equal(finished.signal, 'SIGTERM')
  })

  it('logs a failing exit status, counts the delivery as built, and reports a command that cannot start', async () => {
    await start({ env: { EXIT: '3' } })
    subscriber.deliver(await message('e-1', pushTo('refs/heads/main')))
    const [finished] = await until('build-finished')
    assert.equal(finished.exitCode, 3)
    subscriber.deliver(await message('e-1', pushTo('refs/heads/main')))
    assert.equal((await until('ignored'))[0].reason, 'already built')
    await builders[0].stop()
    logs = []
    await start({ command: [join(dir, 'no-such-command')] })
    subscriber.deliver(await message('e-2', pushTo('refs/heads/main')))
    const [failed] = await until('build-finished')
    assert.equal(failed.exitCode, null)
    assert.match(failed.reason ?? '', /could not start: .*ENOENT/)
  })

  it('refuses a damaged state file with WebhookStateError', async () => {
    await mkdir(join(dir, 'data'))
    await writeFile(join(dir, 'data', stateFileName('webhook.github', 'push')), '{"version": 9')
    await assert.rejects(start(), { name: 'WebhookStateError' })
  })
})
