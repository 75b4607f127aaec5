import assert from 'node:assert/strict'
import { waitForBootstrap, type BootstrapSource } from '../../../src/control/bootstrap.js'
import { ControlConnectionClosedError, ControlProtocolError, TorBootstrapTimeoutError } from '../../../src/control/errors.js'
import type { BootstrapStatus } from '../../../src/control/events.js'

const phase = (p: number, tag = 'conn', summary = 'Connecting to a relay'): string => `NOTICE BOOTSTRAP PROGRESS=${p} TAG=${tag} SUMMARY="${summary}"`
const status = (p: number, tag = 'conn', summary = 'Connecting to a relay'): BootstrapStatus => ({ progress: p, tag, summary })

/** A scripted source: poll answers come from a list (the last repeats); events are pushed by the test. */
function source (polls: string[]): BootstrapSource & { polled: number, push: (s: BootstrapStatus) => void, end: (err: Error) => void, subscribed: boolean } {
  let onStatus: ((s: BootstrapStatus) => void) | undefined
  let onEnd: ((err: Error) => void) | undefined
  const src = {
    polled: 0,
    subscribed: false,
    poll: async () => polls[Math.min(src.polled++, polls.length - 1)],
    subscribe: (s: (s: BootstrapStatus) => void, e: (err: Error) => void) => {
      onStatus = s
      onEnd = e
      src.subscribed = true
      return () => { src.subscribed = false }
    },
    push: (s: BootstrapStatus) => onStatus?.(s),
    end: (err: Error) => onEnd?.(err)
  }
  return src
}

describe('control waitForBootstrap', () => {
  it('returns after the first poll when tor is already at 100 %', async () => {
    const src = source([phase(100, 'done', 'Done')])
    const seen: BootstrapStatus[] = []
    await waitForBootstrap(src, { onProgress: s => seen.push(s) })
    assert.equal(src.polled, 1)
    assert.deepEqual(seen, [status(100, 'done', 'Done')])
    assert.equal(src.subscribed, false)
  })

  it('returns on a 100 % event between polls, reporting each change once', async () => {
    const src = source([phase(5)])
    const seen: BootstrapStatus[] = []
    const done = waitForBootstrap(src, { onProgress: s => seen.push(s) })
    await new Promise(resolve => setImmediate(resolve))
    src.push(status(5))
    src.push(status(50, 'loading_descriptors', 'Loading relay descriptors'))
    src.push(status(100, 'done', 'Done'))
    await done
    assert.deepEqual(seen.map(s => s.progress), [5, 50, 100])
    assert.equal(src.subscribed, false)
  })

  it('re-polls, so a missed final event cannot make it hang', async function () {
    this.timeout(10_000)
    const src = source([phase(5), phase(100, 'done', 'Done')])
    await waitForBootstrap(src, { timeoutMs: 8_000 })
    assert.equal(src.polled, 2)
  })

  it('times out with the last progress, tag, summary and warning', async () => {
    const src = source([`WARN BOOTSTRAP PROGRESS=5 TAG=conn SUMMARY="Connecting to a relay" WARNING="Connection refused" REASON=CONNECTREFUSED`])
    const p = waitForBootstrap(src, { timeoutMs: 50 })
    await assert.rejects(p, (err: Error) => err instanceof TorBootstrapTimeoutError &&
      err.progress === 5 && err.tag === 'conn' && err.summary === 'Connecting to a relay' && err.warning === 'Connection refused' &&
      /5%.*Connection refused/.test(err.message))
    assert.equal(src.subscribed, false)
  })

  it('stops when aborted, with the signal reason', async () => {
    const src = source([phase(5)])
    const ac = new AbortController()
    const p = waitForBootstrap(src, { signal: ac.signal })
    ac.abort(new Error('stop now'))
    await assert.rejects(p, /stop now/)
    await assert.rejects(waitForBootstrap(source([phase(100)]), { signal: ac.signal }), /stop now/)
  })

  it('stops when the source ends', async () => {
    const src = source([phase(5)])
    const p = waitForBootstrap(src)
    src.end(new ControlConnectionClosedError('waitForBootstrap'))
    await assert.rejects(p, ControlConnectionClosedError)
  })

  it('fails on a poll answer that is not a bootstrap status', async () => {
    await assert.rejects(waitForBootstrap(source(['garbage'])), ControlProtocolError)
  })
})
