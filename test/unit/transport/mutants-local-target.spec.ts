/**
 * Where tor delivers a listener's inbound streams (transport.ts, the
 * `localTarget` choice): 'unix' for a tor this process launched (same user,
 * same machine), 'tcp' for one it attached to, unless the init says which.
 * The four mutants of that line survived the third triage.
 */
import assert from 'node:assert/strict'
import { TorTransport } from '../../../transports/tor/transport.js'
import { fakeLogger } from './fake-logger.js'
import type { TorHandle } from '../../../src/tor/index.js'

function targetFor (mode: 'managed' | 'attached', localTarget?: 'unix' | 'tcp' | 'auto'): string {
  const handle = { mode, socks: { host: '127.0.0.1', port: 9050 }, control: {} } as unknown as TorHandle
  const t = new TorTransport({ logger: fakeLogger() }, { tor: handle, ...(localTarget != null ? { localTarget } : {}) })
  const listener = t.createListener({ upgrader: {} as any }) as unknown as { ctx: { localTarget: string } }
  return listener.ctx.localTarget
}

describe('tor() transport: the local target of its listeners', () => {
  it('is a unix socket for a tor it launched, TCP on loopback for one it attached to', () => {
    assert.equal(targetFor('managed'), 'unix')
    assert.equal(targetFor('attached'), 'tcp')
    assert.equal(targetFor('managed', 'auto'), 'unix')
    assert.equal(targetFor('attached', 'auto'), 'tcp')
  })

  it('is what the init names, whichever tor it is', () => {
    assert.equal(targetFor('managed', 'tcp'), 'tcp')
    assert.equal(targetFor('attached', 'unix'), 'unix')
  })
})
