/**
 * Onion client authorization (v3) end to end: a node published with
 * tor({ clientAuthV3 }) cannot be reached by a client tor that lacks the
 * matching x25519 key (F4), and can be once the key is added with
 * ONION_CLIENT_AUTH_ADD.
 */
import assert from 'node:assert/strict'
import { x25519 } from '@noble/curves/ed25519.js'
import { createTorNode } from '../../src/node.js'
import { base32Encode } from '../../src/onion/base32.js'
import { generateOnionKey } from '../../src/onion/index.js'
import { attachTor } from '../../src/tor/index.js'
import { getTestnet } from './fixture.js'
import { torOptions } from './helpers.js'
import type { TorNode } from '../../src/node.js'
import type { TorHandle } from '../../src/tor/index.js'

describe('e2e: onion client authorization (ClientAuthV3)', function () {
  this.timeout(120_000)

  let listener: TorNode | undefined
  let dialer: TorNode | undefined
  let torB: TorHandle | undefined
  let serviceId = ''

  after(async () => {
    if (torB != null && serviceId !== '') await torB.control.onionClientAuthRemove(serviceId).catch(() => {})
    await dialer?.stop()
    await listener?.stop()
    await torB?.close()
  })

  it('refuses a client without the key (F4), and admits it once the key is added', async () => {
    const net = await getTestnet()
    const clientSecret = x25519.utils.randomSecretKey()
    // 32 bytes are 52 base32 characters: encode 35 (a multiple of 5) and keep 52
    const clientPublic = base32Encode(new Uint8Array([...x25519.getPublicKey(clientSecret), 0, 0, 0])).slice(0, 52).toUpperCase()

    const key = generateOnionKey()
    serviceId = key.serviceId
    listener = await createTorNode({ ...torOptions(net.clients[0]), key, clientAuthV3: [clientPublic] })
    const addr = listener.getMultiaddrs()[0]

    torB = await attachTor(torOptions(net.clients[1]))
    dialer = await createTorNode({ tor: torB })

    const err = await dialer.dial(addr).then(() => undefined, (e: any) => e)
    assert.ok(err != null, 'an unauthorized client must not connect')
    const names = [err.name, err.cause?.name, ...(err.errors ?? []).map((e: Error) => e.name)]
    assert.ok(names.includes('OnionClientAuthMissingError'), `expected F4 (OnionClientAuthMissingError), got ${names.join(', ')}: ${err.message}`)

    await torB.control.onionClientAuthAdd(key.serviceId, Buffer.from(clientSecret).toString('base64'))
    const rtt = await dialer.services.ping.ping(addr)
    assert.ok(Number.isFinite(rtt))
  })
})
