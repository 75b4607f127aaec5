/**
 * One cheap pass of the benchmark (bench/suite.ts with 1 sample each, 1 MB
 * transfers, 2 peers, 4 streams; messaging with 3 members, 2 samples, 20
 * flood messages) on the e2e tier's private network, so `npm run bench`
 * cannot rot. No timing assertions: only that every measurement produced a
 * number.
 */
import assert from 'node:assert/strict'
import { SMOKE, runSuite } from '../../bench/suite.js'
import { getTestnet } from './fixture.js'

describe('e2e: bench smoke (npm run bench with 1 sample each)', function () {
  // the messaging rows add a hub, its members and a baseline pair: ~1–2 minutes more
  this.timeout(480_000)

  it('runs every measurement, p2p-tor and raw Tor, and each produces a number', async () => {
    const net = await getTestnet()
    const lines: string[] = []
    const { rows, errors } = await runSuite(net.clients[0], net.clients[1], { ...SMOKE, log: line => { lines.push(line) } }, net.clients)
    console.log(lines.map(l => `      ${l.trim()}`).join('\n'))

    assert.deepEqual(rows.map(r => r.id), ['1', '2', '3', '3b', '4↓', '4↑', '5', '6', '7a', '7b', 'm1', 'm2', 'm3', 'm4'])
    for (const row of rows) {
      assert.ok(Number.isFinite(row.p2p.median), `row ${row.id} (${row.name}): p2p-tor gave ${row.p2p.median}; failed calls: ${errors.p2p.join('; ')}`)
      if (row.id !== '5' && row.id !== 'm3') {
        assert.ok(Number.isFinite(row.raw?.median), `row ${row.id} (${row.name}): raw Tor gave ${String(row.raw?.median)}; failed calls: ${errors.raw.join('; ')}`)
      }
    }
    const peers = rows.find(r => r.id === '5')?.detail ?? {}
    assert.ok(Number.isFinite(peers.connected) && Number.isFinite(peers.hubRssAfterMB), `row 5 detail: ${JSON.stringify(peers)}`)
    const streams = rows.find(r => r.id === '6')?.detail ?? {}
    assert.ok(Number.isFinite(streams.p2pErrors) && Number.isFinite(streams.rawErrors), `row 6 detail: ${JSON.stringify(streams)}`)
    assert.ok(Array.isArray(errors.p2p) && Array.isArray(errors.raw))

    // messaging: every sample arrived, the flood reached every subscriber, the hub saw every member
    const m = (id: string): Record<string, unknown> => rows.find(r => r.id === id)?.detail ?? {}
    for (const id of ['m1', 'm2']) {
      const row = rows.find(r => r.id === id)
      assert.equal(row?.p2p.n, SMOKE.msgSamples, `row ${id}: ${JSON.stringify(row?.detail)}`)
      assert.equal(row?.raw?.n, SMOKE.msgSamples, `row ${id} baseline: ${JSON.stringify(row?.detail)}`)
      assert.ok(Number.isFinite(m(id).p95) && Number.isFinite(row?.ratio), `row ${id} detail: ${JSON.stringify(m(id))}`)
    }
    assert.equal(m('m1').errors, undefined, `messaging samples failed: ${JSON.stringify(m('m1'))}`)
    const flood = m('m3')
    assert.equal(flood.published, SMOKE.floodMessages, `row m3 detail: ${JSON.stringify(flood)}`)
    assert.equal(flood.complete, SMOKE.floodMessages, `row m3 detail: ${JSON.stringify(flood)}`)
    assert.equal(flood.subscribers, SMOKE.members - 1)
    assert.ok(Number.isFinite(flood.hubCpuMsPerMsg) && Number.isFinite(flood.hubCpuPercent) && Number.isFinite(flood.hubTorCpuPercent), `row m3 detail: ${JSON.stringify(flood)}`)
    const rss = m('m4')
    assert.equal(rss.members, SMOKE.members, `row m4 detail: ${JSON.stringify(rss)}`)
    assert.equal(rss.hubPeers, SMOKE.members, `row m4 detail: ${JSON.stringify(rss)}`)
  })
})
