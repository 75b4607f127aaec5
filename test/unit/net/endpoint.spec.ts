import assert from 'node:assert/strict'
import fc from 'fast-check'
import { formatHostPort, isPort, parseHostPort, parsePort } from '../../../src/net/endpoint.js'

const port = fc.integer({ min: 1, max: 65535 })
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map(p => p.join('.'))
const ipv6 = fc.ipV6().filter(h => !h.includes('.'))
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/)
const hostname = fc.array(label, { minLength: 1, maxLength: 4 }).map(l => l.join('.')).filter(h => h !== 'localhost' && !/^[0-9.]+$/.test(h))

describe('net endpoints: the one port parser and host:port formatter', () => {
  it('accepts every port 1..65535 as a number and as its decimal text', () => {
    fc.assert(fc.property(port, (p) => parsePort(p) === p && parsePort(String(p)) === p && isPort(p)))
  })

  it('rejects 0, 65536, negatives, fractions, signs, spaces, leading zeros and junk', () => {
    for (const bad of [0, 65536, -1, 1.5, NaN, Infinity]) assert.equal(parsePort(bad), undefined, String(bad))
    for (const bad of ['0', '65536', '99999', '-1', '+1', ' 1', '1 ', '01', '1e3', '0x10', '', 'abc', '１']) assert.equal(parsePort(bad), undefined, bad)
    for (const bad of [0, 65536, '80', null, undefined, 1.5]) assert.equal(isPort(bad), false, String(bad))
  })

  it('rejects any text that is not the plain decimal spelling of a port', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const n = parsePort(s)
      return n === undefined || String(n) === s
    }), { numRuns: 2000 })
  })

  it('round-trips IPv4, IPv6 and host names through format and parse', () => {
    fc.assert(fc.property(fc.oneof(ipv4, ipv6, hostname), port, (host, p) => {
      const r = parseHostPort(formatHostPort({ host, port: p }))
      return r.ok && r.endpoint.host === host && r.endpoint.port === p
    }))
  })

  it('a bare port means 127.0.0.1, and localhost is pinned to 127.0.0.1 (no resolver)', () => {
    assert.deepEqual(parseHostPort('9050'), { ok: true, endpoint: { host: '127.0.0.1', port: 9050 } })
    assert.deepEqual(parseHostPort('localhost:9050'), { ok: true, endpoint: { host: '127.0.0.1', port: 9050 } })
    assert.deepEqual(parseHostPort('LocalHost:1'), { ok: true, endpoint: { host: '127.0.0.1', port: 1 } })
    assert.equal(formatHostPort({ host: '::1', port: 9150 }), '[::1]:9150')
  })

  it('says why a text is not an endpoint', () => {
    const cases: Array<[string, RegExp]> = [
      ['127.0.0.1', /not a host:port/],
      ['::1:9050', /not a host:port/],
      ['127.0.0.1:70000', /1 to 65535/],
      ['127.0.0.1:0', /1 to 65535/],
      ['[nope]:1', /invalid host/],
      ['[127.0.0.1]:1', /invalid host/],
      ['a_b:1', /invalid host/],
      ['-x:1', /invalid host/]
    ]
    for (const [input, why] of cases) {
      const r = parseHostPort(input)
      assert.ok(!r.ok && why.test(r.problem), `${input}: ${JSON.stringify(r)}`)
    }
  })

  it('never throws, and whatever it accepts formats back to a text it accepts the same way', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => {
      const r = parseHostPort(s)
      if (!r.ok) return typeof r.problem === 'string'
      const again = parseHostPort(formatHostPort(r.endpoint))
      return again.ok && again.endpoint.host === r.endpoint.host && again.endpoint.port === r.endpoint.port
    }), { numRuns: 2000 })
  })
})
