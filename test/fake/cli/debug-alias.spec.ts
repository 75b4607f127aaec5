/**
 * `DEBUG=p2p-tor*` enables p2p-tor's logs (namespaces libp2p:tor:*) in the
 * real executable: bin.js as a subprocess, dialing through a fake Tor.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateOnionKey } from '../../../src/onion/index.js'
import { startFakeTor } from '../../fixtures/fake-tor.js'
import type { FakeTor } from '../../fixtures/fake-tor.js'

const BIN = fileURLToPath(new URL('../../../src/cli/bin.js', import.meta.url))

/** Runs bin.js to its end (bounded by `ms`), returning exit code and stderr. */
async function runBin (args: string[], env: Record<string, string>, ms = 15_000): Promise<{ code: number | null, stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, ms)
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  clearTimeout(timer)
  return { code, stderr }
}

describe('CLI DEBUG=p2p-tor* alias (bin.js subprocess, fake Tor)', function () {
  this.timeout(30_000)
  let fake: FakeTor
  let dir: string

  beforeEach(async () => {
    fake = await startFakeTor()
    dir = await mkdtemp(join(tmpdir(), 'p2p-tor-debug-'))
  })
  afterEach(async () => {
    await fake.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('DEBUG=p2p-tor* shows the libp2p:tor:socks log lines of a dial', async () => {
    const args = ['dial', `/onion3/${generateOnionKey().serviceId}:7777`, '--tor-socks', `${fake.socks.host}:${fake.socks.port}`, '--data-dir', dir, '--count', '1']
    const r = await runBin(args, { DEBUG: 'p2p-tor*' })
    assert.equal(r.code, 4, r.stderr)
    assert.match(r.stderr, /libp2p:tor:socks connecting to/)
  })
})
