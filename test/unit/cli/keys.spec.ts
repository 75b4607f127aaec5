/**
 * `p2p-tor keys`: show, rotate, export-card and import-card through main(),
 * on temp data dirs (no tor, no network).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../../src/cli/main.js'

interface Run { code: number, stdout: string, stderr: string }

async function run (argv: string[]): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    env: {},
    stdout: { write: (s: string) => { stdout += s } },
    stderr: { write: (s: string) => { stderr += s } },
    signal: new AbortController().signal
  })
  return { code, stdout, stderr }
}

describe('cli: p2p-tor keys', function () {
  this.timeout(20_000)
  let a: string
  let b: string

  before(() => {
    a = mkdtempSync(join(tmpdir(), 'p2p-tor-keys-a-'))
    b = mkdtempSync(join(tmpdir(), 'p2p-tor-keys-b-'))
  })
  after(() => {
    rmSync(a, { recursive: true, force: true })
    rmSync(b, { recursive: true, force: true })
  })

  it('show creates the sealing key (0600) and prints the PeerId, a 30-digit fingerprint and the card; it is stable', async () => {
    const r = await run(['keys', 'show', '--data-dir', a, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const e = JSON.parse(r.stdout)
    assert.equal(e.event, 'keys')
    assert.match(e.peerId, /^12D3KooW/)
    assert.match(e.fingerprint, /^(\d{5} ){5}\d{5}$/)
    assert.match(e.card, /^p2p-tor-card:[A-Za-z0-9_-]+$/)
    assert.equal(statSync(join(a, 'seal-x25519.key')).mode & 0o777, 0o600)
    const again = JSON.parse((await run(['keys', 'show', '--data-dir', a, '--json'])).stdout)
    assert.equal(again.fingerprint, e.fingerprint)
    assert.equal(again.card, e.card)
  })

  it('rotate changes the key and the fingerprint, not the PeerId, and says how long the old key still opens', async () => {
    const before = JSON.parse((await run(['keys', 'show', '--data-dir', a, '--json'])).stdout)
    const r = await run(['keys', 'rotate', '--data-dir', a, '--grace', '30', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const e = JSON.parse(r.stdout)
    assert.equal(e.event, 'keys-rotated')
    assert.equal(e.graceMs, 30_000)
    assert.equal(e.peerId, before.peerId)
    assert.notEqual(e.fingerprint, before.fingerprint)
    assert.notEqual(e.keyId, before.keyId)
  })

  it('export-card then import-card (checked against --peer) keeps the card in the other data dir', async () => {
    const exported = await run(['keys', 'export-card', '--data-dir', a])
    assert.equal(exported.code, 0)
    const card = exported.stdout.trim()
    const peer = JSON.parse((await run(['keys', 'show', '--data-dir', a, '--json'])).stdout).peerId
    const r = await run(['keys', 'import-card', card, '--peer', peer, '--data-dir', b, '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(JSON.parse(r.stdout).peerId, peer)
    assert.deepEqual(readdirSync(join(b, 'cards')), [`${peer}.card`])
  })

  it('import-card refuses a damaged card, and a card of another peer than --peer, with exit 2', async () => {
    const card = (await run(['keys', 'export-card', '--data-dir', a])).stdout.trim()
    const damaged = card.slice(0, -6) + (card.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA')
    const r1 = await run(['keys', 'import-card', damaged, '--data-dir', b, '--json'])
    assert.equal(r1.code, 2)
    assert.equal(JSON.parse(r1.stdout).code, 'USAGE')
    const other = JSON.parse((await run(['keys', 'show', '--data-dir', b, '--json'])).stdout).peerId
    const r2 = await run(['keys', 'import-card', card, '--peer', other, '--data-dir', b])
    assert.equal(r2.code, 2)
    assert.match(r2.stderr, /not a valid key card of 12D3KooW/)
  })
})
