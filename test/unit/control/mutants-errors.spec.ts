/**
 * Control error classes built directly: each sets its name and fields, a
 * cause's message is appended only when the cause is an Error, the 550 hint
 * is special only for ADD_ONION, and the two ControlTimeoutError wordings.
 */
import assert from 'node:assert/strict'
import {
  ControlAuthError, ControlConnectionClosedError, ControlError, ControlReplyError, ControlTimeoutError, ControlUnreachableError,
  CookieFileError, InvalidControlArgumentError, NoUsableAuthMethodError, ReplyTooLargeError, ServerHashMismatchError,
  TorBootstrapTimeoutError, UploadFailedError, UploadTimeoutError, UploadWaitClosedError, WrongPasswordError
} from '../../../src/control/errors.js'

describe('control errors: names, fields and messages', () => {
  it('every class sets its own name', () => {
    const all: Array<[Error, string]> = [
      [new ControlError('x'), 'ControlError'],
      [new ControlAuthError('x'), 'ControlAuthError'],
      [new ControlConnectionClosedError(), 'ControlConnectionClosedError'],
      [new ControlReplyError('GETINFO', 552, 'x'), 'ControlReplyError'],
      [new ControlTimeoutError('GETINFO', 1000, '127.0.0.1:9051', true), 'ControlTimeoutError'],
      [new ControlUnreachableError('127.0.0.1:9051'), 'ControlUnreachableError'],
      [new CookieFileError('/c', 'x'), 'CookieFileError'],
      [new InvalidControlArgumentError('a', 'b'), 'InvalidControlArgumentError'],
      [new NoUsableAuthMethodError([], 'x'), 'NoUsableAuthMethodError'],
      [new ReplyTooLargeError(10), 'ReplyTooLargeError'],
      [new ServerHashMismatchError(), 'ServerHashMismatchError'],
      [new TorBootstrapTimeoutError(1000), 'TorBootstrapTimeoutError'],
      [new WrongPasswordError(), 'WrongPasswordError'],
      [new UploadWaitClosedError('x'), 'UploadWaitClosedError'],
      [new UploadTimeoutError('x', 1), 'UploadTimeoutError'],
      [new UploadFailedError('x', []), 'UploadFailedError']
    ]
    for (const [err, name] of all) {
      assert.equal(err.name, name)
      assert.ok(err instanceof ControlError, name)
    }
  })

  it('ControlConnectionClosedError: with and without a command, with an Error cause or another one', () => {
    const plain = new ControlConnectionClosedError()
    assert.equal(plain.message, 'the Tor control connection is closed; connect again')
    assert.equal(plain.command, undefined)
    const cause = new Error('ECONNRESET')
    const named = new ControlConnectionClosedError('GETINFO', { cause })
    assert.equal(named.message, 'the Tor control connection closed before GETINFO was answered (ECONNRESET); reconnect and retry')
    assert.equal(named.command, 'GETINFO')
    assert.equal(named.cause, cause)
    assert.equal(new ControlConnectionClosedError('GETINFO', { cause: 'text' }).message, 'the Tor control connection closed before GETINFO was answered; reconnect and retry')
  })

  it('ControlUnreachableError appends the cause\'s message only for an Error cause', () => {
    assert.equal(new ControlUnreachableError('unix:/run/tor/control').message, "cannot reach Tor's control port unix:/run/tor/control: is tor running with ControlPort enabled?")
    const err = new ControlUnreachableError('127.0.0.1:9051', { cause: new Error('connect ECONNREFUSED') })
    assert.equal(err.message, "cannot reach Tor's control port 127.0.0.1:9051: is tor running with ControlPort enabled? (connect ECONNREFUSED)")
    assert.equal(err.endpoint, '127.0.0.1:9051')
    assert.equal(new ControlUnreachableError('x:1', { cause: 42 }).message, "cannot reach Tor's control port x:1: is tor running with ControlPort enabled?")
  })

  it('ControlTimeoutError says "not tor?" only when nothing was answered before, and keeps its fields', () => {
    const before = new ControlTimeoutError('GETINFO', 2500, '127.0.0.1:9051', true)
    assert.match(before.message, /^tor did not answer GETINFO within 2\.5 s on 127\.0\.0\.1:9051; the control connection was dropped/)
    assert.deepEqual([before.command, before.timeoutMs, before.endpoint, before.answeredBefore], ['GETINFO', 2500, '127.0.0.1:9051', true])
    const never = new ControlTimeoutError('PROTOCOLINFO', 1000, '127.0.0.1:9050', false)
    assert.match(never.message, /^127\.0\.0\.1:9050 accepted the connection but never answered PROTOCOLINFO within 1 s: is it tor's ControlPort\?/)
    assert.equal(never.answeredBefore, false)
  })

  it('ControlReplyError: a 550 to ADD_ONION is a collision, a 550 to anything else and unknown codes are not', () => {
    const collision = new ControlReplyError('ADD_ONION', 550, 'Onion address collision')
    assert.match(collision.message, /^tor answered ADD_ONION with 550 "Onion address collision": Onion address collision: this key already backs/)
    assert.deepEqual([collision.status, collision.text, collision.command], [550, 'Onion address collision', 'ADD_ONION'])
    assert.equal(new ControlReplyError('SETCONF', 550, 'x').message, 'tor answered SETCONF with 550 "x": unspecified tor error')
    assert.equal(new ControlReplyError('ADD_ONION', 552, 'x').message, 'tor answered ADD_ONION with 552 "x": unrecognized entity (unknown onion service id, key, event, option or signal)')
    assert.equal(new ControlReplyError('GETINFO', 599, 'x').message, 'tor answered GETINFO with 599 "x": unexpected reply code')
  })

  it('TorBootstrapTimeoutError with no progress, with progress, and with a warning', () => {
    const none = new TorBootstrapTimeoutError(3000)
    assert.match(none.message, /^tor did not finish bootstrapping within 3000 ms: no bootstrap progress was reported; /)
    assert.deepEqual([none.timeoutMs, none.progress, none.tag, none.summary, none.warning], [3000, undefined, undefined, undefined, undefined])
    const stuck = new TorBootstrapTimeoutError(3000, { progress: 14, tag: 'handshake', summary: 'Handshaking' })
    assert.match(stuck.message, /: stuck at 14% \(handshake: Handshaking\); check its network/)
    const warned = new TorBootstrapTimeoutError(3000, { progress: 5, tag: 'conn', summary: 'Connecting', warning: 'Connection refused' })
    assert.match(warned.message, /: stuck at 5% \(conn: Connecting\), last warning: Connection refused; /)
    assert.equal(warned.warning, 'Connection refused')
  })

  it('NoUsableAuthMethodError says "none" for an empty offer; the auth errors carry their fields', () => {
    assert.match(new NoUsableAuthMethodError([], 'x').message, /tor offers none; x$/)
    assert.equal(new CookieFileError('/var/lib/tor/cookie', 'gone').path, '/var/lib/tor/cookie')
    assert.equal(new InvalidControlArgumentError('serviceId', 'bad').argument, 'serviceId')
    assert.equal(new ReplyTooLargeError(1024).maxReplyBytes, 1024)
    const cause = new Error('515')
    assert.equal(new WrongPasswordError({ cause }).cause, cause)
  })

  it('upload errors name the service by its first 8 characters, the deadline in seconds, and each reason once', () => {
    const id = 'e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd'
    const closed = new UploadWaitClosedError(id)
    assert.match(closed.message, /^the control connection closed before the descriptor of e57tg4ft… was uploaded; check that tor still runs/)
    assert.equal(closed.serviceId, id)
    const late = new UploadTimeoutError(id, 119_600)
    assert.match(late.message, /^the descriptor of e57tg4ft… was not uploaded within 120 s: tor may still be bootstrapping/)
    assert.deepEqual([late.serviceId, late.timeoutMs], [id, 119_600])
    const failed = new UploadFailedError(id, ['UPLOAD_REJECTED', 'UNEXPECTED', 'UPLOAD_REJECTED'])
    assert.match(failed.message, /^every descriptor upload of e57tg4ft… failed \(UPLOAD_REJECTED, UNEXPECTED\): check tor's clock/)
    assert.deepEqual(failed.reasons, ['UPLOAD_REJECTED', 'UNEXPECTED', 'UPLOAD_REJECTED'])
    assert.match(new UploadFailedError(id, []).message, /^every descriptor upload of e57tg4ft… failed: check/)
  })

  it('fixed messages of the auth and size errors', () => {
    assert.match(new WrongPasswordError().message, /^tor rejected the control password \(515\); check the password/)
    assert.match(new ServerHashMismatchError().message, /^SAFECOOKIE: the control port answered with a wrong SERVERHASH/)
    assert.match(new ReplyTooLargeError(4096).message, /^a Tor control reply exceeded 4096 bytes; the connection was dropped/)
    assert.equal(new ControlError('plain').message, 'plain')
  })
})
