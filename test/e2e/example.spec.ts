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

describe('e2e: examples/library.ts', function () {
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
})
