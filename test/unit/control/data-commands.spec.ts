import assert from 'node:assert/strict'
import fc from 'fast-check'
import { buildHsPost, buildLoadConf, type ControlCommand } from '../../../src/control/commands.js'
import { InvalidControlArgumentError } from '../../../src/control/errors.js'
import { ReplyParser } from '../../../src/control/parser.js'
import { assertEncodedCmdData, encodeCmdData } from '../../../src/control/quote.js'
import { parseGetInfoReply } from '../../../src/control/replies.js'
import * as cap from './captured.js'

const ID = 'jt4grrjwzyz3pjkylwfau5xnjaj23vxmhskqaeyfhrfylelw4hvxcuyd'
const FP = '9695DFC35FFEB861329B9F1AB04C46397020CE31'
const DESCRIPTOR = 'hs-descriptor 3\ndescriptor-lifetime 180\n.a line that starts with a dot\n-----END SIGNATURE-----\n'

function rejects (fn: () => unknown, argument: string): void {
  assert.throws(fn, (err: Error) => {
    assert.ok(err instanceof InvalidControlArgumentError, `expected InvalidControlArgumentError, got ${String(err)}`)
    assert.equal(err.argument, argument)
    return true
  })
}

/** The bytes a client writes for a data command. */
function wire (cmd: ControlCommand): string {
  return `${cmd.line}\r\n${cmd.data ?? ''}`
}

describe('control multi-line "+" commands', () => {
  describe('encodeCmdData', () => {
    it('ends every line in CRLF, normalising LF and CRLF, and closes with ".\\r\\n"', () => {
      assert.equal(encodeCmdData('d', 'a\nb\r\nc'), 'a\r\nb\r\nc\r\n.\r\n')
      assert.equal(encodeCmdData('d', 'a\r\nb\nc\n'), 'a\r\nb\r\nc\r\n.\r\n')
    })

    it('dot-stuffs every line that starts with "." (and only those)', () => {
      assert.equal(encodeCmdData('d', '.\n..\n.x\nx.\n x'), '..\r\n...\r\n..x\r\nx.\r\n x\r\n.\r\n')
    })

    it('treats one trailing line break as the end of the last line, keeps others as empty lines', () => {
      assert.equal(encodeCmdData('d', 'a'), 'a\r\n.\r\n')
      assert.equal(encodeCmdData('d', 'a\n'), 'a\r\n.\r\n')
      assert.equal(encodeCmdData('d', 'a\n\n'), 'a\r\n\r\n.\r\n')
      assert.equal(encodeCmdData('d', '\n'), '\r\n.\r\n')
      assert.equal(encodeCmdData('d', ''), '.\r\n')
    })

    it('refuses NUL, a bare CR and non-strings', () => {
      for (const bad of ['a\0b', 'a\rb', 'a\r', '\r\r\n', 'a\n\rSIGNAL HALT']) rejects(() => encodeCmdData('torrcText', bad), 'torrcText')
      rejects(() => encodeCmdData('torrcText', 42 as unknown as string), 'torrcText')
    })

    it('round-trips through the reply parser for any text without NUL or bare CR (fast-check)', () => {
      const unit = fc.constantFrom('.', 'a', ' ', '\n', '\r\n', '=', 'é', '\t')
      fc.assert(fc.property(fc.string({ unit, maxLength: 40 }), (text) => {
        const replies = new ReplyParser().push(new TextEncoder().encode(`250+k=\r\n${encodeCmdData('d', text)}250 OK\r\n`))
        const expected = text.replace(/\r\n/g, '\n').replace(/\n$/, '')
        assert.deepEqual(parseGetInfoReply(replies[0]), { k: expected })
      }), { numRuns: 500 })
    })
  })

  describe('assertEncodedCmdData', () => {
    it('accepts what encodeCmdData returns', () => {
      for (const text of ['', 'a', '.\n..', 'x\n\ny']) assertEncodedCmdData('data', encodeCmdData('d', text))
    })

    it('refuses data that would end early, never end, or carry a bare CR or LF', () => {
      for (const bad of ['', 'a\r\n', 'a.\r\n', '.\r\n.\r\n', 'a\r\n.\r\nSIGNAL HALT\r\n.\r\n', 'a\nb\r\n.\r\n', 'a\rb\r\n.\r\n', 'a\0\r\n.\r\n', '.']) {
        rejects(() => { assertEncodedCmdData('data', bad) }, 'data')
      }
    })
  })

  describe('buildLoadConf', () => {
    it('builds +LOADCONF byte for byte, as tor accepted it', () => {
      const cmd = buildLoadConf('DataDirectory /tmp/rcap/data\nDisableNetwork 1\nSocksPort 0\nControlPort auto\n' +
        'ControlPortWriteToFile /tmp/rcap/cp\nCookieAuthentication 1\nContactInfo .dot at start\n')
      assert.deepEqual(cmd, { verb: 'LOADCONF', line: '+LOADCONF', secrets: [], data: cap.LOADCONF_ACCEPTED_DATA })
      assert.equal(wire(cmd), `+LOADCONF\r\n${cap.LOADCONF_ACCEPTED_DATA}`)
    })

    it('stuffs a line that is a lone dot, so it cannot end the data early', () => {
      assert.equal(wire(buildLoadConf('SocksPort 0\n.\nSIGNAL HALT')), '+LOADCONF\r\nSocksPort 0\r\n..\r\nSIGNAL HALT\r\n.\r\n')
      assert.equal(wire(buildLoadConf('SocksPort 0\r\n.\r\nSIGNAL HALT\r\n')), '+LOADCONF\r\nSocksPort 0\r\n..\r\nSIGNAL HALT\r\n.\r\n')
    })

    it('builds an empty config as an empty data block', () => {
      assert.equal(wire(buildLoadConf('')), '+LOADCONF\r\n.\r\n')
    })

    it('refuses NUL and bare CR', () => {
      rejects(() => buildLoadConf('SocksPort 0\0'), 'torrcText')
      rejects(() => buildLoadConf('SocksPort 0\r.\rSIGNAL HALT'), 'torrcText')
    })
  })

  describe('buildHsPost', () => {
    it('builds +HSPOST with HSADDRESS, and SERVER arguments first', () => {
      const data = 'hs-descriptor 3\r\ndescriptor-lifetime 180\r\n..a line that starts with a dot\r\n-----END SIGNATURE-----\r\n.\r\n'
      assert.deepEqual(buildHsPost(DESCRIPTOR, { hsAddress: ID }), { verb: 'HSPOST', line: `+HSPOST HSADDRESS=${ID}`, secrets: [], data })
      assert.equal(wire(buildHsPost(DESCRIPTOR, { hsAddress: ID, server: `$${FP}` })), `+HSPOST SERVER=$${FP} HSADDRESS=${ID}\r\n${data}`)
      assert.equal(buildHsPost(DESCRIPTOR, { hsAddress: ID, server: [`$${FP}~relay1`, FP.toLowerCase()] }).line,
        `+HSPOST SERVER=$${FP}~relay1 SERVER=${FP.toLowerCase()} HSADDRESS=${ID}`)
    })

    it('requires a v3 HSADDRESS (tor never answers an HSPOST without one)', () => {
      rejects(() => buildHsPost(DESCRIPTOR, {} as unknown as { hsAddress: string }), 'hsAddress')
      for (const bad of [`${ID}.onion`, ID.toUpperCase(), ID.slice(1), `${ID} SERVER=$${FP}`, `${ID}\r\nSIGNAL HALT`]) {
        rejects(() => buildHsPost(DESCRIPTOR, { hsAddress: bad }), 'hsAddress')
      }
      rejects(() => buildHsPost(DESCRIPTOR, undefined as unknown as { hsAddress: string }), 'options')
    })

    it('refuses a server that is not a relay fingerprint, and injection in it', () => {
      for (const bad of ['', FP.slice(1), `$${FP}~`, `$${FP}~a b`, `$${FP} HSADDRESS=${ID}`, `$${FP}\r\nSIGNAL HALT`, 'relay1']) {
        rejects(() => buildHsPost(DESCRIPTOR, { hsAddress: ID, server: bad }), 'server')
      }
      rejects(() => buildHsPost(DESCRIPTOR, { hsAddress: ID, server: [`$${FP}`, 'x'] }), 'server[1]')
      rejects(() => buildHsPost(DESCRIPTOR, { hsAddress: ID, server: [7] as unknown as string[] }), 'server[0]')
    })

    it('refuses a descriptor that is not v3, or holds NUL or a bare CR', () => {
      for (const bad of ['', 'hs-descriptor 2\n', 'not a descriptor', ' hs-descriptor 3\n', 'hs-descriptor 30\n']) {
        rejects(() => buildHsPost(bad, { hsAddress: ID }), 'descriptor')
      }
      rejects(() => buildHsPost('hs-descriptor 3\n\0', { hsAddress: ID }), 'descriptor')
      rejects(() => buildHsPost('hs-descriptor 3\nx\r.\r\nSIGNAL HALT', { hsAddress: ID }), 'descriptor')
    })
  })
})
