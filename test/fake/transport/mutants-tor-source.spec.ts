/**
 * TorSource opening a real (fake) tor: attached to the fake Tor's control
 * port, and an 'auto' plan that finds no tor and launches one (the fake tor
 * binary, test/fixtures/fake-tor-process.ts). What the transport relies on:
 * a supervised handle unless `reconnect: false` (restarts are survived by
 * default), `managed` true once an auto plan launched its own tor (the
 * listener's default local target depends on it), and close() closing
 * what it opened.
 */
import assert from 'node:assert/strict'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openTor, planTor, SupervisedTor } from '../../../src/tor/index.js'
import { TorSource } from '../../../transports/tor/tor-source.js'
import { startFakeTor } from '../../fixtures/fake-tor.js'
import type { FakeTor } from '../../fixtures/fake-tor.js'

const FAKE_TOR_PROCESS = fileURLToPath(new URL('../../fixtures/fake-tor-process.js', import.meta.url))

describe('TorSource opening a tor (fake Tor)', function () {
  this.timeout(20_000)

  describe('attached to a control port', () => {
    let fake: FakeTor
    beforeEach(async () => { fake = await startFakeTor() })
    afterEach(async () => { await fake.stop() })

    it('is supervised by default (reconnect defaults to true); close() closes the control connection it opened', async () => {
      const source = new TorSource({ control: fake.control, socks: fake.socks })
      const opened = await source.get()
      try {
        assert.ok(opened.handle instanceof SupervisedTor, 'the default is to survive tor restarts')
        assert.equal(opened.owned, true)
        assert.equal(source.managed, false)
      } finally {
        await source.close()
      }
      assert.equal(opened.handle.control.closed, true)
      await fake.controlServer.waitForDisconnect()
    })

    it('reconnect: false gives the plain handle', async () => {
      const source = new TorSource({ control: fake.control, socks: fake.socks, reconnect: false })
      const opened = await source.get()
      try {
        assert.ok(opened.handle != null)
        assert.equal(opened.handle instanceof SupervisedTor, false)
      } finally {
        await source.close()
      }
    })
  })

  describe('close()', () => {
    let fake: FakeTor
    beforeEach(async () => { fake = await startFakeTor() })
    afterEach(async () => { await fake.stop() })

    it('while the tor is still being opened: waits for it, then closes it (nothing is left open)', async () => {
      const source = new TorSource({ control: fake.control, socks: fake.socks })
      const opening = source.get()
      await source.close()
      const opened = await opening
      assert.equal(opened.handle?.control.closed, true, 'the tor opened during close() must be closed by it')
      await fake.controlServer.waitForDisconnect()
    })

    it('stops relaying a given supervised tor\'s down and up, and leaves that tor open', async () => {
      const given = await openTor(planTor({ control: fake.control, socks: fake.socks }), { reconnect: { initialDelayMs: 10, maxDelayMs: 20 } })
      const handle = given.handle as SupervisedTor
      assert.ok(handle instanceof SupervisedTor)
      try {
        const heard: string[] = []
        const source = new TorSource({ tor: handle }, { down: () => { heard.push('down') }, up: () => { heard.push('up') } })
        await source.get()
        assert.equal(handle.listenerCount('down'), 1)
        assert.equal(handle.listenerCount('up'), 1)
        await source.close()
        assert.equal(handle.listenerCount('down'), 0)
        assert.equal(handle.listenerCount('up'), 0)
        assert.equal(handle.control.closed, false, 'a given handle is not closed')
        // the given tor restarts: the closed source hears nothing of it
        const back = new Promise(resolve => handle.once('up', resolve))
        fake.controlServer.drop()
        await back
        assert.deepEqual(heard, [])
      } finally {
        await handle.close()
      }
    })
  })

  describe('an auto plan that launches its own tor', () => {
    let dir: string
    beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'p2p-tor-source-auto-')) })
    afterEach(async () => {
      // never leave a fake tor behind, whatever the test did
      const pid = Number(await readFile(join(dir, 'node', 'tor', 'fake-tor.pid'), 'utf8').catch(() => 'NaN'))
      if (Number.isInteger(pid)) try { process.kill(pid, 'SIGKILL') } catch {}
      await rm(dir, { recursive: true, force: true })
    })

    it('is managed only once opened: the plan could have attached to a running tor instead', async () => {
      const torBinary = join(dir, 'tor')
      await writeFile(torBinary, `#!/bin/sh\nFAKE_TOR_BEHAVIOUR=ok exec "${process.execPath}" "${FAKE_TOR_PROCESS}" "$@"\n`)
      await chmod(torBinary, 0o755)
      const source = new TorSource({ managed: { dataDir: join(dir, 'node'), torBinary, bootstrapTimeoutMs: 10_000 } })
      assert.equal(source.managed, false, 'before opening, an auto plan may still attach')
      const opened = await source.get()
      try {
        // the precondition: no tor answered on /run/tor/control, 127.0.0.1:9051 or :9151
        assert.equal(opened.handle?.mode, 'managed', `this test needs no tor on the default control ports; got ${opened.description}`)
        assert.equal(source.managed, true)
      } finally {
        await source.close()
      }
    })
  })
})
