import assert from 'node:assert/strict'
import { AbortError, TimeoutError } from '@libp2p/interface'
import {
  HubUnavailableError,
  InvalidUriError,
  NoSuchProcedureError,
  NotAuthorizedError,
  ProcedureAlreadyRegisteredError,
  RpcError
} from '../../../src/messaging/errors.js'
import { errorOf, failureOf, MAX_FAILURE_MESSAGE, oneLine } from '../../../src/messaging/failure.js'
import { Failure } from '../../../src/messaging/wire-pb.js'

/** Through the wire codec too, so optional fields survive encoding as they will in a session. */
function roundTrip (err: unknown): Error {
  return errorOf(Failure.decode(Failure.encode(failureOf(err))))
}

const HOLDER = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'

describe('messaging failure <-> typed errors', () => {
  describe('oneLine', () => {
    it('keeps only the first line, whatever the line ending', () => {
      assert.equal(oneLine('first\nsecond'), 'first')
      assert.equal(oneLine('first\r\nsecond'), 'first')
      assert.equal(oneLine('first\rsecond'), 'first')
      assert.equal(oneLine('only'), 'only')
      assert.equal(oneLine(''), '')
    })

    it('caps at 500 characters, marking the cut', () => {
      assert.equal(oneLine('a'.repeat(MAX_FAILURE_MESSAGE)), 'a'.repeat(500))
      const cut = oneLine('b'.repeat(MAX_FAILURE_MESSAGE + 1))
      assert.equal(cut.length, 500)
      assert.equal(cut, 'b'.repeat(499) + '…')
    })
  })

  describe('failureOf', () => {
    it('NotAuthorizedError -> NOT_AUTHORIZED with uri and action', () => {
      const f = failureOf(new NotAuthorizedError('com.example.add', 'register'))
      assert.equal(f.code, 'NOT_AUTHORIZED')
      assert.equal(f.uri, 'com.example.add')
      assert.equal(f.action, 'register')
      assert.match(f.message, /^not authorized to register on com\.example\.add: /)
      assert.equal(f.holder, undefined)
    })

    it('NoSuchProcedureError -> NO_SUCH_PROCEDURE with uri', () => {
      assert.deepEqual(failureOf(new NoSuchProcedureError('a.b', 'nobody has a.b')), { code: 'NO_SUCH_PROCEDURE', message: 'nobody has a.b', uri: 'a.b' })
    })

    it('ProcedureAlreadyRegisteredError -> ALREADY_REGISTERED with holder', () => {
      assert.deepEqual(failureOf(new ProcedureAlreadyRegisteredError('a.b', HOLDER, 'taken')), { code: 'ALREADY_REGISTERED', message: 'taken', uri: 'a.b', holder: HOLDER })
    })

    it('RpcError keeps its code and uri; an empty uri is left off', () => {
      assert.deepEqual(failureOf(new RpcError('a.b', 'boom', 'CALLEE_GONE')), { code: 'CALLEE_GONE', message: 'boom', uri: 'a.b' })
      assert.deepEqual(failureOf(new RpcError('', 'busy', 'TOO_MANY_CALLS')), { code: 'TOO_MANY_CALLS', message: 'busy', uri: undefined })
    })

    it('libp2p TimeoutError -> TIMEOUT, AbortError -> CANCELED, HubUnavailableError -> NOT_CONNECTED', () => {
      assert.deepEqual(failureOf(new TimeoutError('slow')), { code: 'TIMEOUT', message: 'slow' })
      assert.deepEqual(failureOf(new AbortError('stop')), { code: 'CANCELED', message: 'stop' })
      assert.deepEqual(failureOf(new HubUnavailableError('down')), { code: 'NOT_CONNECTED', message: 'down' })
    })

    it('matches TimeoutError and AbortError by name (a DOMException from AbortSignal.abort too)', () => {
      assert.equal(failureOf(Object.assign(new Error('t'), { name: 'TimeoutError' })).code, 'TIMEOUT')
      const ac = new AbortController()
      ac.abort()
      assert.equal(failureOf(ac.signal.reason).code, 'CANCELED')
    })

    it('InvalidUriError -> BAD_REQUEST with the uri', () => {
      const f = failureOf(new InvalidUriError('a..b', 'empty component'))
      assert.equal(f.code, 'BAD_REQUEST')
      assert.equal(f.uri, 'a..b')
      assert.equal(f.message, 'invalid URI "a..b": empty component')
    })

    it('anything else -> INTERNAL with a one-line message and no stack', () => {
      const err = new TypeError('x is undefined\n    at handler (/srv/app.js:1:2)')
      const f = failureOf(err)
      assert.deepEqual(f, { code: 'INTERNAL', message: 'TypeError: x is undefined' })
      assert.ok(!f.message.includes('at '), f.message)
    })

    it('a thrown non-Error is not echoed (it may be payload)', () => {
      assert.deepEqual(failureOf(new Uint8Array([115, 101, 99, 114, 101, 116])), { code: 'INTERNAL', message: 'the handler threw a value that is not an Error' })
      assert.deepEqual(failureOf('secret'), { code: 'INTERNAL', message: 'the handler threw a value that is not an Error' })
    })

    it('cuts every typed message to one line', () => {
      assert.equal(failureOf(new RpcError('a.b', 'line one\nline two')).message, 'line one')
      assert.equal(failureOf(new NoSuchProcedureError('a.b', 'x\ny')).message, 'x')
    })
  })

  describe('errorOf (round trip through the codec)', () => {
    it('NotAuthorizedError', () => {
      const back = roundTrip(new NotAuthorizedError('com.example.add', 'call'))
      assert.ok(back instanceof NotAuthorizedError)
      assert.equal(back.uri, 'com.example.add')
      assert.equal(back.action, 'call')
      assert.equal(back.name, 'NotAuthorizedError')
      assert.equal(back.message, new NotAuthorizedError('com.example.add', 'call').message)
    })

    it('NoSuchProcedureError', () => {
      const back = roundTrip(new NoSuchProcedureError('a.b'))
      assert.ok(back instanceof NoSuchProcedureError)
      assert.equal(back.uri, 'a.b')
      assert.equal(back.message, new NoSuchProcedureError('a.b').message)
    })

    it('ProcedureAlreadyRegisteredError', () => {
      const back = roundTrip(new ProcedureAlreadyRegisteredError('a.b', HOLDER))
      assert.ok(back instanceof ProcedureAlreadyRegisteredError)
      assert.equal(back.uri, 'a.b')
      assert.equal(back.holder, HOLDER)
      assert.equal(back.message, new ProcedureAlreadyRegisteredError('a.b', HOLDER).message)
    })

    for (const code of ['CALLEE_ERROR', 'CALLEE_GONE', 'TOO_MANY_CALLS', 'TOO_LARGE']) {
      it(`RpcError ${code}`, () => {
        const back = roundTrip(new RpcError('a.b', 'msg', code))
        assert.ok(back instanceof RpcError)
        assert.equal(back.code, code)
        assert.equal(back.uri, 'a.b')
        assert.equal(back.message, 'msg')
      })
    }

    it('RpcError BAD_REQUEST without a uri stays an RpcError', () => {
      const back = roundTrip(new RpcError('', 'no kind', 'BAD_REQUEST'))
      assert.ok(back instanceof RpcError)
      assert.equal(back.code, 'BAD_REQUEST')
      assert.equal(back.uri, '')
    })

    it('InvalidUriError', () => {
      const back = roundTrip(new InvalidUriError('a..b', 'empty component'))
      assert.ok(back instanceof InvalidUriError)
      assert.equal(back.uri, 'a..b')
      assert.equal(back.message, 'invalid URI "a..b": empty component')
    })

    it('TimeoutError, AbortError, HubUnavailableError', () => {
      const t = roundTrip(new TimeoutError('slow'))
      assert.ok(t instanceof TimeoutError)
      assert.equal(t.message, 'slow')
      const a = roundTrip(new AbortError('stop'))
      assert.ok(a instanceof AbortError)
      assert.equal(a.message, 'stop')
      const h = roundTrip(new HubUnavailableError('down'))
      assert.ok(h instanceof HubUnavailableError)
      assert.equal(h.message, 'down')
    })

    it('an unknown code becomes an RpcError carrying it; an empty code becomes INTERNAL', () => {
      const e = errorOf({ code: 'FROM_THE_FUTURE', message: 'new', uri: 'a.b' })
      assert.ok(e instanceof RpcError)
      assert.equal(e.code, 'FROM_THE_FUTURE')
      assert.equal(e.uri, 'a.b')
      const empty = errorOf({ code: '', message: 'm' })
      assert.ok(empty instanceof RpcError)
      assert.equal(empty.code, 'INTERNAL')
    })

    it('a NOT_AUTHORIZED with an unknown or missing action is an RpcError with that code, not a guessed action', () => {
      const e = errorOf({ code: 'NOT_AUTHORIZED', message: 'm', uri: 'a.b', action: 'delete' })
      assert.ok(e instanceof RpcError)
      assert.equal(e.code, 'NOT_AUTHORIZED')
      assert.equal(e.uri, 'a.b')
      assert.ok(errorOf({ code: 'NOT_AUTHORIZED', message: 'm', uri: 'a.b' }) instanceof RpcError)
      const ok = errorOf({ code: 'NOT_AUTHORIZED', message: 'm', uri: 'a.b', action: 'subscribe' })
      assert.equal((ok as NotAuthorizedError).action, 'subscribe')
    })

    it('cuts a received multi-line message (the sender may not be this code)', () => {
      const e = errorOf({ code: 'CALLEE_ERROR', message: 'boom\n    at x (/y.js:1:1)', uri: 'a.b' })
      assert.equal(e.message, 'boom')
    })
  })
})
