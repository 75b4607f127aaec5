import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ReplyParser, type ControlReply } from '../../../src/control/parser.js'
import { ControlProtocolError, ReplyTooLargeError } from '../../../src/control/errors.js'
import * as cap from './captured.js'

const enc = new TextEncoder()
const bytes = (s: string): Uint8Array => enc.encode(s)

function parseAll (wire: string, opts?: { maxReplyBytes?: number }): ControlReply[] {
  return new ReplyParser(opts).push(bytes(wire))
}

describe('control ReplyParser', () => {
  describe('captured replies', () => {
    it('parses PROTOCOLINFO into one reply of four lines', () => {
      const replies = parseAll(cap.PROTOCOLINFO_COOKIE)
      assert.deepEqual(replies, [{
        status: 250,
        lines: [
          { status: 250, sep: '-', text: 'PROTOCOLINFO 1' },
          { status: 250, sep: '-', text: 'AUTH METHODS=COOKIE,SAFECOOKIE COOKIEFILE="/tmp/torcap/data/control_auth_cookie"' },
          { status: 250, sep: '-', text: 'VERSION Tor="0.4.9.11"' },
          { status: 250, sep: ' ', text: 'OK' }
        ]
      }])
    })

    it('unescapes a data block and joins its lines with \\n', () => {
      const [reply] = parseAll(cap.GETINFO_ONIONS_DATA_BLOCK)
      assert.equal(reply.lines.length, 2)
      assert.deepEqual(reply.lines[0], {
        status: 250,
        sep: '+',
        text: 'onions/current=',
        data: 'e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd\nskpygjxsnslcxmys2il6ind7oyvkehfmwiyg67btgv5xzjocqvwj5uad'
      })
      assert.deepEqual(reply.lines[1], { status: 250, sep: ' ', text: 'OK' })
    })

    it('keeps an empty-value mid line and a multi-line config-text block', () => {
      const [single] = parseAll(cap.GETINFO_SINGLE_LINES)
      assert.equal(single.lines[2].text, 'onions/current=')
      assert.equal(single.lines[2].data, undefined)
      const [config] = parseAll(cap.GETINFO_CONFIG_TEXT)
      assert.equal(config.lines[0].data?.split('\n').length, 7)
      assert.equal(config.lines[0].data?.split('\n')[6], 'SocksPort 0')
    })

    it('parses several replies from one chunk, in order', () => {
      const replies = parseAll(cap.OK + cap.ADD_ONION_NEW + cap.ADD_ONION_COLLISION + cap.UNRECOGNIZED_COMMAND)
      assert.deepEqual(replies.map(r => r.status), [250, 250, 550, 510])
      assert.equal(replies[3].lines[0].text, 'Unrecognized command "BOGUS"')
    })
  })

  describe('data blocks', () => {
    it('removes one leading dot from dot-stuffed lines', () => {
      const [reply] = parseAll('250+x=\r\n..leading\r\n...\r\n..\r\nplain.\r\n.\r\n250 OK\r\n')
      assert.equal(reply.lines[0].data, '.leading\n..\n.\nplain.')
    })

    it('gives an empty string for an empty data block', () => {
      const [reply] = parseAll('250+x=\r\n.\r\n250 OK\r\n')
      assert.equal(reply.lines[0].data, '')
    })

    it('treats status-like lines inside a data block as data', () => {
      const [reply] = parseAll('250+x=\r\n250 OK\r\n650 HS_DESC x\r\n.\r\n250 OK\r\n')
      assert.equal(reply.lines[0].data, '250 OK\n650 HS_DESC x')
      assert.equal(reply.lines.length, 2)
    })

    it('parses an asynchronous data block (HS_DESC_CONTENT) as one 650 reply', () => {
      const [event] = parseAll(cap.HS_DESC_CONTENT)
      assert.equal(event.status, 650)
      assert.equal(event.lines[0].sep, '+')
      assert.equal(event.lines[0].data, 'hs-descriptor 3\n.a line that starts with a dot')
      assert.deepEqual(event.lines[1], { status: 650, sep: ' ', text: 'OK' })
    })

    it('waits for the rest of a truncated data block, then completes it', () => {
      const p = new ReplyParser()
      assert.deepEqual(p.push(bytes('250+onions/current=\r\nabc\r\n')), [])
      assert.equal(p.idle, false)
      assert.throws(() => { p.end() }, ControlProtocolError)
      const replies = p.push(bytes('.\r\n250 OK\r\n'))
      assert.equal(replies[0].lines[0].data, 'abc')
      assert.equal(p.idle, true)
    })
  })

  describe('asynchronous events', () => {
    it('yields a 650 that arrives between reply lines as its own reply, first', () => {
      const wire = '250-version=0.4.9.11\r\n' + cap.STATUS_CLIENT_NOTICE + '250 OK\r\n'
      const replies = parseAll(wire)
      assert.deepEqual(replies.map(r => r.status), [650, 250])
      assert.equal(replies[0].lines.length, 1)
      assert.deepEqual(replies[1].lines.map(l => l.text), ['version=0.4.9.11', 'OK'])
    })

    it('keeps a multi-line 650 and a reply apart when their lines interleave', () => {
      const replies = parseAll('650-CIRC 1000 EXTENDED\r\n250-a=1\r\n650 ANONYMITY=high\r\n250 OK\r\n')
      assert.deepEqual(replies, [
        { status: 650, lines: [{ status: 650, sep: '-', text: 'CIRC 1000 EXTENDED' }, { status: 650, sep: ' ', text: 'ANONYMITY=high' }] },
        { status: 250, lines: [{ status: 250, sep: '-', text: 'a=1' }, { status: 250, sep: ' ', text: 'OK' }] }
      ])
    })
  })

  describe('chunk boundaries', () => {
    const stream = [
      cap.PROTOCOLINFO_ALL, cap.STATUS_CLIENT_WARN, cap.GETINFO_ONIONS_DATA_BLOCK, cap.HS_DESC_UPLOADED,
      cap.ADD_ONION_NEW, cap.HS_DESC_CONTENT, '250+x=\r\nünïcödé ✓ 𝄞\r\n..dot\r\n.\r\n250 OK\r\n', cap.ADD_ONION_COLLISION
    ].join('')
    const whole = bytes(stream)
    const expected = parseAll(stream)

    it('has the expected shape when pushed whole', () => {
      assert.deepEqual(expected.map(r => r.status), [250, 650, 250, 650, 250, 650, 250, 550])
      assert.equal(expected[6].lines[0].data, 'ünïcödé ✓ 𝄞\n.dot')
    })

    it('gives the same replies one byte at a time', () => {
      const p = new ReplyParser()
      const got: ControlReply[] = []
      for (let i = 0; i < whole.length; i++) got.push(...p.push(whole.subarray(i, i + 1)))
      assert.deepEqual(got, expected)
      assert.equal(p.idle, true)
    })

    it('gives the same replies however the stream is split (fast-check)', () => {
      fc.assert(fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: whole.length - 1 }), { maxLength: 40 }),
        (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), whole.length]
          const p = new ReplyParser()
          const got: ControlReply[] = []
          for (let i = 0; i + 1 < points.length; i++) got.push(...p.push(whole.slice(points[i], points[i + 1])))
          assert.deepEqual(got, expected)
        }
      ), { numRuns: 300 })
    })

    it('accepts bare LF line endings with the same result as CRLF', () => {
      const lf = stream.replaceAll('\r\n', '\n')
      assert.deepEqual(parseAll(lf), expected)
    })
  })

  describe('incomplete input', () => {
    it('holds a reply with no final line and says so at end()', () => {
      const p = new ReplyParser()
      assert.deepEqual(p.push(bytes('250-version=0.4.9.11\r\n')), [])
      assert.equal(p.idle, false)
      assert.throws(() => { p.end() }, (err: Error) => err instanceof ControlProtocolError && /middle of a reply/.test(err.message))
    })

    it('holds an unterminated line', () => {
      const p = new ReplyParser()
      assert.deepEqual(p.push(bytes('250 O')), [])
      assert.equal(p.idle, false)
      assert.deepEqual(p.push(bytes('K\r\n')), [{ status: 250, lines: [{ status: 250, sep: ' ', text: 'OK' }] }])
      assert.doesNotThrow(() => { p.end() })
    })
  })

  describe('malformed lines', () => {
    const bad = ['25 OK', '2500 OK', 'abc OK', '250', '250*OK', '', ' 250 OK', 'OK', '-250 OK', '２５０ OK']
    for (const line of bad) {
      it(`rejects ${JSON.stringify(line)} with ControlProtocolError`, () => {
        assert.throws(() => parseAll(`${line}\r\n`), ControlProtocolError)
      })
    }

    it('stays failed after an error', () => {
      const p = new ReplyParser()
      assert.throws(() => p.push(bytes('garbage\r\n')), ControlProtocolError)
      assert.throws(() => p.push(bytes('250 OK\r\n')), ControlProtocolError)
    })
  })

  describe('size cap', () => {
    it('accepts a reply of exactly maxReplyBytes and rejects one byte more', () => {
      const reply = '250-a=12345\r\n250 OK\r\n'
      assert.equal(parseAll(reply, { maxReplyBytes: reply.length }).length, 1)
      assert.throws(() => parseAll(reply, { maxReplyBytes: reply.length - 1 }), ReplyTooLargeError)
    })

    it('rejects an unterminated line longer than the cap', () => {
      const p = new ReplyParser({ maxReplyBytes: 64 })
      assert.deepEqual(p.push(bytes('250-' + 'x'.repeat(50))), [])
      assert.throws(() => p.push(bytes('x'.repeat(20))), (err: Error) => err instanceof ReplyTooLargeError && err.maxReplyBytes === 64)
      assert.throws(() => p.push(bytes('\r\n')), ReplyTooLargeError)
    })

    it('rejects a reply of many short lines past the cap', () => {
      const p = new ReplyParser({ maxReplyBytes: 1000 })
      assert.throws(() => {
        for (let i = 0; i < 200; i++) p.push(bytes(`250-k${i}=v\r\n`))
      }, ReplyTooLargeError)
    })

    it('counts a partial line against the reply it continues', () => {
      const p = new ReplyParser({ maxReplyBytes: 100 })
      p.push(bytes(`250-${'a'.repeat(60)}\r\n`))
      assert.throws(() => p.push(bytes(`250-${'b'.repeat(40)}`)), ReplyTooLargeError)
    })

    it('rejects an endless data block', () => {
      const p = new ReplyParser({ maxReplyBytes: 4096 })
      assert.throws(() => {
        p.push(bytes('250+config-text=\r\n'))
        for (let i = 0; i < 1000; i++) p.push(bytes('SomeOption 1\r\n'))
      }, ReplyTooLargeError)
    })

    it('defaults to 1 MiB', () => {
      const p = new ReplyParser()
      assert.deepEqual(p.push(bytes(`250-${'x'.repeat(1024 * 1024 - 100)}`)), [])
      assert.throws(() => p.push(bytes('x'.repeat(200))), ReplyTooLargeError)
    })

    it('refuses a cap that is not a positive integer', () => {
      assert.throws(() => new ReplyParser({ maxReplyBytes: 0 }), RangeError)
      assert.throws(() => new ReplyParser({ maxReplyBytes: 1.5 }), RangeError)
    })
  })
})
