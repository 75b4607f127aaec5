/**
 * Command builders called from plain JavaScript with values of the wrong
 * type, and the wording of their errors: every refusal names the argument
 * (never its value) and says what would be accepted, and nothing is sent.
 */
import assert from 'node:assert/strict'
import {
  buildAddOnion, buildAuthChallenge, buildAuthenticate, buildDelOnion, buildGetInfo, buildOnionClientAuthAdd,
  buildProtocolInfo, buildResetConf, buildSetConf, buildSetEvents, buildSignal, buildTakeOwnership
} from '../../../src/control/commands.js'
import { InvalidControlArgumentError } from '../../../src/control/errors.js'
import { quoteString } from '../../../src/control/quote.js'

const ID = 'jt4grrjwzyz3pjkylwfau5xnjaj23vxmhskqaeyfhrfylelw4hvxcuyd'
const PORTS = [{ virtualPort: 80 }]
/** Loosely typed, as a JavaScript caller could pass anything. */
const loose = <T>(v: unknown): T => v as T

function refusal (fn: () => unknown): InvalidControlArgumentError {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof InvalidControlArgumentError, `expected InvalidControlArgumentError, got ${String(caught)}`)
  return caught
}

function refuses (fn: () => unknown, argument: string, says: RegExp): void {
  const err = refusal(fn)
  assert.equal(err.argument, argument)
  assert.match(err.message, says)
  assert.match(err.message, /nothing was sent to tor/)
}

describe('control commands: wrong types and error wording', () => {
  it('refuses a non-string wherever a string is interpolated', () => {
    const cases: Array<[() => unknown, string]> = [
      [() => buildGetInfo(loose([42])), 'getinfo keys[0]'],
      [() => buildSetEvents(loose([7])), 'events[0]'],
      [() => buildDelOnion(loose(12345)), 'serviceId'],
      [() => buildAddOnion({ key: loose(42), ports: PORTS }), 'key'],
      [() => buildAddOnion({ ports: [{ virtualPort: 80, target: { path: loose(7) } }] }), 'ports[0].target.path'],
      [() => buildAddOnion({ ports: [{ virtualPort: 80, target: { host: loose(127001), port: 1 } }] }), 'ports[0].target.host'],
      [() => buildAddOnion({ ports: PORTS, clientAuthV3: loose([5]) }), 'clientAuthV3[0]'],
      [() => buildOnionClientAuthAdd(ID, loose(32)), 'x25519PrivateKeyBase64'],
      [() => buildOnionClientAuthAdd(ID, 'iJ1tjKCrMAbiFT2bVrCjhbfMDnE1fpaRbIS5ZHKUvEQ=', { nickname: loose(1) }), 'nickname'],
      [() => buildResetConf(loose([1])), 'keys[0]'],
      [() => buildAuthenticate({ password: loose(1234) }), 'password'],
      [() => quoteString('value', loose(null)), 'value']
    ]
    for (const [fn, argument] of cases) refuses(fn, argument, /must be a string/)
  })

  it('refuses numbers given as strings and says which range applies', () => {
    refuses(() => buildAddOnion({ ports: [{ virtualPort: loose('80') }] }), 'ports[0].virtualPort', /must be an integer from 1 to 65535/)
    refuses(() => buildAddOnion({ ports: PORTS, maxStreams: loose('3') }), 'maxStreams', /must be an integer from 0 to 65535/)
    refuses(() => buildAddOnion({ ports: [{ virtualPort: 80, target: { host: '127.0.0.1', port: loose('8080') } }] }), 'ports[0].target.port', /from 1 to 65535/)
  })

  it('refuses a non-array list, saying when at least one item is needed', () => {
    refuses(() => buildGetInfo(loose('version')), 'getinfo keys', /must be an array with at least 1 item/)
    refuses(() => buildResetConf(loose('SocksPort')), 'keys', /at least 1 item/)
    refuses(() => buildAddOnion({ ports: loose({ virtualPort: 80 }) }), 'ports', /at least 1 item/)
    // lists that may be empty do not claim a minimum
    for (const [fn, argument] of [
      [() => buildSetEvents(loose('HS_DESC')), 'events'],
      [() => buildAddOnion({ ports: PORTS, flags: loose('Detach') }), 'flags'],
      [() => buildAddOnion({ ports: PORTS, clientAuthV3: loose('B'.repeat(51) + 'A') }), 'clientAuthV3']
    ] as Array<[() => unknown, string]>) {
      const err = refusal(fn)
      assert.equal(err.argument, argument)
      assert.match(err.message, /must be an array;/)
    }
  })

  it('refuses options, ports, targets and settings that are not objects', () => {
    refuses(() => buildAddOnion(loose(null)), 'options', /must be an object/)
    refuses(() => buildAddOnion(loose('Port=80')), 'options', /must be an object/)
    refuses(() => buildAddOnion({ ports: [loose(null)] }), 'ports[0]', /must be an object/)
    refuses(() => buildAddOnion({ ports: [loose(80)] }), 'ports[0]', /must be an object/)
    refuses(() => buildAddOnion({ ports: [{ virtualPort: 80, target: loose('127.0.0.1:80') }] }), 'ports[0].target', /must be \{ host, port \} or \{ path \}/)
    refuses(() => buildSetConf(loose(null)), 'settings', /must be an object/)
    refuses(() => buildSetConf(loose('SocksPort=0')), 'settings', /must be an object/)
    refuses(() => buildSetConf({}), 'settings', /at least one option/)
  })

  it('refuses an empty or non-byte authentication token', () => {
    refuses(() => buildAuthenticate({ hex: new Uint8Array(0) }), 'authentication token', /must be non-empty bytes/)
    refuses(() => buildAuthenticate({ hex: loose('00ff') }), 'authentication token', /must be non-empty bytes/)
    refuses(() => buildAuthChallenge(new Uint8Array(31)), 'clientNonce', /must be 32 bytes/)
  })

  it('says what each whitelisted argument may contain', () => {
    refuses(() => buildDelOnion(ID + '.onion'), 'serviceId', /56 characters a-z and 2-7, without "\.onion"/)
    refuses(() => buildGetInfo(['a b']), 'getinfo keys[0]', /only letters, digits and _-\/\.:\$~\+/)
    refuses(() => buildSetEvents(['hs_desc']), 'events[0]', /capital letters and underscores, e\.g\. HS_DESC/)
    refuses(() => buildAddOnion({ ports: [{ virtualPort: 80, target: { path: 'rel/sock' } }] }), 'ports[0].target.path', /absolute path/)
    refuses(() => buildAddOnion({ ports: [{ virtualPort: 80, target: { host: 'example.com', port: 80 } }] }), 'ports[0].target.host', /IPv4 or IPv6 literal or 'localhost'/)
    refuses(() => buildAddOnion({ key: 'ED25519-V3:AAAA', ports: PORTS }), 'key', /"ED25519-V3:" followed by the canonical base64 of a 64-byte/)
    refuses(() => buildAddOnion({ ports: PORTS, clientAuthV3: ['x'] }), 'clientAuthV3[0]', /52 characters A-Z and 2-7/)
    refuses(() => buildOnionClientAuthAdd(ID, 'AAAA'), 'x25519PrivateKeyBase64', /canonical base64 of a 32-byte x25519 private key/)
    refuses(() => buildOnionClientAuthAdd(ID, 'iJ1tjKCrMAbiFT2bVrCjhbfMDnE1fpaRbIS5ZHKUvEQ=', { nickname: 'a b' }), 'nickname', /1 to 16 characters/)
    refuses(() => buildResetConf(['Socks Port']), 'keys[0]', /tor option name of letters, digits and underscores/)
  })

  it('lists the accepted flags and signals when refusing one', () => {
    const flag = refusal(() => buildAddOnion({ ports: PORTS, flags: [loose('Permanent')] }))
    assert.equal(flag.argument, 'flags[0]')
    assert.match(flag.message, /must be one of DiscardPK, Detach, V3Auth, NonAnonymous, MaxStreamsCloseCircuit;/)
    const signal = refusal(() => buildSignal(loose('KILL')))
    assert.equal(signal.argument, 'signal')
    assert.match(signal.message, /must be one of RELOAD, SHUTDOWN, DUMP, DEBUG, HALT, NEWNYM, CLEARDNSCACHE, HEARTBEAT, ACTIVE, DORMANT;/)
  })

  it('refuses an x25519 private key with non-zero padding bits (not canonical base64)', () => {
    // 'Q' -> 'R' sets one of the two padding bits: it still decodes to 32 bytes
    refuses(() => buildOnionClientAuthAdd(ID, 'iJ1tjKCrMAbiFT2bVrCjhbfMDnE1fpaRbIS5ZHKUvER='), 'x25519PrivateKeyBase64', /canonical base64/)
  })

  it('names a bad conf key by at most its first 40 characters', () => {
    const long = 'Bad Key ' + 'x'.repeat(100)
    const err = refusal(() => buildSetConf({ [long]: '1' }))
    assert.equal(err.argument, `settings key ${JSON.stringify(long.slice(0, 40))}`)
  })

  it('lists no secrets for commands without any, and never an empty one', () => {
    for (const cmd of [buildProtocolInfo(), buildTakeOwnership(), buildGetInfo(['version']), buildSignal('NEWNYM'), buildAuthenticate()]) {
      assert.deepEqual(cmd.secrets, [], cmd.verb)
    }
    // an empty password is still quoted ("") and redacted, but '' itself is not a secret to redact
    assert.deepEqual(buildAuthenticate({ password: '' }).secrets, ['""'])
  })
})
