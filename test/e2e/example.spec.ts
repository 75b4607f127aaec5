/**
 * Runs examples/library.ts (compiled) against the private network, so the
 * library example in the README cannot rot.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { getTestnet } from './fixture.js'

const run = promisify(execFile)

describe('e2e: the examples (examples/library.ts, examples/messaging.ts, examples/webhook.ts)', function () {
  this.timeout(120_000)

  it('listens with tor() in a plain createLibp2p config and answers a ping over Tor', async () => {
    const net = await getTestnet()
    const [a, b] = net.clients
    const script = fileURLToPath(new URL('../../examples/library.js', import.meta.url))
    const { stdout } = await run(process.execPath, [script, `127.0.0.1:${a.controlPort}`, `127.0.0.1:${a.socksPort}`, a.cookieFile], {
      env: { ...process.env, P2P_TOR_DIAL_SOCKS: `127.0.0.1:${b.socksPort}` },
      timeout: 110_000,
      killSignal: 'SIGKILL'
    })
    assert.match(stdout, /will listen on \/onion3\/([a-z2-7]{56}):7777/)
    const planned = /will listen on (\S+)/.exec(stdout)?.[1]
    assert.match(stdout, new RegExp(`listening on ${planned ?? '?'}/p2p/12D3Koo`))
    assert.match(stdout, /ping over Tor: \d+ ms/)
  })

  it('examples/messaging.ts: a hub and two dial-only members publish, subscribe, call, and see a refusal', async () => {
    const net = await getTestnet()
    const [h, a, b] = net.clients
    const script = fileURLToPath(new URL('../../examples/messaging.js', import.meta.url))
    const arg = (c: typeof h): string => `127.0.0.1:${c.controlPort},${c.cookieFile}`
    const { stdout } = await run(process.execPath, [script, arg(h), arg(a), arg(b)], {
      env: { ...process.env, P2P_TOR_SOCKS_0: `127.0.0.1:${h.socksPort}`, P2P_TOR_SOCKS_1: `127.0.0.1:${a.socksPort}`, P2P_TOR_SOCKS_2: `127.0.0.1:${b.socksPort}` },
      timeout: 170_000,
      killSignal: 'SIGKILL'
    })
    assert.match(stdout, /hub listening on \/onion3\/[a-z2-7]{56}:7777\/p2p\/12D3Koo/)
    assert.match(stdout, /bob received 21\.5 °C from 12D3Koo/)
    assert.match(stdout, /alice called sensors\.reset: reset probe-7/)
    assert.match(stdout, /bob's publish refused: publish on sensors\.temperature/)
  }).timeout(180_000)

  it('examples/webhook.ts: a signed push through the relay and the hub runs the hidden builder\'s command', async () => {
    const net = await getTestnet()
    const [h, r, b] = net.clients
    const script = fileURLToPath(new URL('../../examples/webhook.js', import.meta.url))
    const arg = (c: typeof h): string => `127.0.0.1:${c.controlPort},${c.cookieFile}`
    const { stdout } = await run(process.execPath, [script, arg(h), arg(r), arg(b)], {
      env: { ...process.env, P2P_TOR_SOCKS_0: `127.0.0.1:${h.socksPort}`, P2P_TOR_SOCKS_1: `127.0.0.1:${r.socksPort}`, P2P_TOR_SOCKS_2: `127.0.0.1:${b.socksPort}` },
      timeout: 170_000,
      killSignal: 'SIGKILL'
    })
    assert.match(stdout, /hub listening on \/onion3\/[a-z2-7]{56}:7777\/p2p\/12D3Koo/)
    assert.match(stdout, /relay listening on http:\/\/127\.0\.0\.1:\d+\/webhook\/github/)
    assert.match(stdout, /GitHub's POST answered 202/)
    assert.match(stdout, /the build finished: exit 0/)
    assert.match(stdout, /the command ran for commit [0-9a-f]{40} \(the pushed one\)/)
  }).timeout(180_000)
})
