/**
 * One cheap pass of the benchmark (bench/suite.ts with 1 sample each, 1 MB
 * transfers, 2 peers, 4 streams; messaging with 3 members, 2 samples, 20
 * flood messages, 1 sealed and 1 plain flood for m5; 50 seals and opens
 * per 1 KiB sealing row, 3 per 1 MiB row; chat with 3 direct messages and 2
 * through the mailbox) on the e2e tier's private network, so `npm run bench`
 * cannot rot. No timing assertions: only that every measurement produced a
 * number.
 */
import assert from 'node:assert/strict'
import { SMOKE, runSuite } from '../../bench/suite.js'
import { getTestnet } from './fixture.js'

describe('e2e: bench smoke (npm run bench with 1 sample each)', function () {
  // the messaging rows add a hub, its members and a baseline pair: ~1–2 minutes more; the chat rows ~15 s
  this.timeout(540_000)

  it('runs every measurement, p2p-tor and raw Tor, and each produces a number', async () => {
    const net = await getTestnet()
    const lines: string[] = []
    const { rows, errors } = await runSuite(net.clients[0], net.clients[1], { ...SMOKE, log: line => { lines.push(line) } }, net.clients)
    console.log(lines.map(l => `      ${l.trim()}`).join('\n'))

    assert.deepEqual(rows.map(r => r.id), ['1', '2', '3', '3b', '4↓', '4↑', '5', '6', '7a', '7b', 'm1', 'm2', 'm3', 'm4', 'm5', 's1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 'c1', 'c2', 'c2b'])
    for (const row of rows) {
      assert.ok(Number.isFinite(row.p2p.median), `row ${row.id} (${row.name}): p2p-tor gave ${row.p2p.median}; failed calls: ${errors.p2p.join('; ')}`)
      if (row.id !== '5' && row.id !== 'm3' && !/^s\d$/.test(row.id) && row.id !== 'c2' && row.id !== 'c2b') {
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

    // m5: every sealed and plain flood reached every subscriber, and none of the sealed ones was dropped
    const m5 = rows.find(r => r.id === 'm5')
    const sealed = m('m5')
    assert.equal(m5?.p2p.n, SMOKE.sealedPairs, `row m5: ${JSON.stringify(sealed)}`)
    assert.equal(m5?.raw?.n, SMOKE.sealedPairs, `row m5: ${JSON.stringify(sealed)}`)
    assert.ok(Number.isFinite(m5?.ratio) && (m5?.ratio ?? 0) > 0, `row m5 ratio ${String(m5?.ratio)}`)
    assert.equal(sealed.incompleteFloods, 0, `row m5 detail: ${JSON.stringify(sealed)}`)
    assert.equal(sealed.recipients, SMOKE.members - 1)
    assert.equal(sealed.dropped, undefined, `row m5 detail: ${JSON.stringify(sealed)}`)
    assert.equal(typeof m5?.met, 'boolean')
    assert.ok(Number.isFinite(sealed.membersCpuMsPerMsgSealed) && Number.isFinite(sealed.membersCpuMsPerMsgPlain), `row m5 detail: ${JSON.stringify(sealed)}`)

    // s1–s8: seal then open, 1 KiB and 1 MiB, to 1 and 10: each timed run gave a number
    const expected = [[1024, 1], [1024, 10], [1048576, 1], [1048576, 10]]
    for (let i = 0; i < 8; i++) {
      const row = rows.find(r => r.id === `s${i + 1}`)
      const [bytes, recipients] = expected[i >> 1]
      assert.equal(row?.detail?.bytes, bytes, `row s${i + 1}: ${JSON.stringify(row?.detail)}`)
      assert.equal(row?.detail?.recipients, recipients)
      assert.equal(row?.p2p.n, bytes === 1024 ? SMOKE.sealRuns : SMOKE.sealRunsLarge, `row s${i + 1}: ${JSON.stringify(row?.detail)}`)
      assert.ok((row?.p2p.median ?? 0) > 0 && Number.isFinite(row?.detail?.p95))
      assert.ok(Number(row?.detail?.overheadBytes) > 0 && Number(row?.detail?.overheadBytes) < 2048, `row s${i + 1}: ${JSON.stringify(row?.detail)}`)
      // the goal is judged on the 1 KiB, 1-recipient rows only
      assert.equal(typeof row?.met, i < 2 ? 'boolean' : 'undefined')
    }

    // c1–c2b: every chat message timed arrived (at bob, at the mailbox), and bob got each c2 message once
    const c1 = rows.find(r => r.id === 'c1')
    assert.equal(c1?.p2p.n, SMOKE.chatMessages, `row c1: ${JSON.stringify(c1?.detail)}`)
    assert.equal(c1?.raw?.n, SMOKE.chatMessages, `row c1 floor: ${JSON.stringify(c1?.detail)}`)
    assert.ok(Number.isFinite(c1?.ratio) && Number.isFinite(m('c1').p90), `row c1: ${JSON.stringify(c1?.detail)}`)
    assert.equal(m('c1').errors, undefined, `chat samples failed: ${JSON.stringify(m('c1'))}`)
    assert.equal(rows.find(r => r.id === 'c2')?.p2p.n, SMOKE.chatMailboxMessages, `row c2: ${JSON.stringify(m('c2'))}`)
    const back = m('c2b')
    assert.equal(back.received, SMOKE.chatMailboxMessages, `row c2b: ${JSON.stringify(back)}`)
    assert.equal(back.duplicates, 0, `row c2b: ${JSON.stringify(back)}`)
    assert.ok(Number(back.viaMailbox) > 0 && Number.isFinite(back.startMs) && Number.isFinite(back.fetchMs), `row c2b: ${JSON.stringify(back)}`)
  })
})
