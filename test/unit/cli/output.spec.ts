import assert from 'node:assert/strict'
import { formatMs, summaryEvent, summaryLines } from '../../../src/cli/commands/dial.js'
import { jsonLine, ms } from '../../../src/cli/json.js'
import { Output, progressBar, useColour } from '../../../src/cli/output.js'
import { median, rttStats } from '../../../src/cli/stats.js'
import type { CliEvent } from '../../../src/cli/json.js'
import type { OutStream } from '../../../src/cli/output.js'

/** A stream that records what is written. */
function sink (isTTY = false): OutStream & { text: () => string } {
  const chunks: string[] = []
  return { isTTY, columns: 80, write: (c: string) => chunks.push(c), text: () => chunks.join('') }
}

const ESC = '\x1b['

describe('cli output: colour', () => {
  it('only on a TTY, never with NO_COLOR (non-empty) or TERM=dumb', () => {
    assert.equal(useColour(sink(true), {}), true)
    assert.equal(useColour(sink(false), {}), false)
    assert.equal(useColour(sink(true), { NO_COLOR: '1' }), false)
    assert.equal(useColour(sink(true), { NO_COLOR: '' }), true)
    assert.equal(useColour(sink(true), { TERM: 'dumb' }), false)
  })

  it('no escape codes at all when the streams are not TTYs', () => {
    const stdout = sink(); const stderr = sink()
    const o = new Output({ json: false, stdout, stderr, env: {} })
    o.progress('bootstrap', 50, 'Loading relay descriptors')
    o.note(`${o.err('green', 'listening')}: reachable`)
    o.error({ exitCode: 3, code: 'TOR_UNREACHABLE', message: 'cannot reach tor' })
    assert.ok(!stdout.text().includes(ESC) && !stderr.text().includes(ESC), JSON.stringify(stderr.text()))
  })

  it('no escape codes with NO_COLOR even on a TTY stdout', () => {
    const stdout = sink(true)
    const o = new Output({ json: false, stdout, stderr: sink(), env: { NO_COLOR: '1' } })
    o.result(o.out('green', 'pong'))
    assert.equal(stdout.text(), 'pong\n')
  })

  it('colours the error prefix on a TTY', () => {
    const stderr = sink(true)
    new Output({ json: false, stdout: sink(), stderr, env: {} }).error({ exitCode: 2, code: 'USAGE', message: 'bad' })
    assert.equal(stderr.text(), `${ESC}31merror:${ESC}0m bad\n`)
  })
})

describe('cli output: progress', () => {
  it('plain lines when stderr is not a TTY, one per change', () => {
    const stderr = sink()
    const o = new Output({ json: false, stdout: sink(), stderr, env: {} })
    o.progress('bootstrap', 10, 'Connecting')
    o.progress('bootstrap', 10, 'Connecting')
    o.progress('bootstrap', 100, 'Done')
    o.progress('publish', null, 'publishing x.onion:7777')
    assert.equal(stderr.text(), 'tor bootstrap 10%: Connecting\ntor bootstrap 100%: Done\npublishing onion service: publishing x.onion:7777\n')
  })

  it('a live bar on a TTY, redrawn in place and cleared before the next line', () => {
    const stderr = sink(true)
    const o = new Output({ json: false, stdout: sink(), stderr, env: { NO_COLOR: '1' } })
    o.progress('bootstrap', 50, 'Loading')
    o.note('next')
    assert.equal(stderr.text(), `\r${ESC}2K${progressBar(50)} tor bootstrap: Loading\r${ESC}2Knext\n`)
  })

  it('the live bar fits the terminal, and assumes 80 columns when the size is unknown (0)', () => {
    for (const [columns, width] of [[40, 39], [0, 79], [undefined, 79]] as const) {
      const stderr = { ...sink(true), columns }
      const chunks: string[] = []
      stderr.write = (c: string) => chunks.push(c)
      new Output({ json: false, stdout: sink(), stderr, env: { NO_COLOR: '1' } }).progress('bootstrap', 50, 'x'.repeat(200))
      assert.equal(chunks.join('').replace(`\r${ESC}2K`, '').length, width, String(columns))
    }
  })

  it('progressBar fills in proportion and clamps', () => {
    assert.equal(progressBar(0, 4), '[----]   0%')
    assert.equal(progressBar(50, 4), '[##--]  50%')
    assert.equal(progressBar(150, 4), '[####] 100%')
    assert.ok(progressBar(null, 4).startsWith('[····]'))
  })
})

describe('cli output: --json lines', () => {
  it('stdout holds only JSON lines; human text goes to stderr; a repeated progress report is dropped', () => {
    const stdout = sink(); const stderr = sink()
    const o = new Output({ json: true, stdout, stderr, env: {} })
    o.progress('bootstrap', 20, 'Handshaking')
    o.progress('bootstrap', 20, 'Handshaking')
    o.result('/onion3/x:7777/p2p/y')
    o.note('a note')
    o.event({ event: 'connection', peerId: '12D3KooW' })
    o.error({ exitCode: 4, code: 'HS_DESC_NOT_FOUND', message: 'descriptor not found (F0)' })
    const lines = stdout.text().trimEnd().split('\n').map(l => JSON.parse(l))
    assert.deepEqual(lines, [
      { event: 'progress', phase: 'bootstrap', percent: 20, message: 'Handshaking' },
      { event: 'connection', peerId: '12D3KooW' },
      { event: 'error', code: 'HS_DESC_NOT_FOUND', exitCode: 4, message: 'descriptor not found (F0)' }
    ])
    assert.match(stderr.text(), /\/onion3\/x:7777\/p2p\/y\n/)
    assert.match(stderr.text(), /a note\n/)
  })

  it('events are ignored in human mode', () => {
    const stdout = sink()
    new Output({ json: false, stdout, stderr: sink(), env: {} }).event({ event: 'connection', peerId: 'p' })
    assert.equal(stdout.text(), '')
  })

  it('jsonLine: one line, field order as documented', () => {
    const events: CliEvent[] = [
      { event: 'listening', multiaddrs: ['/onion3/a:7777/p2p/b'], peerId: 'b', serviceId: 'a', port: 7777, tor: 'attach', timeToReachableMs: 1234.5, publishMs: 1100 },
      { event: 'ping', seq: 1, rttMs: 16.05 },
      { event: 'ping', seq: 2, rttMs: null, code: 'TIMEOUT', message: 'timed out' }
    ]
    for (const e of events) {
      const line = jsonLine(e)
      assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'))
      assert.deepEqual(JSON.parse(line), e)
    }
    assert.equal(jsonLine({ event: 'ping', seq: 1, rttMs: 2 }), '{"event":"ping","seq":1,"rttMs":2}\n')
  })

  it('ms() rounds to 0.01 and keeps null', () => {
    assert.equal(ms(16.0549), 16.05)
    assert.equal(ms(null), null)
    assert.equal(ms(undefined), null)
    assert.equal(ms(NaN), null)
  })
})

describe('cli output: ping statistics', () => {
  it('median of odd and even counts', () => {
    assert.equal(median([3, 1, 2]), 2)
    assert.equal(median([4, 1, 3, 2]), 2.5)
    assert.ok(Number.isNaN(median([])))
  })

  it('min/avg/max/median and loss', () => {
    assert.deepEqual(rttStats(5, [10, 30, 20, 40]), { sent: 5, received: 4, lossPercent: 20, min: 10, avg: 25, max: 40, median: 25 })
    assert.deepEqual(rttStats(3, []), { sent: 3, received: 0, lossPercent: 100, min: null, avg: null, max: null, median: null })
    assert.equal(rttStats(3, [1]).lossPercent, 66.7)
    assert.equal(rttStats(0, []).lossPercent, 0)
    assert.throws(() => rttStats(1, [1, 2]), RangeError)
  })

  it('milliseconds for humans: whole ones without decimals (libp2p ping measures whole ms), others to two', () => {
    assert.equal(formatMs(48), '48')
    assert.equal(formatMs(0), '0')
    assert.equal(formatMs(17.06), '17.06')
    assert.equal(formatMs(830.1), '830.10')
    assert.equal(formatMs(null), '-')
  })

  it('whole-ms pings print as "48 ms" in the summary, and stay numbers in its JSON event', () => {
    const e = summaryEvent({ peerId: 'p', rtts: [48, 52], sent: 2, timeToConnectMs: 900, timeToFirstPongMs: 950, dialMs: 400 })
    assert.equal(e.minRttMs, 48)
    assert.equal(jsonLine(e), '{"event":"summary","peerId":"p","sent":2,"received":2,"lossPercent":0,"minRttMs":48,"avgRttMs":50,"maxRttMs":52,"medianRttMs":50,"timeToConnectMs":900,"timeToFirstPongMs":950,"dialMs":400}\n')
    const lines = summaryLines(e, 'p')
    assert.equal(lines[2], 'rtt min/avg/max/median = 48/50/52/50 ms')
    assert.equal(lines[3], 'time to connect 900 ms (dial 400 ms), time to first pong 950 ms (since start)')
  })

  it('the summary event carries the stats and the connect figures, rounded', () => {
    const e = summaryEvent({ peerId: 'p', rtts: [16.123, 18], sent: 3, timeToConnectMs: 812.444, timeToFirstPongMs: 830.1, dialMs: 402.171 })
    assert.deepEqual(e, {
      event: 'summary', peerId: 'p', sent: 3, received: 2, lossPercent: 33.3,
      minRttMs: 16.12, avgRttMs: 17.06, maxRttMs: 18, medianRttMs: 17.06,
      timeToConnectMs: 812.44, timeToFirstPongMs: 830.1, dialMs: 402.17
    })
    const lines = summaryLines(e, 'p')
    assert.equal(lines[1], '3 pings sent, 2 received, 33.3% loss')
    assert.equal(lines[2], 'rtt min/avg/max/median = 16.12/17.06/18/17.06 ms')
    assert.match(lines[3], /time to connect 812\.44 ms \(dial 402\.17 ms\), time to first pong 830\.10 ms/)
  })
})
