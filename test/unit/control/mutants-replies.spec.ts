/**
 * Reply parsers: shapes ReplyParser never delivers but a caller could pass
 * (no lines, a mid-reply line with another status, a data line where a
 * plain one belongs), keywords that contain '=', empty METHODS entries, and
 * the 40-character cut of quoted text in messages.
 */
import assert from 'node:assert/strict'
import { ControlProtocolError } from '../../../src/control/errors.js'
import type { ControlReply, ControlReplyLine } from '../../../src/control/parser.js'
import { keywordLine, parseAddOnionReply, parseAuthChallenge, parseGetInfoReply, parseProtocolInfo } from '../../../src/control/replies.js'

const ID = 'e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd'
const HEX64 = 'ab'.repeat(32)
const line = (text: string, sep: ControlReplyLine['sep'] = '-', status = 250): ControlReplyLine => ({ status, sep, text })
const okLine = line('OK', ' ')
const reply = (...lines: ControlReplyLine[]): ControlReply => ({ status: lines[lines.length - 1].status, lines })

function malformed (fn: () => unknown, says: RegExp | string): void {
  assert.throws(fn, (err: Error) => {
    assert.equal(err.constructor, ControlProtocolError, String(err))
    // ControlProtocolError wraps the problem: "malformed reply ...: <problem>; is the endpoint ..."
    if (typeof says === 'string') assert.ok(err.message.includes(`: ${says}; `), err.message)
    else assert.match(err.message, says)
    return true
  })
}

describe('control reply parsers: edge cases', () => {
  it('refuses a missing reply, lines that are not an array, and a reply without lines', () => {
    malformed(() => parseGetInfoReply(undefined as unknown as ControlReply), 'GETINFO reply has no lines')
    malformed(() => parseGetInfoReply({ status: 250, lines: 'OK' } as unknown as ControlReply), 'GETINFO reply has no lines')
    malformed(() => parseProtocolInfo({ status: 250, lines: [] }), 'PROTOCOLINFO reply has no lines')
  })

  it('names the status of a non-250 line in the middle, or of the reply itself', () => {
    malformed(() => parseGetInfoReply(reply(line('version=1', '-', 251), okLine)), /: GETINFO reply has status 251 where 250 was expected/)
    malformed(() => parseGetInfoReply({ status: 252, lines: [line('version=1'), okLine] }), /: GETINFO reply has status 252 where 250 was expected/)
    assert.deepEqual(parseGetInfoReply(reply(line('version=1'), okLine)), { version: '1' })
  })

  it('refuses a reply whose last line is OK but not a final "250 " line', () => {
    malformed(() => parseGetInfoReply({ status: 250, lines: [line('version=1'), line('OK', '-')] }), 'GETINFO reply does not end with "250 OK"')
    malformed(() => parseGetInfoReply({ status: 250, lines: [line('version=1'), line('DONE', ' ')] }), 'GETINFO reply does not end with "250 OK"')
  })

  it('keywordLine takes no arguments without a space, and never from the keyword', () => {
    assert.deepEqual(keywordLine('METHODS=NULL'), { keyword: 'METHODS=NULL', args: {} })
    assert.deepEqual(keywordLine('A B=c'), { keyword: 'A', args: { B: 'c' } })
    assert.deepEqual(keywordLine('X=1 Y=2'), { keyword: 'X=1', args: { Y: '2' } })
    // the arguments start right after the space: a quote ending the keyword is not read as opening a string
    assert.deepEqual(keywordLine('K" B=c'), { keyword: 'K"', args: { B: 'c' } })
  })

  it('PROTOCOLINFO drops empty METHODS entries, and takes the version only from a VERSION line with Tor=', () => {
    const info = parseProtocolInfo(reply(line('PROTOCOLINFO 1'), line('AUTH METHODS=,NULL,,COOKIE,'), line('VERSION Other="1"'), line('OTHER Tor="9.9"'), okLine))
    assert.deepEqual(info, { authMethods: ['NULL', 'COOKIE'] })
    assert.equal('torVersion' in info, false)
    assert.equal(parseProtocolInfo(reply(line('AUTH METHODS=NULL'), line('VERSION Tor="0.4.9.11"'), okLine)).torVersion, '0.4.9.11')
  })

  it('AUTHCHALLENGE must be a final "250 " line, not a data or mid-reply line', () => {
    const text = `AUTHCHALLENGE SERVERHASH=${HEX64} SERVERNONCE=${HEX64}`
    assert.equal(parseAuthChallenge(reply(line(text, ' '))).serverNonce.length, 32)
    for (const sep of ['-', '+'] as const) {
      malformed(() => parseAuthChallenge({ status: 250, lines: [line(text, sep)] }), 'AUTHCHALLENGE reply is not one "250 AUTHCHALLENGE ..." line')
    }
  })

  it('ADD_ONION refuses a data line even when it holds a ServiceID', () => {
    malformed(() => parseAddOnionReply(reply(line(`ServiceID=${ID}`, '+'), okLine)), 'ADD_ONION reply has a line that is not "250-Key=Value"')
  })

  it('GETINFO quotes up to 40 characters of a bad line, and marks a cut with "…"', () => {
    const forty = 'x'.repeat(40)
    assert.throws(() => parseGetInfoReply(reply(line(forty), okLine)), (err: Error) => err.message.includes(`: GETINFO reply line has no "key=": "${forty}"; `))
    const long = 'y'.repeat(41)
    assert.throws(() => parseGetInfoReply(reply(line(long), okLine)), (err: Error) => err.message.includes(`: GETINFO reply line has no "key=": "${'y'.repeat(40)}…"; `))
  })
})
