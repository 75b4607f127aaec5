/**
 * waitForBootstrap details the main spec leaves open: a change in any one
 * field (progress, tag, summary, warning) is reported, a 100 % event that
 * arrives while a poll is still outstanding ends the wait, and the abort
 * listener is removed when the wait ends.
 */
import assert from 'node:assert/strict'
import { waitForBootstrap, type BootstrapSource } from '../../../src/control/bootstrap.js'
import type { BootstrapStatus } from '../../../src/control/events.js'

/** A source whose polls never answer; events are pushed by the test. */
function silentSource (): BootstrapSource & { push: (s: BootstrapStatus) => void, polled: number } {
  let onStatus: ((s: BootstrapStatus) => void) | undefined
  const src = {
    polled: 0,
    poll: async () => {
      src.polled++
      return await new Promise<string>(() => {})
    },
    subscribe: (s: (s: BootstrapStatus) => void) => {
      onStatus = s
      return () => { onStatus = undefined }
    },
    push: (s: BootstrapStatus) => onStatus?.(s)
  }
  return src
}

describe('control waitForBootstrap: edge cases', () => {
  it('reports a change in any single field, and an identical status once', async () => {
    const src = silentSource()
    const seen: BootstrapStatus[] = []
    const done = waitForBootstrap(src, { onProgress: s => seen.push(s), timeoutMs: 60_000 })
    const steps: BootstrapStatus[] = [
      { progress: 10, tag: 'a', summary: 's' },
      { progress: 10, tag: 'a', summary: 's' },
      { progress: 11, tag: 'a', summary: 's' },
      { progress: 11, tag: 'b', summary: 's' },
      { progress: 11, tag: 'b', summary: 't' },
      { progress: 11, tag: 'b', summary: 't', warning: 'w' },
      { progress: 11, tag: 'b', summary: 't', warning: 'w' },
      { progress: 100, tag: 'done', summary: 'Done' }
    ]
    for (const s of steps) src.push(s)
    await done
    assert.deepEqual(seen, [steps[0], steps[2], steps[3], steps[4], steps[5], steps[7]])
  })

  it('ends on a 100 % event while the first poll is still unanswered', async () => {
    const src = silentSource()
    const done = waitForBootstrap(src, { timeoutMs: 60_000 })
    await new Promise(resolve => setImmediate(resolve))
    assert.equal(src.polled, 1)
    src.push({ progress: 100, tag: 'done', summary: 'Done' })
    await done
  })

  it('removes its abort listener when it ends', async () => {
    const src = silentSource()
    const ac = new AbortController()
    let listeners = 0
    const add = ac.signal.addEventListener.bind(ac.signal)
    const remove = ac.signal.removeEventListener.bind(ac.signal)
    ac.signal.addEventListener = ((...args: Parameters<typeof add>) => { if (args[0] === 'abort') listeners++; add(...args) }) as typeof add
    ac.signal.removeEventListener = ((...args: Parameters<typeof remove>) => { if (args[0] === 'abort') listeners--; remove(...args) }) as typeof remove
    const done = waitForBootstrap(src, { signal: ac.signal, timeoutMs: 60_000 })
    assert.equal(listeners, 1)
    src.push({ progress: 100, tag: 'done', summary: 'Done' })
    await done
    assert.equal(listeners, 0)
  })
})
