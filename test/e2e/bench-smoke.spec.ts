/**
 * One cheap pass of the benchmark (bench/suite.ts with 1 sample each, 1 MB
 * transfers, 2 peers, 4 streams) on the e2e tier's private network, so
 * `npm run bench` cannot rot. No timing assertions: only that every
 * measurement produced a number.
 */
import assert from 'node:assert/strict'
import { SMOKE, runSuite } from '../../bench/suite.js'
import { getTestnet } from './fixture.js'

describe('e2e: bench smoke (npm run bench with 1 sample each)', function () {
  this.timeout(240_000)

  it('runs every measurement, p2p-tor and raw Tor, and each produces a number', async () => {
    const net = await getTestnet()
    const lines: string[] = []
    const { rows, errors } = await runSuite(net.clients[0], net.clients[1], { ...SMOKE, log: line => { lines.push(line) } })
    console.log(lines.map(l => `      ${l.trim()}`).join('\n'))

    assert.deepEqual(rows.map(r => r.id), ['1', '2', '3', '3b', '4↓', '4↑', '5', '6', '7a', '7b'])
    for (const row of rows) {
      assert.ok(Number.isFinite(row.p2p.median), `row ${row.id} (${row.name}): p2p-tor gave ${row.p2p.median}; failed calls: ${errors.p2p.join('; ')}`)
      if (row.id !== '5') {
        assert.ok(Number.isFinite(row.raw?.median), `row ${row.id} (${row.name}): raw Tor gave ${String(row.raw?.median)}; failed calls: ${errors.raw.join('; ')}`)
      }
    }
    const peers = rows.find(r => r.id === '5')?.detail ?? {}
    assert.ok(Number.isFinite(peers.connected) && Number.isFinite(peers.hubRssAfterMB), `row 5 detail: ${JSON.stringify(peers)}`)
    const streams = rows.find(r => r.id === '6')?.detail ?? {}
    assert.ok(Number.isFinite(streams.p2pErrors) && Number.isFinite(streams.rawErrors), `row 6 detail: ${JSON.stringify(streams)}`)
    assert.ok(Array.isArray(errors.p2p) && Array.isArray(errors.raw))
  })
})
