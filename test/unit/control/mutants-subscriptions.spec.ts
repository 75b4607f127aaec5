/**
 * Subscriptions on its own, with a recording `sendSetEvents` instead of a
 * control connection: the order of SETEVENTS updates sent while others are
 * in flight, the base set's restore on refusal, which handlers get parsed
 * events and which the raw reply, and what a closed connection skips.
 */
import assert from 'node:assert/strict'
import { InvalidControlArgumentError } from '../../../src/control/errors.js'
import { Subscriptions, TYPED_EVENTS } from '../../../src/control/subscriptions.js'
import type { ControlReply } from '../../../src/control/parser.js'

interface Recorder {
  sent: string[][]
  send: (events: string[]) => Promise<void>
  /** Settles the oldest unsettled send: resolve, or reject with err. */
  settle: (err?: Error) => void
  closed: boolean
}

/** sendSetEvents that records each call and waits to be settled by the test (or settles at once with auto). */
function recorder (auto: boolean): Recorder {
  const waiting: Array<{ resolve: () => void, reject: (e: Error) => void }> = []
  const r: Recorder = {
    sent: [],
    closed: false,
    send: async (events) => {
      r.sent.push([...events])
      if (auto) return
      await new Promise<void>((resolve, reject) => { waiting.push({ resolve, reject }) })
    },
    settle: (err) => {
      const next = waiting.shift()
      assert.ok(next != null, 'no SETEVENTS is waiting')
      if (err != null) next.reject(err)
      else next.resolve()
    }
  }
  return r
}

const tick = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }
const reply = (text: string): ControlReply => ({ status: 650, lines: [{ status: 650, sep: ' ', text }] })
const run = (fn: () => void): void => { fn() }

describe('control Subscriptions (unit)', () => {
  it('knows exactly HS_DESC and STATUS_CLIENT as typed events', () => {
    assert.deepEqual([...TYPED_EVENTS].sort(), ['HS_DESC', 'STATUS_CLIENT'])
  })

  it('reports no events before the first SETEVENTS, then what tor last accepted', async () => {
    const r = recorder(true)
    const subs = new Subscriptions(r.send, () => r.closed)
    assert.deepEqual(subs.events, [])
    await subs.subscribe('CIRC')
    assert.deepEqual(subs.events, ['CIRC'])
  })

  it('setBase always sends, even an unchanged set, and puts the base set first', async () => {
    const r = recorder(true)
    const subs = new Subscriptions(r.send, () => r.closed)
    await subs.subscribe('HS_DESC')
    await subs.setBase(['CIRC', 'CIRC'])
    await subs.setBase(['CIRC'])
    assert.deepEqual(r.sent, [['HS_DESC'], ['CIRC', 'HS_DESC'], ['CIRC', 'HS_DESC']])
    assert.deepEqual(subs.events, ['CIRC', 'HS_DESC'])
  })

  it('restores the base set when tor refuses it, and keeps what tor had', async () => {
    let refuse = false
    const sent: string[][] = []
    const subs = new Subscriptions(async (events) => {
      sent.push(events)
      if (refuse) throw new Error('552 Unrecognized event')
    }, () => false)
    await subs.setBase(['CIRC'])
    refuse = true
    await assert.rejects(subs.setBase(['NOPE']), /552/)
    assert.deepEqual(subs.events, ['CIRC'])
    refuse = false
    await subs.subscribe('HS_DESC')
    assert.deepEqual(sent, [['CIRC'], ['NOPE'], ['CIRC', 'HS_DESC']])
  })

  it('sends nothing when the wanted set equals tor\'s, and the union in base-then-subscription order otherwise', async () => {
    const r = recorder(true)
    const subs = new Subscriptions(r.send, () => r.closed)
    await subs.setBase(['HS_DESC', 'CIRC'])
    await subs.subscribe('CIRC') // already in the base: nothing to send
    assert.deepEqual(r.sent, [['HS_DESC', 'CIRC']])
    await subs.setBase([])
    // the union is now in subscription order, CIRC only
    assert.deepEqual(r.sent, [['HS_DESC', 'CIRC'], ['CIRC']])
    await subs.setBase(['HS_DESC'])
    const off = await subs.subscribe('STREAM')
    await off()
    assert.deepEqual(r.sent.slice(2), [['HS_DESC', 'CIRC'], ['HS_DESC', 'CIRC', 'STREAM'], ['HS_DESC', 'CIRC']])
  })

  it('a set of the same length with other names is sent', async () => {
    const r = recorder(true)
    const subs = new Subscriptions(r.send, () => r.closed)
    const a = await subs.subscribe('CIRC')
    await subs.setBase(['STREAM'])
    await a()
    await subs.subscribe('ORCONN')
    assert.deepEqual(r.sent, [['CIRC'], ['STREAM', 'CIRC'], ['STREAM'], ['STREAM', 'ORCONN']])
  })

  it('writes the first update at once and queues the ones after it, in call order', async () => {
    const r = recorder(false)
    const subs = new Subscriptions(r.send, () => r.closed)
    const first = subs.subscribe('CIRC')
    // written synchronously: a command sent right after stays behind it on the wire
    assert.deepEqual(r.sent, [['CIRC']])
    const second = subs.subscribe('STREAM')
    await tick()
    assert.deepEqual(r.sent, [['CIRC']], 'the second waits for the first')
    r.settle()
    await first
    await tick()
    assert.deepEqual(r.sent, [['CIRC'], ['CIRC', 'STREAM']])
    r.settle()
    await second
    // nothing in flight any more: the next update is written at once again
    void subs.subscribe('ORCONN')
    assert.deepEqual(r.sent.length, 3)
    r.settle()
  })

  it('a refused update does not stop the ones queued behind it', async () => {
    const r = recorder(false)
    const subs = new Subscriptions(r.send, () => r.closed)
    const first = subs.subscribe('NOPE')
    const second = subs.subscribe('CIRC')
    r.settle(new Error('552 Unrecognized event'))
    await assert.rejects(first, /552/)
    await tick()
    assert.deepEqual(r.sent, [['NOPE'], ['CIRC']], 'the second is sent without the refused name')
    r.settle()
    await second
    assert.deepEqual(subs.events, ['CIRC'])
  })

  it('an update queued behind another compares every name with what tor has, not just the first', async () => {
    const r = recorder(false)
    const subs = new Subscriptions(r.send, () => r.closed)
    const a = subs.subscribe('A')
    r.settle()
    await a
    const b = subs.subscribe('B')
    r.settle()
    const offB = await b
    // D is in flight while B leaves and C comes: both updates queue behind it
    const d = subs.subscribe('D')
    const leaving = offB()
    const c = subs.subscribe('C')
    r.settle()
    await d
    await tick()
    // tor has A B D; the first queued update wants A D C: same length and first name, still different
    assert.deepEqual(r.sent, [['A'], ['A', 'B'], ['A', 'B', 'D'], ['A', 'D', 'C']])
    r.settle()
    await Promise.all([leaving, c])
    assert.deepEqual(subs.events, ['A', 'D', 'C'])
    assert.equal(r.sent.length, 4, 'the second queued update finds nothing to change')
  })

  it('refuses a non-string or malformed event name before sending', async () => {
    const r = recorder(true)
    const subs = new Subscriptions(r.send, () => r.closed)
    // ['CIRC'] would pass the pattern once turned into text: only strings are names
    for (const bad of [42, ['CIRC'], { toString: () => 'CIRC' }, 'X-Y', '_HS', '1CIRC', 'CIRC ', ' CIRC']) {
      await assert.rejects(subs.subscribe(bad as string), (err: Error) => err instanceof InvalidControlArgumentError && err.argument === 'event name' &&
        /upper-case letters, digits and "_"/.test(err.message), String(bad))
    }
    await subs.subscribe('C')
    await subs.subscribe('CIRC_MINOR2')
    assert.deepEqual(r.sent, [['C'], ['C', 'CIRC_MINOR2']])
  })

  it('gives typed handlers the parsed event and others the raw reply; a typed event that failed to parse reaches nobody', async () => {
    const subs = new Subscriptions(async () => {}, () => false)
    const got: Array<[string, unknown]> = []
    await subs.subscribe('HS_DESC', e => got.push(['HS_DESC', e]))
    await subs.subscribe('STATUS_CLIENT', e => got.push(['STATUS_CLIENT', e]))
    await subs.subscribe('CIRC', e => got.push(['CIRC', e]))
    await subs.subscribe('STREAM') // no handler: nothing to call
    const hs = reply('HS_DESC UPLOADED x')
    const parsed = { action: 'UPLOADED' }
    subs.dispatch('HS_DESC', hs, parsed, run)
    subs.dispatch('STATUS_CLIENT', reply('STATUS_CLIENT NOTICE X'), undefined, run)
    subs.dispatch('STATUS_CLIENT', reply('STATUS_CLIENT NOTICE Y'), null, run)
    const circ = reply('CIRC 1 BUILT')
    subs.dispatch('CIRC', circ, undefined, run)
    subs.dispatch('STREAM', reply('STREAM 1 NEW'), undefined, run)
    subs.dispatch('ORCONN', reply('ORCONN x'), undefined, run)
    assert.deepEqual(got, [['HS_DESC', parsed], ['CIRC', circ]])
  })

  it('runs every handler through guard, and a handler that unsubscribes another does not stop it this time', async () => {
    const subs = new Subscriptions(async () => {}, () => false)
    const calls: string[] = []
    let offB: (() => Promise<void>) | undefined
    await subs.subscribe('CIRC', () => { calls.push('a'); void offB?.() })
    offB = await subs.subscribe('CIRC', () => { calls.push('b') })
    let guarded = 0
    subs.dispatch('CIRC', reply('CIRC 1 BUILT'), undefined, fn => { guarded++; fn() })
    assert.deepEqual(calls, ['a', 'b'])
    assert.equal(guarded, 2)
    await tick()
    subs.dispatch('CIRC', reply('CIRC 2 BUILT'), undefined, run)
    assert.deepEqual(calls, ['a', 'b', 'a'])
  })

  it('unsubscribing on a closed connection forgets the event without sending; twice is harmless', async () => {
    const r = recorder(true)
    const subs = new Subscriptions(r.send, () => r.closed)
    const calls: string[] = []
    const off = await subs.subscribe('CIRC', () => calls.push('x'))
    r.closed = true
    await off()
    await off()
    assert.deepEqual(r.sent, [['CIRC']])
    subs.dispatch('CIRC', reply('CIRC 1 BUILT'), undefined, run)
    assert.deepEqual(calls, [])
  })

  it('a subscription whose SETEVENTS was refused is removed, and another user of the same event keeps it', async () => {
    let refuse = false
    const subs = new Subscriptions(async () => { if (refuse) throw new Error('refused') }, () => false)
    const calls: string[] = []
    await subs.subscribe('CIRC', () => calls.push('kept'))
    refuse = true
    // the union does not change, so nothing is sent and nothing can fail
    await subs.subscribe('CIRC', () => calls.push('second'))
    await assert.rejects(subs.subscribe('STREAM', () => calls.push('stream')), /refused/)
    subs.dispatch('CIRC', reply('CIRC 1 BUILT'), undefined, run)
    subs.dispatch('STREAM', reply('STREAM 1 NEW'), undefined, run)
    assert.deepEqual(calls, ['kept', 'second'])
  })
})
