/**
 * TorSource's answers that come from the plan alone, before any tor is
 * opened: whether the tor is (or will be) one this process launches, which
 * decides the listener's default local target (unix for a managed tor),
 * and whether start() should launch it.
 */
import assert from 'node:assert/strict'
import { TorSource } from '../../../transports/tor/tor-source.js'
import type { TorHandle } from '../../../src/tor/index.js'

const handle = (mode: string): TorHandle => ({ mode }) as unknown as TorHandle

describe('TorSource: managed and launchesOnStart from the plan', () => {
  const cases: Array<[label: string, init: ConstructorParameters<typeof TorSource>[0], managed: boolean, launches: boolean]> = [
    ['a managed handle', { tor: handle('managed') }, true, false],
    ['an attached handle', { tor: handle('attach') }, false, false],
    ['SOCKS only', { socks: '127.0.0.1:9050' }, false, false],
    ['control and SOCKS endpoints', { control: '127.0.0.1:9051', socks: '127.0.0.1:9050' }, false, false],
    ['launch: always', { launch: 'always', managed: { dataDir: '/tmp/p2p-tor-x' } }, true, true],
    ['torrc lines', { managed: { dataDir: '/tmp/p2p-tor-x', torrcLines: ['Log notice stdout'] } }, true, true],
    ['auto with managed options', { managed: { dataDir: '/tmp/p2p-tor-x' } }, false, true],
    ['auto without managed options', {}, false, false]
  ]
  for (const [label, init, managed, launches] of cases) {
    it(`${label}: managed ${String(managed)}, launches on start ${String(launches)}`, () => {
      const source = new TorSource(init)
      assert.equal(source.managed, managed)
      assert.equal(source.launchesOnStart, launches)
    })
  }
})
