/**
 * The relay and the builder take small interfaces rather than a Member, so
 * they do not depend on messaging's internals. This file stops compiling if
 * a messaging Member no longer fits them, or if its options lose the sealing
 * fields the relay and the builder pass (an unknown option would be dropped
 * silently, and the relay would publish in the clear).
 */
import assert from 'node:assert/strict'
import type { Member, PublishOptions, SubscribeOptions } from '../../../src/messaging/index.js'
import type { WebhookPublisher, WebhookSubscriber } from '../../../src/webhook/index.js'

type Has<T, K extends string> = K extends keyof T ? true : never

describe('webhook interfaces', () => {
  it('a messaging Member is a WebhookPublisher and a WebhookSubscriber, with sealTo and sealedFrom (checked by the compiler)', () => {
    const fit = (m: Member): [WebhookPublisher, WebhookSubscriber] => [m, m]
    const sealTo: Has<PublishOptions, 'sealTo'> = true
    const sealedFrom: Has<SubscribeOptions, 'sealedFrom'> = true
    const sinceId: Has<SubscribeOptions, 'sinceId'> = true
    assert.deepEqual([fit.length, sealTo, sealedFrom, sinceId], [1, true, true, true])
  })
})
