import assert from 'node:assert/strict'
import { formatControlEndpoint, parseControlEndpoint, parseControlPortFile } from '../../../src/control/endpoint.js'
import { InvalidControlArgumentError } from '../../../src/control/errors.js'

describe('control endpoint', () => {
  const good: Array<[string, ReturnType<typeof parseControlEndpoint>, string]> = [
    ['127.0.0.1:9051', { type: 'tcp', host: '127.0.0.1', port: 9051 }, '127.0.0.1:9051'],
    // localhost is pinned to 127.0.0.1 so no resolver is consulted
    ['localhost:1', { type: 'tcp', host: '127.0.0.1', port: 1 }, '127.0.0.1:1'],
    ['[::1]:65535', { type: 'tcp', host: '::1', port: 65535 }, '[::1]:65535'],
    ['9051', { type: 'tcp', host: '127.0.0.1', port: 9051 }, '127.0.0.1:9051'],
    ['unix:/run/tor/control', { type: 'unix', path: '/run/tor/control' }, 'unix:/run/tor/control'],
    ['unix:/tmp/a b/ctl', { type: 'unix', path: '/tmp/a b/ctl' }, 'unix:/tmp/a b/ctl']
  ]
  for (const [input, parsed, formatted] of good) {
    it(`parses ${input} and formats it back`, () => {
      assert.deepEqual(parseControlEndpoint(input), parsed)
      assert.equal(formatControlEndpoint(parsed), formatted)
    })
  }

  const bad = ['', '0', '65536', '127.0.0.1', '127.0.0.1:', '127.0.0.1:0', '127.0.0.1:9051x', '127.0.0.1:+9051', '::1:9051',
    '[::1]', '[127.0.0.1]:9051', '[nope]:1', 'unix:relative', 'unix:', 'unix:/a\nb', 'host name:1', 'a_b:1', '-x:1', 'tcp://127.0.0.1:9051']
  for (const input of bad) {
    it(`rejects ${JSON.stringify(input)} with a message naming the accepted forms`, () => {
      assert.throws(() => parseControlEndpoint(input), (err: Error) =>
        err instanceof InvalidControlArgumentError && err.argument === 'control endpoint' && /host:port, \[ipv6\]:port, port or unix:/.test(err.message))
    })
  }

  it('reads the file tor writes for ControlPortWriteToFile', () => {
    assert.deepEqual(parseControlPortFile('PORT=127.0.0.1:39643\nUNIX_PORT=/tmp/torcap/d2/ctl\n'), [
      { type: 'tcp', host: '127.0.0.1', port: 39643 },
      { type: 'unix', path: '/tmp/torcap/d2/ctl' }
    ])
    assert.deepEqual(parseControlPortFile(''), [])
  })
})
