import assert from 'node:assert/strict'
import { bootstrapMessage } from '../../../src/cli/bootstrap-line.js'

describe('cli bootstrap progress line', () => {
  const at = { progress: 14, tag: 'handshake', summary: 'Handshaking with a relay' }

  it('is tor\'s summary, then the seconds waited and tor\'s latest warning when known', () => {
    assert.equal(bootstrapMessage(at), 'Handshaking with a relay')
    assert.equal(bootstrapMessage({ ...at, warning: 'Connection refused' }), 'Handshaking with a relay (Connection refused)')
    assert.equal(bootstrapMessage({ ...at, elapsedMs: 45_400 }), 'Handshaking with a relay (45 s)')
    assert.equal(bootstrapMessage({ ...at, elapsedMs: 45_600, warning: 'Problem bootstrapping. Stuck at 14%' }), 'Handshaking with a relay (46 s; Problem bootstrapping. Stuck at 14%)')
  })
})
