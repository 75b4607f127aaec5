/**
 * StreamIsolation alone: which SOCKS credentials (tor's isolation keys) a
 * dial gets in each mode. Equal credentials share circuits; different ones
 * never do (IsolateSOCKSAuth).
 */
import assert from 'node:assert/strict'
import { StreamIsolation } from '../../../transports/tor/isolation.js'
import { REND_SPEC_EXAMPLES, TOR_BUILD_ADDRESS } from '../onion/vectors.js'

const A = TOR_BUILD_ADDRESS
const B = REND_SPEC_EXAMPLES[0]

describe('StreamIsolation', () => {
  describe("'peer'", () => {
    it('gives the same credentials every time for one service id', () => {
      const iso = new StreamIsolation('peer')
      const first = iso.credentialsFor(A)
      assert.ok(first.username != null && first.username.length > 0)
      assert.ok(first.password != null && first.password.length > 0)
      for (let i = 0; i < 5; i++) assert.deepEqual(iso.credentialsFor(A), first)
      // other ids in between do not change it
      iso.credentialsFor(B)
      assert.deepEqual(iso.credentialsFor(A), first)
    })

    it('gives different credentials to different service ids', () => {
      const iso = new StreamIsolation('peer')
      assert.notEqual(iso.credentialsFor(A).password, iso.credentialsFor(B).password)
      const many = REND_SPEC_EXAMPLES.map(id => iso.credentialsFor(id).password)
      assert.equal(new Set(many).size, many.length)
    })

    it('differs between two instances (two nodes on one tor) for the same id', () => {
      assert.notEqual(new StreamIsolation('peer').credentialsFor(A).password, new StreamIsolation('peer').credentialsFor(A).password)
    })

    it('does not carry the service id in the credentials', () => {
      const { username, password } = new StreamIsolation('peer').credentialsFor(A)
      for (const part of [username, password]) {
        assert.ok(!(part ?? '').includes(A.slice(0, 16)), 'credentials must not reveal the peer')
      }
    })
  })

  describe("'peer': usedBefore and rotate (a stale circuit after the peer restarted)", () => {
    it('reports a group as used once its credentials were handed out, per service id', () => {
      const iso = new StreamIsolation('peer')
      assert.equal(iso.usedBefore(A), false)
      iso.credentialsFor(A)
      assert.equal(iso.usedBefore(A), true)
      assert.equal(iso.usedBefore(B), false)
    })

    it('rotate gives the service id new credentials, kept stable afterwards, and leaves other ids alone', () => {
      const iso = new StreamIsolation('peer')
      const before = iso.credentialsFor(A)
      const other = iso.credentialsFor(B)
      iso.rotate(A)
      assert.equal(iso.usedBefore(A), false, 'a rotated group is fresh')
      const after = iso.credentialsFor(A)
      assert.notEqual(after.password, before.password)
      assert.equal(after.username, before.username)
      assert.deepEqual(iso.credentialsFor(A), after)
      assert.equal(iso.usedBefore(A), true)
      assert.deepEqual(iso.credentialsFor(B), other)
    })

    it('each rotation is a group never seen before', () => {
      const iso = new StreamIsolation('peer')
      const passwords = [iso.credentialsFor(A).password]
      for (let i = 0; i < 10; i++) {
        iso.rotate(A)
        passwords.push(iso.credentialsFor(A).password)
      }
      assert.equal(new Set(passwords).size, passwords.length)
    })

    it("never reports reuse in 'connection' or 'none' mode, and rotate changes nothing there", () => {
      for (const mode of ['connection', 'none'] as const) {
        const iso = new StreamIsolation(mode)
        iso.credentialsFor(A)
        assert.equal(iso.usedBefore(A), false, mode)
        iso.rotate(A)
        assert.equal(iso.usedBefore(A), false, mode)
      }
      const none = new StreamIsolation('none')
      none.rotate(A)
      assert.deepEqual(none.credentialsFor(A), {})
    })
  })

  describe("'connection'", () => {
    it('gives different credentials on every call, even for one service id', () => {
      const iso = new StreamIsolation('connection')
      const passwords = Array.from({ length: 20 }, () => iso.credentialsFor(A).password)
      assert.ok(passwords.every(p => p != null && p.length > 0))
      assert.equal(new Set(passwords).size, passwords.length)
    })

    it('differs between two instances', () => {
      assert.notEqual(new StreamIsolation('connection').credentialsFor(A).password, new StreamIsolation('connection').credentialsFor(A).password)
    })
  })

  describe("'none'", () => {
    it('gives no credentials', () => {
      const iso = new StreamIsolation('none')
      assert.deepEqual(iso.credentialsFor(A), {})
      assert.deepEqual(iso.credentialsFor(B), {})
    })
  })
})
