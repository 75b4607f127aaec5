/**
 * The relay's HTTP handler on a real node:http server on 127.0.0.1, with
 * real GitHub payloads signed as GitHub signs them, and a fake publisher.
 */
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { request as httpsRequest } from 'node:https'
import { startRelayServer } from '../../../src/webhook/server.js'
import { decodeRecord } from '../../../src/webhook/record.js'
import { FakePublisher, SECRET, defer, examples, githubHeaders, namedError, post, pushTo } from './fixtures.js'
import { TEST_CERT, TEST_KEY } from './tls.js'
import type { RelayServer, RelayServerOptions } from '../../../src/webhook/server.js'
import type { RelayLogEntry } from '../../../src/webhook/relay.js'

const BUILDER = '12D3KooWBuilderPeerIdForTests'
const NOW = 1_700_000_000_000

describe('webhook relay (node:http on 127.0.0.1, fake publisher)', () => {
  let server: RelayServer | undefined
  let publisher: FakePublisher
  let logs: RelayLogEntry[]

  async function start (extra: Partial<RelayServerOptions> = {}): Promise<RelayServer> {
    server = await startRelayServer({ listen: '127.0.0.1:0', secret: SECRET, sealTo: [BUILDER], publisher, log: (e) => logs.push(e), now: () => NOW, minRetryMs: 1, maxRetryMs: 2, ...extra })
    return server
  }

  async function deliver (url: string, event: string, delivery: string, body: string, secret = SECRET): Promise<{ status: number, body: string, headers: Record<string, unknown> }> {
    return await post(url, { headers: await githubHeaders(event, delivery, body, secret), body })
  }

  beforeEach(() => {
    publisher = new FakePublisher()
    logs = []
  })

  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('accepts a signed push with 202 and forwards the raw body, the signature and the ids as a sealed, acknowledged record', async () => {
    const s = await start()
    const body = pushTo('refs/heads/main')
    const headers = await githubHeaders('push', 'd-1', body)
    const res = await post(s.url, { headers, body })
    assert.equal(res.status, 202)
    assert.deepEqual(JSON.parse(res.body), { accepted: true, delivery: 'd-1', queued: 1 })
    await publisher.until(1)
    assert.equal(publisher.published.length, 1)
    const p = publisher.published[0]
    assert.equal(p.topic, 'webhook.github.push')
    assert.deepEqual(p.sealTo, [BUILDER])
    assert.equal(p.acknowledge, true)
    const rec = decodeRecord(p.data, 1024 * 1024)
    assert.equal(rec.version, 1)
    assert.equal(rec.event, 'push')
    assert.equal(rec.delivery, 'd-1')
    assert.equal(Buffer.from(rec.body).toString('utf8'), body)
    assert.equal(rec.signature, headers['X-Hub-Signature-256'])
    assert.equal(rec.receivedAt, BigInt(NOW))
    assert.deepEqual(logs.map(l => l.kind), ['accepted', 'forwarded'])
  })

  it('forwards ping and pull_request to <topic>.<event>, with a custom topic and path', async () => {
    const s = await start({ topic: 'hooks.gh', path: '/in' })
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:[0-9]+\/in$/)
    const ping = JSON.stringify(examples('ping')[0])
    const pr = JSON.stringify(examples('pull_request')[0])
    assert.equal((await deliver(s.url, 'ping', 'p-1', ping)).status, 202)
    assert.equal((await deliver(s.url, 'pull_request', 'p-2', pr)).status, 202)
    await publisher.until(2)
    assert.deepEqual(publisher.published.map(p => p.topic), ['hooks.gh.ping', 'hooks.gh.pull_request'])
    assert.equal(Buffer.from(decodeRecord(publisher.published[1].data, 1 << 20).body).toString(), pr)
  })

  it('answers 401 to a missing or a wrong signature and forwards nothing', async () => {
    const s = await start()
    const body = pushTo('refs/heads/main')
    const missing = await githubHeaders('push', 'd-1', body)
    delete missing['X-Hub-Signature-256']
    assert.equal((await post(s.url, { headers: missing, body })).status, 401)
    assert.equal((await deliver(s.url, 'push', 'd-2', body, 'another secret')).status, 401)
    const tampered = await githubHeaders('push', 'd-3', body)
    assert.equal((await post(s.url, { headers: tampered, body: body.replace('refs/heads/main', 'refs/heads/evil') })).status, 401)
    const garbage = { ...tampered, 'X-Hub-Signature-256': 'sha1=abc' }
    assert.equal((await post(s.url, { headers: garbage, body })).status, 401)
    assert.equal(s.relay.healthz().rejected.signature, 4)
    assert.equal(s.relay.healthz().accepted, 0)
    assert.equal(publisher.attempts.length, 0)
  })

  it('answers 401 to a body that is not UTF-8 even when its HMAC over the raw bytes is right', async () => {
    const s = await start()
    const raw = Buffer.concat([Buffer.from('{"ref":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])
    const headers = await githubHeaders('push', 'd-1', 'x')
    headers['X-Hub-Signature-256'] = 'sha256=' + createHmac('sha256', SECRET).update(raw).digest('hex')
    assert.equal((await post(s.url, { headers, body: raw })).status, 401)
    assert.equal(publisher.attempts.length, 0)
  })

  it('answers 405 with Allow: POST to other methods, and 404 to other paths', async () => {
    const s = await start()
    const get = await post(s.url, { method: 'GET' })
    assert.equal(get.status, 405)
    assert.equal(get.headers.allow, 'POST')
    const put = await post(s.url, { method: 'PUT', body: '{}' })
    assert.equal(put.status, 405)
    const body = pushTo('refs/heads/main')
    const other = await post(s.url.replace('/webhook/github', '/webhook/gitlab'), { headers: await githubHeaders('push', 'd-1', body), body })
    assert.equal(other.status, 404)
    const withQuery = await post(s.url + '?x=1', { headers: await githubHeaders('push', 'd-2', body), body })
    assert.equal(withQuery.status, 202)
    assert.deepEqual(s.relay.healthz().rejected, { notFound: 1, method: 2, tooLarge: 0, signature: 0, badRequest: 0, contentType: 0, timeout: 0, queueFull: 0, busy: 0 })
  })

  it('answers 400 without X-GitHub-Event or X-GitHub-Delivery, or with an event name that is not one URI component', async () => {
    const s = await start()
    const body = pushTo('refs/heads/main')
    for (const [drop, value] of [['X-GitHub-Event', undefined], ['X-GitHub-Delivery', undefined], ['X-GitHub-Event', 'push.evil'], ['X-GitHub-Delivery', 'a b']] as const) {
      const headers = await githubHeaders('push', 'd-1', body)
      if (value == null) delete headers[drop]
      else headers[drop] = value
      const res = await post(s.url, { headers, body })
      assert.equal(res.status, 400, `${drop}=${String(value)}`)
      assert.match(JSON.parse(res.body).error, drop === 'X-GitHub-Event' ? /X-GitHub-Event/ : /X-GitHub-Delivery/)
    }
    assert.equal(publisher.attempts.length, 0)
  })

  it('answers 415 to a form-encoded delivery, naming the setting to change', async () => {
    const s = await start()
    const body = 'payload=' + encodeURIComponent(pushTo('refs/heads/main'))
    const headers = { ...await githubHeaders('push', 'd-1', body), 'Content-Type': 'application/x-www-form-urlencoded' }
    const res = await post(s.url, { headers, body })
    assert.equal(res.status, 415)
    assert.match(JSON.parse(res.body).error, /application\/json/)
  })

  it('answers 413 to a declared Content-Length over the cap without reading the body', async () => {
    const s = await start({ maxBodyBytes: 1000 })
    const headers = { ...await githubHeaders('push', 'd-1', 'x'), 'Content-Length': '1001' }
    // only the headers are sent: the answer must come without the body
    const res = await post(s.url, { headers, chunks: [] })
    assert.equal(res.status, 413)
    assert.equal(s.relay.healthz().rejected.tooLarge, 1)
  })

  it('answers 413 once a chunked body passes the cap, before it ends', async () => {
    const s = await start({ maxBodyBytes: 1000 })
    const headers = await githubHeaders('push', 'd-1', 'x')
    const res = await post(s.url, { headers, chunks: ['a'.repeat(600), 'b'.repeat(600)] })
    assert.equal(res.status, 413)
    assert.equal(publisher.attempts.length, 0)
  })

  it('answers 408 when the body does not arrive within bodyTimeoutMs', async () => {
    const s = await start({ bodyTimeoutMs: 50 })
    const res = await post(s.url, { headers: await githubHeaders('push', 'd-1', 'x'), chunks: ['{"ref":'] })
    assert.equal(res.status, 408)
    assert.equal(s.relay.healthz().rejected.timeout, 1)
    assert.equal(s.relay.healthz().receiving, 0)
  })

  it('takes a body of exactly the cap', async () => {
    const body = pushTo('refs/heads/main')
    const s = await start({ maxBodyBytes: Buffer.byteLength(body) })
    assert.equal((await deliver(s.url, 'push', 'd-1', body)).status, 202)
  })

  it('answers 200 to a delivery id it already accepted and forwards it once', async () => {
    const s = await start()
    const body = pushTo('refs/heads/main')
    assert.equal((await deliver(s.url, 'push', 'same', body)).status, 202)
    const again = await deliver(s.url, 'push', 'same', body)
    assert.equal(again.status, 200)
    assert.deepEqual(JSON.parse(again.body), { duplicate: true, delivery: 'same' })
    await publisher.until(1)
    assert.equal((await deliver(s.url, 'push', 'other', body)).status, 202)
    await publisher.until(2)
    assert.deepEqual(publisher.published.map(p => decodeRecord(p.data, 1 << 20).delivery), ['same', 'other'])
    assert.equal(s.relay.healthz().duplicates, 1)
  })

  it('a badly signed copy of a delivery id does not mark it seen', async () => {
    const s = await start()
    const body = pushTo('refs/heads/main')
    assert.equal((await deliver(s.url, 'push', 'id-1', body, 'wrong')).status, 401)
    assert.equal((await deliver(s.url, 'push', 'id-1', body)).status, 202)
  })

  it('answers 503 with Retry-After when the queue is full (count), and takes the same delivery once there is room', async () => {
    const gate = defer()
    publisher.script.push(gate.promise)
    const s = await start({ queueCap: 2, retryAfterSeconds: 7 })
    const body = pushTo('refs/heads/main')
    assert.equal((await deliver(s.url, 'push', 'q-1', body)).status, 202)
    assert.equal((await deliver(s.url, 'push', 'q-2', body)).status, 202)
    const full = await deliver(s.url, 'push', 'q-3', body)
    assert.equal(full.status, 503)
    assert.equal(full.headers['retry-after'], '7')
    assert.equal(s.relay.healthz().queued, 2)
    assert.equal(s.relay.healthz().queuedBytes, 2 * Buffer.byteLength(body))
    gate.resolve()
    await publisher.until(2)
    assert.equal((await deliver(s.url, 'push', 'q-3', body)).status, 202)
    await publisher.until(3)
    assert.deepEqual(publisher.published.map(p => decodeRecord(p.data, 1 << 20).delivery), ['q-1', 'q-2', 'q-3'])
    assert.equal(s.relay.healthz().rejected.queueFull, 1)
  })

  it('answers 503 when the queued bytes would pass their cap', async () => {
    const gate = defer()
    publisher.script.push(gate.promise)
    const body = pushTo('refs/heads/main')
    const s = await start({ queueCapBytes: Buffer.byteLength(body) + 10 })
    assert.equal((await deliver(s.url, 'push', 'b-1', body)).status, 202)
    assert.equal((await deliver(s.url, 'push', 'b-2', body)).status, 503)
    gate.resolve()
    await publisher.until(1)
  })

  it('retries with capped backoff while the hub is unreachable, keeps events queued, then delivers in order', async () => {
    publisher.script.push(
      namedError('HubUnavailableError', 'not connected to the hub'),
      namedError('HubUnavailableError', 'not connected to the hub'),
      namedError('TimeoutError', 'publish timed out')
    )
    publisher.connected = false
    const s = await start()
    const body = pushTo('refs/heads/main')
    for (const id of ['r-1', 'r-2', 'r-3']) assert.equal((await deliver(s.url, 'push', id, body)).status, 202)
    await publisher.until(3)
    assert.deepEqual(publisher.published.map(p => decodeRecord(p.data, 1 << 20).delivery), ['r-1', 'r-2', 'r-3'])
    const retries = logs.filter(l => l.kind === 'retrying')
    assert.deepEqual(retries.map(l => [l.delivery, l.attempts, l.retryInMs]), [['r-1', 1, 1], ['r-1', 2, 2], ['r-1', 3, 2]])
    assert.equal(retries[0].reason, 'HubUnavailableError: not connected to the hub')
    const h = s.relay.healthz()
    assert.equal(h.forwarded, 3)
    assert.equal(h.queued, 0)
    assert.equal(h.hubConnected, false)
    assert.equal(h.lastError, 'TimeoutError: publish timed out')
  })

  it('drops an event the hub refuses for good (NotAuthorizedError) and forwards the next', async () => {
    publisher.script.push(namedError('NotAuthorizedError', 'not authorized to publish on webhook.github.push'))
    const s = await start()
    const body = pushTo('refs/heads/main')
    assert.equal((await deliver(s.url, 'push', 'n-1', body)).status, 202)
    assert.equal((await deliver(s.url, 'push', 'n-2', body)).status, 202)
    await publisher.until(1)
    assert.deepEqual(publisher.published.map(p => decodeRecord(p.data, 1 << 20).delivery), ['n-2'])
    const dropped = logs.find(l => l.kind === 'dropped')
    assert.equal(dropped?.delivery, 'n-1')
    assert.equal(s.relay.healthz().failed, 1)
  })

  it('GET /healthz reports the queue, the hub, the counts and the last error', async () => {
    const gate = defer()
    publisher.script.push(namedError('HubUnavailableError', 'hub down'), gate.promise)
    publisher.connected = false
    const s = await start({ minRetryMs: 1, maxRetryMs: 1 })
    const body = pushTo('refs/heads/main')
    await deliver(s.url, 'push', 'h-1', body)
    await deliver(s.url, 'push', 'h-1', body)
    await post(s.url, { method: 'GET' })
    await deliver(s.url, 'push', 'h-2', body, 'bad')
    // wait until the second attempt (the gate) is in flight
    while (publisher.attempts.length < 2) await new Promise(resolve => setImmediate(resolve))
    const res = await post(s.healthUrl, { method: 'GET' })
    assert.equal(res.status, 200)
    assert.deepEqual(JSON.parse(res.body), {
      queued: 1,
      queuedBytes: Buffer.byteLength(body),
      receiving: 0,
      hubConnected: false,
      accepted: 1,
      forwarded: 0,
      failed: 0,
      duplicates: 1,
      rejected: { notFound: 0, method: 1, tooLarge: 0, signature: 1, badRequest: 0, contentType: 0, timeout: 0, queueFull: 0, busy: 0 },
      lastError: 'HubUnavailableError: hub down'
    })
    assert.equal((await post(s.healthUrl, { method: 'POST', body: '{}' })).status, 405)
    gate.resolve()
    await publisher.until(1)
    assert.equal(s.relay.healthz().forwarded, 1)
  })

  it('never puts the body or the secret in a log line', async () => {
    publisher.script.push(namedError('HubUnavailableError', 'down'))
    const s = await start()
    const body = pushTo('refs/heads/main')
    await deliver(s.url, 'push', 'l-1', body)
    await deliver(s.url, 'push', 'l-2', body, 'bad')
    await deliver(s.url, 'push', 'l-1', body)
    await publisher.until(1)
    const text = JSON.stringify(logs)
    assert.equal(logs.length >= 4, true)
    assert.equal(text.includes(SECRET), false)
    assert.equal(text.includes('Codertocat/Hello-World'), false) // the repository in the payload
    assert.equal(body.includes('Codertocat/Hello-World'), true)
  })

  it('answers 503 while maxConcurrentRequests bodies are being read', async () => {
    const s = await start({ maxConcurrentRequests: 1 })
    const body = pushTo('refs/heads/main')
    const slow = post(s.url, { headers: await githubHeaders('push', 'slow', body), chunks: ['{'] })
    slow.catch(() => {}) // the server closes it on close()
    while (s.relay.healthz().receiving < 1) await new Promise(resolve => setImmediate(resolve))
    const busy = await deliver(s.url, 'push', 'next', body)
    assert.equal(busy.status, 503)
    assert.equal(busy.headers['retry-after'], '30')
    assert.equal(s.relay.healthz().rejected.busy, 1)
  })

  it('with path null, takes deliveries on any path (a handler mounted on a route), and still answers the health path', async () => {
    const s = await start({ path: null })
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:[0-9]+\/$/)
    const body = pushTo('refs/heads/main')
    assert.equal((await post(s.url + 'anything/here', { headers: await githubHeaders('push', 'm-1', body), body })).status, 202)
    assert.equal((await post(s.healthUrl, { method: 'GET' })).status, 200)
    await publisher.until(1)
  })

  it('answers 503 after close and forwards nothing more', async () => {
    const s = await start()
    await s.relay.close()
    const body = pushTo('refs/heads/main')
    assert.equal((await deliver(s.url, 'push', 'c-1', body)).status, 503)
    assert.equal(publisher.attempts.length, 0)
  })

  it('serves HTTPS when given a certificate and key', async () => {
    const s = await start({ tls: { cert: TEST_CERT, key: TEST_KEY } })
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:[0-9]+\/webhook\/github$/)
    const body = pushTo('refs/heads/main')
    const headers = await githubHeaders('push', 'tls-1', body)
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(s.url, { method: 'POST', headers, ca: TEST_CERT }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
      req.on('error', reject)
      req.end(body)
    })
    assert.equal(status, 202)
    await publisher.until(1)
  })

  it('refuses a listen address that is not host:port, and options without a secret or sealTo', async () => {
    await assert.rejects(startRelayServer({ listen: 'nope', secret: SECRET, sealTo: [BUILDER], publisher }), { name: 'InvalidParametersError' })
    await assert.rejects(startRelayServer({ listen: '127.0.0.1:0', secret: '', sealTo: [BUILDER], publisher }), { name: 'TypeError' })
    await assert.rejects(startRelayServer({ listen: '127.0.0.1:0', secret: SECRET, sealTo: [], publisher }), { name: 'TypeError' })
  })
})
