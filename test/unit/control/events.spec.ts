import assert from 'node:assert/strict'
import { parseBootstrapPhase, parseHsDescEvent, parseStatusClientEvent } from '../../../src/control/events.js'
import { ControlProtocolError } from '../../../src/control/errors.js'
import { keyValues, tokenize } from '../../../src/control/quote.js'
import * as cap from './captured.js'

/** The text of the 650 line without CRLF, as the client passes it. */
const text = (wire: string): string => wire.replace(/\r\n$/, '').slice(4)

describe('control event parsers', () => {
  describe('HS_DESC', () => {
    it('parses UPLOADED (no descriptor id)', () => {
      assert.deepEqual(parseHsDescEvent(text(cap.HS_DESC_UPLOADED)), {
        action: 'UPLOADED',
        address: cap.HS_ADDR,
        authType: 'UNKNOWN',
        hsDir: cap.HSDIR,
        descriptorId: undefined,
        reason: undefined,
        args: {},
        raw: text(cap.HS_DESC_UPLOADED)
      })
    })

    it('parses UPLOAD with descriptor id and HSDIR_INDEX', () => {
      const e = parseHsDescEvent(text(cap.HS_DESC_UPLOAD))
      assert.equal(e.action, 'UPLOAD')
      assert.equal(e.hsDir, cap.HSDIR)
      assert.equal(e.descriptorId, cap.BLINDED)
      assert.deepEqual(e.args, { HSDIR_INDEX: '44'.repeat(32) })
    })

    it('parses FAILED with REASON', () => {
      const e = parseHsDescEvent(text(cap.HS_DESC_FAILED))
      assert.equal(e.action, 'FAILED')
      assert.equal(e.authType, 'NO_AUTH')
      assert.equal(e.descriptorId, cap.BLINDED)
      assert.equal(e.reason, 'BAD_DESC')
    })

    it('parses FAILED with no HSDir and no descriptor id', () => {
      const e = parseHsDescEvent(text(cap.HS_DESC_NO_HSDIR))
      assert.equal(e.hsDir, 'UNKNOWN')
      assert.equal(e.descriptorId, undefined)
      assert.equal(e.reason, 'QUERY_NO_HSDIR')
    })

    it('parses REQUESTED, CREATED and RECEIVED', () => {
      assert.equal(parseHsDescEvent(text(cap.HS_DESC_REQUESTED)).args.HSDIR_INDEX, '43'.repeat(32))
      const created = parseHsDescEvent(text(cap.HS_DESC_CREATED))
      assert.deepEqual([created.action, created.authType, created.hsDir, created.descriptorId], ['CREATED', 'UNKNOWN', 'UNKNOWN', cap.BLINDED])
      assert.equal(parseHsDescEvent(text(cap.HS_DESC_RECEIVED)).descriptorId, cap.BLINDED)
    })

    it('parses a v2-era line and accepts the "650 " prefix', () => {
      const wire = cap.HS_DESC_V2_REQUESTED.replace(/\r\n$/, '')
      const e = parseHsDescEvent(wire)
      assert.equal(e.address, 'ajhb7kljbiru65qo')
      assert.equal(e.hsDir, '$67B2BDA4264D8A189D9270E28B1D30A262838243=europa1')
      assert.equal(e.descriptorId, 'b3oeducbhjmbqmgw2i3jtz4fekkrinwj')
      assert.equal(e.raw, wire)
    })

    it('rejects other events and lines missing required fields', () => {
      assert.throws(() => parseHsDescEvent(text(cap.STATUS_CLIENT_NOTICE)), ControlProtocolError)
      assert.throws(() => parseHsDescEvent(`HS_DESC UPLOADED ${cap.HS_ADDR} UNKNOWN`), ControlProtocolError)
      assert.throws(() => parseHsDescEvent('HS_DESC'), ControlProtocolError)
      assert.throws(() => parseHsDescEvent('HS_DESC_CONTENT a b c d'), ControlProtocolError)
    })
  })

  describe('STATUS_CLIENT', () => {
    it('parses a NOTICE BOOTSTRAP with a quoted summary', () => {
      assert.deepEqual(parseStatusClientEvent(text(cap.STATUS_CLIENT_NOTICE)), {
        severity: 'NOTICE',
        action: 'BOOTSTRAP',
        args: { PROGRESS: '5', TAG: 'conn', SUMMARY: 'Connecting to a relay' },
        raw: text(cap.STATUS_CLIENT_NOTICE),
        bootstrap: { progress: 5, tag: 'conn', summary: 'Connecting to a relay' }
      })
    })

    it('parses a WARN BOOTSTRAP with warning, reason and quoted host address', () => {
      const e = parseStatusClientEvent(text(cap.STATUS_CLIENT_WARN))
      assert.equal(e.severity, 'WARN')
      assert.equal(e.args.HOSTADDR, '127.0.0.1:1')
      assert.equal(e.args.RECOMMENDATION, 'warn')
      assert.deepEqual(e.bootstrap, { progress: 5, tag: 'conn', summary: 'Connecting to a relay', warning: 'Connection refused', reason: 'CONNECTREFUSED' })
    })

    it('parses actions without arguments and keeps quoted spaces', () => {
      const e = parseStatusClientEvent('650 STATUS_CLIENT NOTICE CIRCUIT_ESTABLISHED')
      assert.deepEqual([e.severity, e.action, e.args, e.bootstrap], ['NOTICE', 'CIRCUIT_ESTABLISHED', {}, undefined])
      const done = parseStatusClientEvent('STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done:  two  spaces"')
      assert.deepEqual(done.bootstrap, { progress: 100, tag: 'done', summary: 'Done:  two  spaces' })
    })

    it('rejects malformed status events', () => {
      assert.throws(() => parseStatusClientEvent('STATUS_CLIENT NOTICE'), ControlProtocolError)
      assert.throws(() => parseStatusClientEvent('STATUS_GENERAL NOTICE CLOCK_JUMPED TIME=5'), ControlProtocolError)
      assert.throws(() => parseStatusClientEvent('STATUS_CLIENT NOTICE BOOTSTRAP TAG=conn'), ControlProtocolError)
      assert.throws(() => parseStatusClientEvent('STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=101 TAG=x SUMMARY="x"'), ControlProtocolError)
      assert.throws(() => parseStatusClientEvent('STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=-1 TAG=x'), ControlProtocolError)
      assert.throws(() => parseStatusClientEvent('STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=5 SUMMARY="unterminated'), ControlProtocolError)
    })
  })

  describe('status/bootstrap-phase', () => {
    it('parses the GETINFO values captured from tor', () => {
      assert.deepEqual(parseBootstrapPhase(cap.BOOTSTRAP_PHASE_START), { progress: 0, tag: 'starting', summary: 'Starting' })
      assert.deepEqual(parseBootstrapPhase(cap.BOOTSTRAP_PHASE_WARN),
        { progress: 5, tag: 'conn', summary: 'Connecting to a relay', warning: 'Connection refused', reason: 'CONNECTREFUSED' })
    })

    it('rejects values that are not a BOOTSTRAP status', () => {
      assert.throws(() => parseBootstrapPhase(''), ControlProtocolError)
      assert.throws(() => parseBootstrapPhase('NOTICE CIRCUIT_ESTABLISHED'), ControlProtocolError)
    })
  })

  describe('tokens', () => {
    it('reads C escapes and octal in quoted values (control-spec 2.1.1)', () => {
      assert.deepEqual(keyValues(tokenize('A="x\\ty\\n" B="\\101\\"\\\\" C=plain D="\\q"')), { A: 'x\ty\n', B: 'A"\\', C: 'plain', D: 'q' })
    })

    it('keeps positional words, including ones with "=" after a non-key', () => {
      assert.deepEqual(tokenize('AUTHCHALLENGE $AB=nick "q s" K=v'), [
        { value: 'AUTHCHALLENGE' }, { value: '$AB=nick' }, { value: 'q s' }, { key: 'K', value: 'v' }
      ])
    })

    it('stores a __proto__ key as data, not as the prototype', () => {
      const kv = keyValues(tokenize('__proto__=x'))
      assert.equal(Object.getPrototypeOf(kv), Object.prototype)
      assert.equal(kv.__proto__, 'x')
    })
  })
})
