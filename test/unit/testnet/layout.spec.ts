import assert from 'node:assert/strict'
import { InvalidTestnetOptionsError } from '../../../src/testnet/errors.js'
import { nodePorts, planNodes } from '../../../src/testnet/layout.js'

describe('testnet layout', () => {
  it('plans 3 authorities, the relays, then the clients, 4 ports each', () => {
    const nodes = planNodes({ basePort: 17000, relays: 1, clients: 2 })
    assert.deepEqual(nodes.map(n => `${n.name}:${n.role}`), ['auth0:authority', 'auth1:authority', 'auth2:authority', 'relay0:relay', 'client0:client', 'client1:client'])
    assert.deepEqual(nodes[0], { name: 'auth0', role: 'authority', orPort: 17000, dirPort: 17001, controlPort: 17002 })
    assert.deepEqual(nodes[3], { name: 'relay0', role: 'relay', orPort: 17012, controlPort: 17014 })
    assert.deepEqual(nodes[5], { name: 'client1', role: 'client', controlPort: 17022, socksPort: 17023 })
  })

  it('never gives two nodes the same port', () => {
    const ports = planNodes({ basePort: 20000, relays: 3, clients: 5 }).flatMap(nodePorts)
    assert.equal(new Set(ports).size, ports.length)
    assert.ok(ports.every(p => p >= 20000 && p < 20000 + 11 * 4))
  })

  it('refuses fewer than 1 relay or client, and ports past 65535', () => {
    assert.throws(() => planNodes({ basePort: 17000, relays: 0, clients: 2 }), InvalidTestnetOptionsError)
    assert.throws(() => planNodes({ basePort: 17000, relays: 1, clients: 0 }), InvalidTestnetOptionsError)
    assert.throws(() => planNodes({ basePort: 65530, relays: 1, clients: 2 }), /base port must be an integer from 1024 to 65512/)
    assert.throws(() => planNodes({ basePort: 80, relays: 1, clients: 2 }), InvalidTestnetOptionsError)
    assert.throws(() => planNodes({ basePort: 17000.5, relays: 1, clients: 2 }), InvalidTestnetOptionsError)
  })
})
