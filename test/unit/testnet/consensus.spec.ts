import assert from 'node:assert/strict'
import { consensusProblem, countMicrodescs, parseConsensus } from '../../../src/testnet/consensus.js'

// Trimmed from a relay's cached-microdesc-consensus on the private network.
const CONSENSUS = `network-status-version 3 microdesc
vote-status consensus
consensus-method 35
valid-after 2026-11-25 22:59:30
fresh-until 2026-11-25 22:59:40
valid-until 2026-11-25 22:59:50
voting-delay 2 2
known-flags Authority Exit Fast Guard HSDir NoEdConsensus Running Stable StaleDesc Sybil V2Dir Valid
dir-source auth0 605E85BFAF3849620173F7EA1BD6B53A88BE8BF1 127.0.0.1 127.0.0.1 23001 23000
contact auth0@testnet.invalid
r auth0 NKrOIjkx4iceGd78neNs1ae/SSY 2038-01-01 00:00:00 127.0.0.1 23000 23001
m 8C5g8DXarLmnsP2EzQUwY2aLSmIpg5/LrBv5blauWWQ
s Authority Fast Guard HSDir Running Stable V2Dir Valid
v Tor 0.4.9.11
w Bandwidth=159 Unmeasured=1
r relay0 RbR0oxPsZNEw7yfnWQvz14yhwaE 2038-01-01 00:00:00 127.0.0.1 23012 0
m qLohnAyw3GKcm7dgSCR4m4KDNs3G1bem33hAKBYAjx4
s Fast Guard HSDir Running Stable V2Dir Valid
v Tor 0.4.9.11
r auth1 1VXUFL+Mip5RTA+viJ40GGddzZc 2038-01-01 00:00:00 127.0.0.1 23004 23005
m aNkETlE1WQTws95AG154bj07PKI
s Authority Fast Running V2Dir Valid
directory-footer
bandwidth-weights Wbd=0
directory-signature sha256 605E85BFAF3849620173F7EA1BD6B53A88BE8BF1 E8B3
-----BEGIN SIGNATURE-----
-----END SIGNATURE-----
`
const DURING = new Date('2026-11-25T22:59:35Z')

describe('testnet consensus check', () => {
  it('parses validity times and the flags of each router', () => {
    const c = parseConsensus(CONSENSUS)
    assert.equal(c.validAfter?.toISOString(), '2026-11-25T22:59:30.000Z')
    assert.equal(c.validUntil?.toISOString(), '2026-11-25T22:59:50.000Z')
    assert.deepEqual([...c.routers.keys()], ['auth0', 'relay0', 'auth1'])
    assert.ok(c.routers.get('relay0')?.has('HSDir'))
  })

  it('accepts a live consensus listing the routers as Running, Valid, Guard and HSDir', () => {
    assert.equal(consensusProblem(parseConsensus(CONSENSUS), ['auth0', 'relay0'], DURING), undefined)
  })

  it('names the router that lacks a flag, and the flags', () => {
    assert.equal(consensusProblem(parseConsensus(CONSENSUS), ['auth0', 'auth1'], DURING), 'consensus lists auth1 without Guard, HSDir')
  })

  it('names a router the consensus does not list', () => {
    assert.equal(consensusProblem(parseConsensus(CONSENSUS), ['relay1'], DURING), 'consensus does not list relay1')
  })

  it('rejects an expired consensus and an empty file', () => {
    assert.match(consensusProblem(parseConsensus(CONSENSUS), ['auth0'], new Date('2026-11-25T23:00:00Z')) ?? '', /expired/)
    assert.equal(consensusProblem(parseConsensus(''), ['auth0'], DURING), 'no consensus yet')
  })

  it('ignores r/s lines after the footer', () => {
    const c = parseConsensus(`${CONSENSUS}r late x\ns Guard\n`)
    assert.equal(c.routers.has('late'), false)
  })

  it('counts microdescriptors in a cache file', () => {
    const md = '@last-listed 2026-11-25 22:54:07\nonion-key\n-----BEGIN RSA PUBLIC KEY-----\nMIGJ\n-----END RSA PUBLIC KEY-----\nntor-onion-key J+1of5688zhXrbt5utJy0roki37l56qpOh5H/2RL80E\nid ed25519 2Pga6B6KXe1uwSOtscMUn9FRWjVm9K1NpvTSLi7PR0c\n'
    assert.equal(countMicrodescs(md + md + md), 3)
    assert.equal(countMicrodescs(''), 0)
  })
})
