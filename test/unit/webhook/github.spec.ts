/**
 * GitHub's header checks, the signature check over raw bytes (strict UTF-8),
 * and which ref an event is about, on real payloads from
 * @octokit/webhooks-examples.
 */
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { sign } from '@octokit/webhooks-methods'
import { afterOf, isDeliveryId, isEventName, refOf, verifySignature } from '../../../src/webhook/github.js'
import { formatBuilderLog } from '../../../src/webhook/builder.js'
import { formatRelayLog } from '../../../src/webhook/relay.js'
import { stateFileName } from '../../../src/webhook/state.js'

const require = createRequire(import.meta.url)
const definitions = require('@octokit/webhooks-examples') as Array<{ name: string, examples: Array<Record<string, unknown>> }>
const example = (name: string, i = 0): Record<string, unknown> => definitions.find(d => d.name === name)?.examples[i] ?? {}
const SECRET = 'It\'s a Secret to Everybody'
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('webhook GitHub checks', () => {
  it('takes GitHub event names as one URI component and nothing else', () => {
    for (const ok of ['push', 'pull_request', 'check_run', 'ping', 'x'.repeat(64)]) assert.equal(isEventName(ok), true, ok)
    for (const bad of ['', 'a.b', 'push ', 'pu#sh', 'x'.repeat(65), 'é', undefined, 7]) assert.equal(isEventName(bad), false, String(bad))
  })

  it('takes GUID delivery ids and refuses anything unsafe to print or store', () => {
    for (const ok of ['72d3162e-cc78-11e3-81ab-4c9367dc0958', 'd-1', 'x'.repeat(128)]) assert.equal(isDeliveryId(ok), true, ok)
    for (const bad of ['', 'a b', 'a/b', 'x'.repeat(129), 'a\nb', undefined]) assert.equal(isDeliveryId(bad), false, String(bad))
  })

  it('verifies a real payload signed as GitHub signs it, and refuses a changed body, another secret and malformed headers', async () => {
    const body = JSON.stringify(example('push'))
    const sig = await sign(SECRET, body)
    assert.equal(await verifySignature(SECRET, utf8(body), sig), true)
    assert.equal(await verifySignature(SECRET, utf8(body + ' '), sig), false)
    assert.equal(await verifySignature('other', utf8(body), sig), false)
    assert.equal(await verifySignature(SECRET, utf8(body), undefined), false)
    assert.equal(await verifySignature(SECRET, utf8(body), sig.toUpperCase()), false)
    assert.equal(await verifySignature(SECRET, utf8(body), sig.replace('sha256=', 'sha1=')), false)
    assert.equal(await verifySignature(SECRET, new Uint8Array(0), sig), false)
  })

  it('verifies non-ASCII UTF-8 bodies byte for byte', async () => {
    const body = JSON.stringify({ ...example('ping'), zen: 'Ünïcödé ☃ 𝄞' })
    assert.equal(await verifySignature(SECRET, utf8(body), await sign(SECRET, body)), true)
  })

  it('treats invalid UTF-8 as unsigned: two byte strings decoding to the same text cannot share a signature', async () => {
    const text = '{"zen":"\uFFFD"}'
    const sig = await sign(SECRET, text)
    assert.equal(await verifySignature(SECRET, utf8(text), sig), true)
    const invalid = new Uint8Array([...utf8('{"zen":"'), 0xff, ...utf8('"}')])
    assert.equal(new TextDecoder().decode(invalid), text)
    assert.equal(await verifySignature(SECRET, invalid, sig), false)
  })

  it('refuses an empty secret with a TypeError', async () => {
    await assert.rejects(verifySignature('', utf8('{}'), 'sha256=' + '0'.repeat(64)), { name: 'TypeError' })
  })

  it('finds the ref of push (branch and tag), create/delete and pull_request; none for ping', () => {
    const master = definitions.find(d => d.name === 'push')?.examples.find(e => e.ref === 'refs/heads/master')
    assert.equal(refOf('push', master), 'refs/heads/master')
    assert.equal(refOf('push', example('push')), 'refs/tags/simple-tag')
    assert.equal(refOf('create', { ref: 'main', ref_type: 'branch' }), 'refs/heads/main')
    assert.equal(refOf('delete', { ref: 'v1', ref_type: 'tag' }), 'refs/tags/v1')
    assert.equal(refOf('create', { ref: 'v1', ref_type: 'repository' }), undefined)
    assert.equal(refOf('pull_request', example('pull_request')), `refs/heads/${(example('pull_request').pull_request as { base: { ref: string } }).base.ref}`)
    assert.equal(refOf('ping', example('ping')), undefined)
    assert.equal(refOf('push', null), undefined)
    assert.equal(refOf('push', { ref: 7 }), undefined)
  })

  it('finds push\'s after commit only when it is a hex commit id', () => {
    assert.equal(afterOf('push', { after: '6113728f27ae82c7b1a177c8d03f9e96e0adf246' }), '6113728f27ae82c7b1a177c8d03f9e96e0adf246')
    assert.equal(afterOf('push', { after: '$(rm -rf /)' }), undefined)
    assert.equal(afterOf('ping', { after: '6113728f27ae82c7b1a177c8d03f9e96e0adf246' }), undefined)
  })

  it('formats one log line per entry', () => {
    assert.equal(formatBuilderLog({ kind: 'ignored', event: 'push', delivery: 'd-1', ref: 'refs/heads/dev', reason: 'ref refs/heads/dev, not refs/heads/main' }), 'ignored push d-1 refs/heads/dev: ref refs/heads/dev, not refs/heads/main')
    assert.equal(formatBuilderLog({ kind: 'build-finished', event: 'push', delivery: 'd-2', deliveries: ['d-1', 'd-2'], exitCode: 0, signal: null, timedOut: false, durationMs: 12 }), 'build-finished push d-2 deliveries d-1,d-2 exit 0 12 ms')
    assert.equal(formatBuilderLog({ kind: 'build-finished', exitCode: null, signal: 'SIGKILL', timedOut: true }), 'build-finished timed out')
    assert.equal(formatBuilderLog({ kind: 'accepted', event: 'push', delivery: 'd', after: 'a'.repeat(40), replayed: true }), `accepted push d after ${'a'.repeat(12)} (from history)`)
    assert.equal(formatRelayLog({ kind: 'rejected', status: 401, reason: 'bad signature' }), 'rejected 401: bad signature')
    assert.equal(formatRelayLog({ kind: 'retrying', event: 'push', delivery: 'd', attempts: 2, retryInMs: 1000, queued: 3 }), 'retrying push d attempt 2, next in 1000 ms queued 3')
  })

  it('names the state file after topic and event, in file-name-safe characters', () => {
    assert.equal(stateFileName('webhook.github', 'push'), 'webhook-builder-webhook.github.push.json')
    assert.equal(stateFileName('a/b:c', 'push'), 'webhook-builder-a_b_c.push.json')
  })
})
