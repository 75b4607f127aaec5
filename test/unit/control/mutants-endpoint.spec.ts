/**
 * Control endpoints: inputs with extra text around a valid endpoint, and
 * messages that say which part is wrong.
 */
import assert from 'node:assert/strict'
import { parseControlEndpoint, parseControlPortFile } from '../../../src/control/endpoint.js'
import { InvalidControlArgumentError } from '../../../src/control/errors.js'

function refuses (input: string, says: RegExp): void {
  assert.throws(() => parseControlEndpoint(input), (err: Error) => {
    assert.ok(err instanceof InvalidControlArgumentError, `${input}: ${String(err)}`)
    assert.match(err.message, says, input)
    return true
  })
}

describe('control endpoint: extra text and messages', () => {
  it('refuses a valid endpoint with text before or after it', () => {
    for (const input of ['x[::1]:9051', '[::1]:9051:1', 'localhost:9051:1', '127.0.0.1:9051:9052']) {
      refuses(input, /is not a host:port endpoint/)
    }
  })

  it('says which part is wrong', () => {
    refuses('unix:run/tor/control', /is not an absolute unix socket path/)
    refuses('unix:/run/tor/con\u0001trol', /contains control characters/)
    refuses('127.0.0.1:70000', /has a port that is not a number from 1 to 65535/)
    refuses('[nope]:9051', /has an invalid host/)
    refuses('bad_host:9051', /has an invalid host/)
  })

  it('reads a ControlPortWriteToFile file with CRLF line ends and stray spaces', () => {
    assert.deepEqual(parseControlPortFile('PORT=127.0.0.1:39643\r\n  UNIX_PORT=/tmp/tor/ctl  \r\n'), [
      { type: 'tcp', host: '127.0.0.1', port: 39643 },
      { type: 'unix', path: '/tmp/tor/ctl' }
    ])
  })
})
