import assert from 'node:assert/strict'
import { planNodes } from '../../../src/testnet/layout.js'
import { dirAuthorityLine, networkTorrcLines, nodeTorrc, type AuthorityIdentity } from '../../../src/testnet/torrc.js'

const AUTH: AuthorityIdentity = {
  nickname: 'auth0',
  orPort: 17000,
  dirPort: 17001,
  v3ident: '605E85BFAF3849620173F7EA1BD6B53A88BE8BF1',
  fingerprint: '34AACE223931E2271E19DEFC9DE36CD5A7BF4926'
}
const [auth0, , , relay0, client0] = planNodes({ basePort: 17000, relays: 1, clients: 2 })
const opts = { dataDir: '/tmp/net/x', networkLines: networkTorrcLines([AUTH]), emptyFile: '/tmp/net/empty' }

function options (torrc: string): Map<string, string[]> {
  const m = new Map<string, string[]>()
  for (const line of torrc.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const [key, ...rest] = line.split(' ')
    m.set(key, [...(m.get(key) ?? []), rest.join(' ')])
  }
  return m
}

describe('testnet torrc', () => {
  it('writes a DirAuthority line in the form tor expects', () => {
    assert.equal(dirAuthorityLine(AUTH), 'DirAuthority auth0 orport=17000 no-v2 v3ident=605E85BFAF3849620173F7EA1BD6B53A88BE8BF1 127.0.0.1:17001 34AACE223931E2271E19DEFC9DE36CD5A7BF4926')
    assert.throws(() => dirAuthorityLine({ ...AUTH, fingerprint: 'nope\nControlPort 1' }), TypeError)
  })

  it('network lines make a 127.0.0.1 network; Vanilla only when asked', () => {
    const lines = networkTorrcLines([AUTH])
    assert.equal(lines[0], 'TestingTorNetwork 1')
    assert.ok(lines.includes(dirAuthorityLine(AUTH)))
    assert.ok(!lines.some(l => l.startsWith('Schedulers')))
    assert.ok(networkTorrcLines([AUTH], 'Vanilla').includes('Schedulers Vanilla'))
  })

  it('every node runs in the foreground with its own DataDirectory, log, cookie control port and empty GeoIP', () => {
    for (const node of [auth0, relay0, client0]) {
      const o = options(nodeTorrc(node, opts))
      assert.deepEqual(o.get('RunAsDaemon'), ['0'])
      assert.deepEqual(o.get('DataDirectory'), ['/tmp/net/x'])
      assert.deepEqual(o.get('Log'), ['notice file /tmp/net/x/notice.log'])
      assert.deepEqual(o.get('ControlPort'), [`127.0.0.1:${node.controlPort}`])
      assert.deepEqual(o.get('CookieAuthentication'), ['1'])
      assert.deepEqual(o.get('GeoIPFile'), ['/tmp/net/empty'])
      assert.deepEqual(o.get('TestingTorNetwork'), ['1'])
    }
  })

  it('authorities vote fast and give young relays Guard and HSDir', () => {
    const o = options(nodeTorrc(auth0, opts))
    assert.deepEqual(o.get('V3AuthoritativeDirectory'), ['1'])
    assert.deepEqual(o.get('V3AuthVotingInterval'), ['10'])
    assert.deepEqual(o.get('TestingDirAuthVoteGuard'), ['*'])
    assert.deepEqual(o.get('TestingDirAuthVoteHSDir'), ['*'])
    assert.deepEqual(o.get('AuthDirTestReachability'), ['0'])
    assert.deepEqual(o.get('DirPort'), ['127.0.0.1:17001'])
  })

  it('relays are reachable non-exits; clients only have a SOCKS port with extended errors', () => {
    const relay = options(nodeTorrc(relay0, opts))
    assert.deepEqual(relay.get('ORPort'), ['127.0.0.1:17012'])
    assert.deepEqual(relay.get('AssumeReachable'), ['1'])
    assert.deepEqual(relay.get('ExitRelay'), ['0'])
    assert.equal(relay.has('AuthoritativeDirectory'), false)
    const client = options(nodeTorrc(client0, opts))
    assert.deepEqual(client.get('SocksPort'), ['127.0.0.1:17019 ExtendedErrors'])
    assert.equal(client.has('ORPort'), false)
  })
})
