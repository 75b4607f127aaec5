/**
 * The builder's state file on a real directory: bounded lists, atomic 0600
 * writes, and a damaged file refused.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BuilderState } from '../../../src/webhook/state.js'

const sig = (n: number): string => 'sha256=' + n.toString(16).padStart(64, '0')

describe('webhook builder state file', () => {
  let dir: string

  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'p2p-tor-state-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('starts empty without a file, and writes lastId, deliveries and signatures atomically with mode 0600', async () => {
    const s = await BuilderState.open(join(dir, 'data'), 'state.json', 10)
    assert.equal(s.lastId, undefined)
    assert.equal(s.hasBuilt('d-1'), false)
    s.addBuilt(['d-1'], [sig(1)])
    s.setLastId('00ff')
    await s.save()
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'data', 'state.json'), 'utf8')), { version: 1, built: ['d-1'], signatures: [sig(1)], lastId: '00ff' })
    assert.equal((await stat(join(dir, 'data', 'state.json'))).mode & 0o777, 0o600)
    assert.deepEqual(await readdir(join(dir, 'data')), ['state.json'])
    const again = await BuilderState.open(join(dir, 'data'), 'state.json', 10)
    assert.equal(again.lastId, '00ff')
    assert.equal(again.hasBuilt('d-1'), true)
    assert.equal(again.hasBuiltBody(sig(1)), true)
    assert.equal(again.hasBuiltBody(sig(2)), false)
  })

  it('forgets the oldest past the window; a re-added id counts as new', async () => {
    const s = await BuilderState.open(dir, 'state.json', 2)
    s.addBuilt(['a', 'b'], [sig(1), sig(2)])
    s.addBuilt(['a'], [sig(1)])
    s.addBuilt(['c'], [sig(3)])
    assert.deepEqual(['a', 'b', 'c'].map(d => s.hasBuilt(d)), [true, false, true])
    assert.deepEqual([1, 2, 3].map(n => s.hasBuiltBody(sig(n))), [true, false, true])
    await s.save()
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')).built, ['a', 'c'])
  })

  it('keeps only the newest entries of a file written with a larger window', async () => {
    await writeFile(join(dir, 'state.json'), JSON.stringify({ version: 1, built: ['a', 'b', 'c'], signatures: [] }))
    const s = await BuilderState.open(dir, 'state.json', 2)
    assert.deepEqual(['a', 'b', 'c'].map(d => s.hasBuilt(d)), [false, true, true])
  })

  for (const [what, text] of [
    ['not JSON', '{"version": 1'],
    ['another version', JSON.stringify({ version: 2, built: [] })],
    ['an unknown field', JSON.stringify({ version: 1, built: [], extra: 1 })],
    ['a malformed signature', JSON.stringify({ version: 1, built: [], signatures: ['sha1=00'] })],
    ['a lastId that is not hex', JSON.stringify({ version: 1, built: [], lastId: '../x' })]
  ]) {
    it(`refuses a file with ${what} with WebhookStateError naming the file`, async () => {
      await writeFile(join(dir, 'state.json'), text)
      await assert.rejects(BuilderState.open(dir, 'state.json', 10), (err: Error & { path?: string }) => {
        assert.equal(err.name, 'WebhookStateError')
        assert.equal(err.path, join(dir, 'state.json'))
        assert.match(err.message, /damaged or from another version; move it away/)
        return true
      })
    })
  }

  it('reports a read and a write that fail with WebhookStateError', async () => {
    await writeFile(join(dir, 'file'), '')
    await assert.rejects(BuilderState.open(join(dir, 'file'), 'state.json', 10), { name: 'WebhookStateError', message: /cannot read .*ENOTDIR/ })
    const s = await BuilderState.open(join(dir, 'later'), 'state.json', 10)
    // the data directory turns into a file before the first write
    await writeFile(join(dir, 'later'), '')
    await assert.rejects(s.save(), { name: 'WebhookStateError', message: /cannot write .*check the data directory/ })
  })
})
