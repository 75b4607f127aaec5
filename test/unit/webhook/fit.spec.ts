/**
 * The relay and the builder take small interfaces rather than a Member, so
 * they do not depend on messaging's internals. This file stops compiling if
 * a messaging Member no longer fits them.
 */
import assert from 'node:assert/strict'
import type { Member } from '../../../src/messaging/index.js'
import type { WebhookPublisher, WebhookSubscriber } from '../../../src/webhook/index.js'

describe('webhook interfaces', () => {
  it('a messaging Member is a WebhookPublisher and a WebhookSubscriber (checked by the compiler)', () => {
    const fit = (m: Member): [WebhookPublisher, WebhookSubscriber] => [m, m]
    assert.equal(fit.length, 1)
  })
})
