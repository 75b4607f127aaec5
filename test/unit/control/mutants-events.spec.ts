/**
 * Event parsers, details the captured samples do not exercise: optional
 * fields that are absent, several KEY=value arguments, stray spacing, and
 * error messages that quote at most 40 characters of what tor sent.
 */
import assert from 'node:assert/strict'
import { parseBootstrapPhase, parseHsDescEvent, parseStatusClientEvent } from '../../../src/control/events.js'
import { ControlProtocolError } from '../../../src/control/errors.js'
import * as cap from './captured.js'

function protocolError (fn: () => unknown, says: RegExp): ControlProtocolError {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof ControlProtocolError, `expected ControlProtocolError, got ${String(caught)}`)
  assert.match(caught.message, says)
  return caught
}

describe('control events: edge cases', () => {
  it('HS_DESC keeps every KEY=value argument after the descriptor id', () => {
    const e = parseHsDescEvent(`650 HS_DESC FAILED ${cap.HS_ADDR} NO_AUTH ${cap.HSDIR} b3oeducbhjmbqmgw2i3jtz4fekkrinwj REASON=NOT_FOUND REPLICA=1`)
    assert.equal(e.descriptorId, 'b3oeducbhjmbqmgw2i3jtz4fekkrinwj')
    assert.equal(e.reason, 'NOT_FOUND')
    assert.deepEqual(e.args, { REASON: 'NOT_FOUND', REPLICA: '1' })
  })

  it('HS_DESC ignores repeated spaces between fields', () => {
    const e = parseHsDescEvent(`HS_DESC  UPLOADED  ${cap.HS_ADDR}  UNKNOWN  ${cap.HSDIR}`)
    assert.deepEqual([e.action, e.address, e.authType, e.hsDir, e.descriptorId], ['UPLOADED', cap.HS_ADDR, 'UNKNOWN', cap.HSDIR, undefined])
  })

  it('HS_DESC errors say what was expected and how many fields came', () => {
    protocolError(() => parseHsDescEvent('650 CIRC 1 BUILT'), /expected a HS_DESC event, got "CIRC 1 BUILT"/)
    protocolError(() => parseHsDescEvent(`HS_DESC UPLOADED ${cap.HS_ADDR}`), /HS_DESC event has 2 of its 4 required fields/)
    // the text of a foreign line is quoted, cut to 40 characters
    const long = `CIRC 1 BUILT ${'$'.repeat(100)}`
    const err = protocolError(() => parseHsDescEvent(long), /expected a HS_DESC event/)
    assert.ok(err.message.includes(JSON.stringify(long.slice(0, 40))), err.message)
    assert.ok(!err.message.includes(long.slice(0, 41)), err.message)
  })

  it('BOOTSTRAP without TAG or SUMMARY gives empty strings', () => {
    assert.deepEqual(parseBootstrapPhase('NOTICE BOOTSTRAP PROGRESS=42'), { progress: 42, tag: '', summary: '' })
  })

  it('BOOTSTRAP refuses a PROGRESS with trailing junk and quotes it', () => {
    protocolError(() => parseBootstrapPhase('NOTICE BOOTSTRAP PROGRESS=50x TAG=x'), /BOOTSTRAP has no valid PROGRESS \(got "50x"\)/)
    protocolError(() => parseBootstrapPhase('NOTICE BOOTSTRAP TAG=x'), /no valid PROGRESS \(got null\)/)
  })

  it('status lines: several spaces between severity and action are fine, tabs and leading junk are not', () => {
    assert.equal(parseStatusClientEvent('STATUS_CLIENT NOTICE   CIRCUIT_ESTABLISHED').action, 'CIRCUIT_ESTABLISHED')
    protocolError(() => parseStatusClientEvent('STATUS_CLIENT \tNOTICE CIRCUIT_ESTABLISHED'), /STATUS_CLIENT needs a severity and an action/)
    protocolError(() => parseStatusClientEvent('STATUS_CLIENT NOTICE CIRCUIT_ESTABLISHED\tX=1'), /STATUS_CLIENT needs a severity and an action/)
    protocolError(() => parseBootstrapPhase('NOTICE'), /status\/bootstrap-phase needs a severity and an action/)
    protocolError(() => parseStatusClientEvent('HS_DESC UPLOADED x y z'), /expected a STATUS_CLIENT event, got "HS_DESC UPLOADED x y z"/)
  })

  it('status/bootstrap-phase refuses any other status, even one with a PROGRESS, quoting 40 characters', () => {
    const other = `NOTICE ENOUGH_DIR_INFO PROGRESS=100 ${'X'.repeat(60)}`
    const err = protocolError(() => parseBootstrapPhase(other), /status\/bootstrap-phase is not a BOOTSTRAP status/)
    assert.ok(err.message.includes(JSON.stringify(other.slice(0, 40))), err.message)
    assert.ok(!err.message.includes(other.slice(0, 41)), err.message)
  })
})
