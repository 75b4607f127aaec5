/**
 * The terminal progress bar and the checks on an offer from a peer.
 */
import assert from 'node:assert/strict'
import { InvalidParametersError } from '@libp2p/interface'
import { checkOffer, progressBar } from '../../../src/chat/files.js'

describe('progressBar', () => {
  it('draws the bar, the percentage and the amounts in a unit chosen by the total', () => {
    assert.equal(progressBar(6.2e6, 20e6), `[${'#'.repeat(9)}${'.'.repeat(21)}]  31%  6.2/20.0 MB`)
    assert.equal(progressBar(500, 2000, 10), '[##........]  25%  0.5/2.0 kB')
    assert.equal(progressBar(12, 100, 4), '[....]  12%  12/100 B')
    assert.equal(progressBar(3e9, 3e9, 5), '[#####] 100%  3.0/3.0 GB')
  })

  it('clamps what is out of range and treats an empty file as done', () => {
    assert.equal(progressBar(0, 0, 3), '[###] 100%  0/0 B')
    assert.equal(progressBar(-5, 10, 2), '[..]   0%  0/10 B')
    assert.equal(progressBar(50, 10, 2), '[##] 100%  10/10 B')
    assert.equal(progressBar(Number.NaN, 10, 2), '[..]   0%  0/10 B')
    assert.equal(progressBar(1, 2, 0).length, progressBar(1, 2).length)
  })
})

describe('checkOffer', () => {
  const good = { id: new Uint8Array(16), name: 'a.txt', size: 10, sha256: new Uint8Array(32) }

  it('accepts a well-formed offer', () => {
    checkOffer(good)
  })

  it('refuses a wrong-sized id or hash, a size that is not a whole number of bytes, an overlong name', () => {
    for (const bad of [
      { ...good, id: new Uint8Array(15) },
      { ...good, sha256: new Uint8Array(31) },
      { ...good, size: -1 },
      { ...good, size: 1.5 },
      { ...good, size: 2 ** 53 },
      { ...good, name: 'x'.repeat(5000) }
    ]) {
      assert.throws(() => { checkOffer(bad) }, InvalidParametersError)
    }
  })
})
