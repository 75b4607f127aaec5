/**
 * ReplyParser details the captured replies do not reach: how much of a bad
 * line an error quotes, which reply an unterminated line is charged to, and
 * what end() reports after an unfinished event or a failure.
 */
import assert from 'node:assert/strict'
import { ReplyParser } from '../../../src/control/parser.js'
import { ControlProtocolError, ReplyTooLargeError } from '../../../src/control/errors.js'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

function failure (fn: () => unknown): Error {
  try {
    fn()
  } catch (err) {
    return err as Error
  }
  assert.fail('expected an error')
}

describe('control ReplyParser: edge cases', () => {
  it('quotes at most 40 characters of a malformed line', () => {
    const long = 'X'.repeat(39) + 'YZ' + 'W'.repeat(100)
    const err = failure(() => new ReplyParser().push(bytes(`${long}\r\n`)))
    assert.ok(err instanceof ControlProtocolError)
    assert.ok(err.message.includes(JSON.stringify(long.slice(0, 40) + '…')), err.message)
    assert.ok(!err.message.includes('YZ'), err.message)
    assert.match(err.message, /does not start with a 3-digit status code and "-", "\+" or " "/)
  })

  it('quotes a malformed line of exactly 40 characters whole, without an ellipsis', () => {
    const line = 'Q'.repeat(40)
    const err = failure(() => new ReplyParser().push(bytes(`${line}\r\n`)))
    assert.ok(err.message.includes(JSON.stringify(line)), err.message)
    assert.ok(!err.message.includes('…'), err.message)
  })

  it('accepts a cap of 1 byte and names the option when refusing a cap', () => {
    assert.doesNotThrow(() => new ReplyParser({ maxReplyBytes: 1 }))
    assert.throws(() => new ReplyParser({ maxReplyBytes: -5 }), /maxReplyBytes must be a positive integer/)
  })

  it('is not idle while a multi-line event is unfinished, and end() says so', () => {
    const p = new ReplyParser()
    assert.deepEqual(p.push(bytes('650-HS_DESC_CONTENT x\r\n')), [])
    assert.equal(p.idle, false)
    assert.throws(() => { p.end() }, (err: Error) => err instanceof ControlProtocolError && /middle of a reply/.test(err.message))
  })

  it('end() inside a data block says so', () => {
    const p = new ReplyParser()
    p.push(bytes('250+config-text=\r\nSocksPort 0\r\n'))
    assert.throws(() => { p.end() }, (err: Error) => err instanceof ControlProtocolError && /inside a data block/.test(err.message))
  })

  it('end() after a failure rethrows that failure', () => {
    const p = new ReplyParser({ maxReplyBytes: 32 })
    p.push(bytes('250-a=1\r\n'))
    const first = failure(() => p.push(bytes('x'.repeat(40))))
    assert.ok(first instanceof ReplyTooLargeError)
    assert.equal(failure(() => { p.end() }), first)
  })

  it('charges an unterminated data line to the event whose data block is open', () => {
    const p = new ReplyParser({ maxReplyBytes: 100 })
    p.push(bytes('650+HS_DESC_CONTENT x\r\n')) // 23 bytes of the event
    assert.throws(() => p.push(bytes('a'.repeat(90))), ReplyTooLargeError)
  })

  it('charges an unterminated event line to the event, not to the reply under way', () => {
    const p = new ReplyParser({ maxReplyBytes: 100 })
    p.push(bytes(`250-${'a'.repeat(60)}\r\n`)) // 66 bytes of the reply
    assert.deepEqual(p.push(bytes(`650 HS_DESC ${'b'.repeat(40)}`)), []) // 52 bytes of an event: fits on its own
    const [event] = p.push(bytes('\r\n'))
    assert.equal(event.status, 650)
  })

  it('holds an unterminated line of exactly the cap', () => {
    const p = new ReplyParser({ maxReplyBytes: 16 })
    assert.deepEqual(p.push(bytes('250 ' + 'x'.repeat(12))), [])
    assert.equal(p.idle, false)
  })

  it('counts every data line with its line end against the cap', () => {
    const wire = '250+k=\r\nab\r\ncd\r\n.\r\n250 OK\r\n'
    assert.equal(new ReplyParser({ maxReplyBytes: wire.length }).push(bytes(wire)).length, 1)
    assert.throws(() => new ReplyParser({ maxReplyBytes: wire.length - 1 }).push(bytes(wire)), ReplyTooLargeError)
  })
})
