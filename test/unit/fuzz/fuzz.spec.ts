/**
 * `npm run fuzz` in the unit tier, with a small count, so it cannot rot:
 * every parser's fuzz loop runs FUZZ_COUNT inputs (fixed seed) and must find
 * no defect. Then the harness itself, on planted defects: each kind is
 * reported, and its input replays.
 */
import assert from 'node:assert/strict'
import { DEFAULT_HANG_MS, fromHex, makeCase, replayCommand, runBatch, runOne, toHex } from '../../../fuzz/engine.js'
import { mutate, randomCuts, split } from '../../../fuzz/mutate.js'
import { Rng } from '../../../fuzz/prng.js'
import { fuzzTarget, fuzzTargets, loadTargets } from '../../../fuzz/runner.js'
import type { FuzzRunResult } from '../../../fuzz/runner.js'
import type { FuzzTarget } from '../../../fuzz/target.js'
import { loadCorpus } from '../../../fuzz/corpus.js'
import { TARGETS as PLANTED } from './planted.js'

const FUZZ_COUNT = 2000
const FUZZ_SEED = 12
const PLANTED_URL = new URL('./planted.js', import.meta.url).href

function report (r: FuzzRunResult): string {
  return r.defects.map(d => `${d.kind}: ${d.error}\n  ${replayCommand(d)}`).join('\n')
}

describe('fuzz: every parser, a few thousand inputs (npm run fuzz runs 100,000)', function () {
  this.timeout(60_000)
  const names = [
    'onion-service-id', 'onion-id-bytes', 'onion-host-port', 'onion-multiaddr', 'onion-multiaddr-bytes', 'onion-key-file', 'onion-key-blob',
    'control-reply', 'control-reply-capped', 'protocolinfo', 'authchallenge', 'add-onion-reply', 'getinfo-reply',
    'hs-desc-event', 'status-client-event', 'bootstrap-phase', 'control-endpoint', 'control-port-file',
    'host-port', 'socks-endpoint', 'socks-listeners', 'socks-handshake', 'socks-handshake-auth',
    'cli-integer', 'cli-timeout', 'cli-tor-choice', 'cli-data-dir'
  ]

  it('fuzzes every parser the issue lists, each from a seed corpus', async () => {
    const targets = await loadTargets()
    assert.deepEqual(targets.map(t => t.name), names)
    for (const t of targets) assert.ok(loadCorpus(t.corpus).length >= 2, `fuzz/corpus/${t.corpus} has fewer than 2 seeds`)
  })

  // One worker runs them all, one after the other (a worker per parser costs more than its inputs).
  let results: FuzzRunResult[] = []
  before(async function () {
    this.timeout(120_000)
    results = await fuzzTargets(names, { seed: FUZZ_SEED, count: FUZZ_COUNT })
  })

  for (const [i, name] of names.entries()) {
    it(`${name}: ${FUZZ_COUNT} inputs, no defect`, () => {
      const r = results[i]
      assert.equal(r.parser, name)
      assert.equal(r.defects.length, 0, report(r))
      assert.equal(r.counts.inputs, FUZZ_COUNT)
      assert.equal(r.counts.accepted + r.counts.rejected, FUZZ_COUNT)
    })
  }
})

describe('fuzz harness', function () {
  this.timeout(30_000)
  const planted = (name: string): FuzzTarget => PLANTED.find(t => t.name === name) as FuzzTarget

  it('a parser that throws only its typed errors has no defect, and both outcomes are counted', async () => {
    const r = await fuzzTarget('clean', { seed: 1, count: 300, targetsUrl: PLANTED_URL })
    assert.equal(r.defects.length, 0)
    assert.equal(r.counts.inputs, 300)
    assert.ok(r.counts.accepted > 0 && r.counts.rejected > 0, JSON.stringify(r.counts))
  })

  for (const [name, kind, pattern] of [
    ['untyped', 'untyped-error', /^TypeError: planted/],
    ['thrown-string', 'untyped-error', /non-Error was thrown: planted/],
    ['invariant', 'invariant', /planted: a broken round trip/],
    ['invariant-class', 'invariant', /planted/]
  ] as const) {
    it(`reports a ${kind} (${name}) with an input that replays it`, async () => {
      const r = await fuzzTarget(name, { seed: 1, count: 300, maxDefects: 3, targetsUrl: PLANTED_URL })
      assert.equal(r.defects.length, 3)
      for (const d of r.defects) {
        assert.equal(d.kind, kind)
        assert.match(d.error, pattern)
        assert.equal(fromHex(d.input).length % 5, 1)
        const again = runOne(planted(name), { data: fromHex(d.input), cuts: d.cuts })
        assert.equal(again.outcome, 'defect')
        assert.deepEqual(makeCase(planted(name), [], d.seed, d.index).data, fromHex(d.input), 'seed and index rebuild the input')
      }
    })
  }

  it('stops a parser that never returns, reports the input as a hang, and carries on with the next input', async () => {
    const r = await fuzzTarget('hang', { seed: 3, count: 40, hangMs: 250, watchdogMs: 1000, maxDefects: 2, targetsUrl: PLANTED_URL })
    assert.equal(r.defects.length, 2)
    for (const d of r.defects) {
      assert.equal(d.kind, 'hang')
      assert.equal(fromHex(d.input).length % 5, 1)
    }
    assert.ok(r.defects[1].index > r.defects[0].index)
  })

  it('in one worker for several parsers, a hang in one leaves the others whole', async () => {
    const [clean, hang, after] = await fuzzTargets(['clean', 'hang', 'untyped'], { seed: 3, count: 30, hangMs: 250, watchdogMs: 1000, maxDefects: 1, targetsUrl: PLANTED_URL })
    assert.deepEqual([clean.parser, clean.counts.inputs, clean.defects.length], ['clean', 30, 0])
    assert.deepEqual([hang.parser, hang.defects.map(d => d.kind)], ['hang', ['hang']])
    assert.deepEqual([after.parser, after.defects.map(d => d.kind)], ['untyped', ['untyped-error']])
  })

  it('reports a worker that dies as a crash, and carries on', async () => {
    const r = await fuzzTarget('crash', { seed: 4, count: 60, maxDefects: 2, targetsUrl: PLANTED_URL })
    assert.deepEqual(r.defects.map(d => d.kind), ['crash', 'crash'])
    assert.match(r.defects[0].error, /code 7/)
  })

  it('an input slower than the limit twice is a hang (a clock that jumps 5 s per reading, no real time)', () => {
    let t = 0
    const { counts, defects } = runBatch(planted('clean'), { seed: 5, start: 0, count: 10, corpus: [], now: () => (t += 5000) })
    assert.equal(counts.inputs, 10)
    assert.equal(defects.length, 10)
    assert.ok(defects.every(d => d.kind === 'hang' && d.error.includes(`limit ${DEFAULT_HANG_MS} ms`)))
  })

  it('an input slow once but fast when run again is no defect (a GC pause, a busy machine)', () => {
    const readings = [0, 5000, 0, 1]
    let i = 0
    const { counts, defects } = runBatch(planted('clean'), { seed: 5, start: 0, count: 1, corpus: [], now: () => readings[i++] })
    assert.equal(defects.length, 0)
    assert.equal(counts.inputs, 1)
  })

  it('builds the same input from the same seed and index, starting with the corpus entries as they are', () => {
    const target = planted('clean')
    const corpus = [Uint8Array.of(1, 2, 3), Uint8Array.of(4)]
    assert.deepEqual(makeCase(target, corpus, 9, 0).data, corpus[0])
    assert.deepEqual(makeCase(target, corpus, 9, 1).data, corpus[1])
    for (let index = 2; index < 50; index++) {
      assert.deepEqual(makeCase(target, corpus, 9, index), makeCase(target, corpus, 9, index))
    }
    const distinct = new Set(Array.from({ length: 50 }, (_, i) => toHex(makeCase(target, corpus, 9, i + 2).data)))
    assert.ok(distinct.size > 10, `only ${distinct.size} distinct inputs`)
  })

  it('mutations stay within the length cap, and chunks put back together are the input', () => {
    const corpus = [new TextEncoder().encode('250-version=0.4.9.11\r\n250 OK\r\n'), Uint8Array.of(5, 0, 5, 0xf6)]
    for (let i = 0; i < 500; i++) {
      const rng = Rng.forInput(7, 'mutate', i)
      const out = mutate(rng, corpus[i % 2], corpus, { maxLength: 40, dictionary: ['650 '] })
      assert.ok(out.length <= 40)
      const cuts = randomCuts(rng, out.length)
      assert.ok(cuts.every((c, k) => c > 0 && c < out.length && (k === 0 || c > cuts[k - 1])))
      assert.equal(toHex(Buffer.concat(split(out, cuts))), toHex(out))
    }
  })

  it('prints a replay command that names the parser, the hex input and the cuts', () => {
    assert.equal(replayCommand({ parser: 'control-reply', input: '0a0b', cuts: [1] }), 'npm run fuzz -- --parser control-reply --input 0a0b --cuts 1')
    assert.equal(replayCommand({ parser: 'host-port', input: '', cuts: [] }), 'npm run fuzz -- --parser host-port --input ""')
  })
})
