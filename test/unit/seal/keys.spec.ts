/**
 * The sealing key file: created 0600 and atomically, loaded again unchanged,
 * refused when group/others can read it or when damaged; rotation keeps the
 * old key exactly for its grace period (injected clock, no sleeps).
 */
import assert from 'node:assert/strict'
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { KeyFileError } from '../../../src/onion/errors.js'
import { open, seal } from '../../../src/seal/envelope.js'
import { NotARecipientError } from '../../../src/seal/errors.js'
import { makeCard } from '../../../src/seal/card.js'
import { DEFAULT_SEAL_KEY_GRACE_MS, loadOrCreateSealKeys, loadSealKeyFile, MAX_PREVIOUS_SEAL_KEYS, rotateSealKeys, SEAL_KEY_FILE, SealKeyRing, generateSealKeyPair } from '../../../src/seal/keys.js'
import { ReplayGuard } from '../../../src/seal/replay.js'
import { hex, member, T0 } from '../../fixtures/seal/members.js'

const posix = process.platform !== 'win32'

describe('sealing key file', function () {
  this.timeout(20000)
  let dir: string

  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'p2p-tor-seal-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('creates the file with mode 0600 in a 0700 directory it makes, leaving no temporary file', async () => {
    const sub = join(dir, 'data')
    const ring = await loadOrCreateSealKeys(sub, { now: T0 })
    assert.equal(ring.current.created, T0)
    assert.equal(ring.previous.length, 0)
    assert.deepEqual(await readdir(sub), [SEAL_KEY_FILE])
    if (posix) {
      assert.equal((await stat(join(sub, SEAL_KEY_FILE))).mode & 0o777, 0o600)
      assert.equal((await stat(sub)).mode & 0o777, 0o700)
    }
  })

  it('loads the same keys again, and does not rewrite the file', async () => {
    const a = await loadOrCreateSealKeys(dir, { now: T0 })
    const before = await readFile(join(dir, SEAL_KEY_FILE))
    const b = await loadOrCreateSealKeys(dir, { now: T0 + 1 })
    assert.equal(hex(b.current.privateKey), hex(a.current.privateKey))
    assert.equal(hex(b.current.publicKey), hex(a.current.publicKey))
    assert.equal(b.current.created, T0)
    assert.deepEqual(await readFile(join(dir, SEAL_KEY_FILE)), before)
  })

  it('two concurrent creators end up with one key', async () => {
    const [a, b] = await Promise.all([loadOrCreateSealKeys(dir), loadOrCreateSealKeys(dir)])
    assert.equal(hex(a.current.publicKey), hex(b.current.publicKey))
    assert.deepEqual(await readdir(dir), [SEAL_KEY_FILE])
  })

  it('refuses a file group or others can read, saying to chmod 600', async () => {
    await loadOrCreateSealKeys(dir)
    await chmod(join(dir, SEAL_KEY_FILE), 0o644)
    await assert.rejects(loadOrCreateSealKeys(dir), (err: unknown) => {
      assert.ok(err instanceof KeyFileError)
      assert.equal(err.reason, 'permissions')
      assert.match(err.message, /chmod 600/)
      return true
    })
  })

  it('refuses a damaged file instead of replacing it', async () => {
    const path = join(dir, SEAL_KEY_FILE)
    await writeFile(path, new Uint8Array([0xff, 0xff, 0xff]), { mode: 0o600 })
    await assert.rejects(loadOrCreateSealKeys(dir), (err: unknown) => err instanceof KeyFileError && err.reason === 'corrupt')
    await writeFile(path, new Uint8Array(0), { mode: 0o600 })
    await assert.rejects(loadOrCreateSealKeys(dir), (err: unknown) => err instanceof KeyFileError && err.reason === 'truncated')
    await writeFile(path, new Uint8Array(5000), { mode: 0o600 })
    await assert.rejects(loadOrCreateSealKeys(dir), (err: unknown) => err instanceof KeyFileError && err.reason === 'corrupt')
    await assert.rejects(loadSealKeyFile(join(dir, 'absent')), (err: unknown) => err instanceof KeyFileError && err.reason === 'missing')
  })

  it('never shows key bytes through inspect, console or JSON', async () => {
    const ring = await loadOrCreateSealKeys(dir)
    const priv = hex(ring.current.privateKey)
    for (const shown of [inspect(ring), inspect(ring.current), JSON.stringify(ring.current), JSON.stringify({ ring: ring.current }), String(inspect(ring, { depth: 5 }))]) {
      assert.ok(!shown.includes(priv), shown)
      assert.ok(!shown.includes(Buffer.from(ring.current.privateKey).toString('base64')), shown)
    }
    assert.match(inspect(ring.current), new RegExp(hex(ring.current.keyId)))
  })

  it('rotation: a new current key; the old one is kept with an expiry of now + grace (default 10 min)', async () => {
    const first = await loadOrCreateSealKeys(dir, { now: T0 })
    const rotated = await rotateSealKeys(dir, { now: T0 + 1000 })
    assert.notEqual(hex(rotated.current.publicKey), hex(first.current.publicKey))
    assert.equal(rotated.current.created, T0 + 1000)
    assert.equal(rotated.previous.length, 1)
    assert.equal(hex(rotated.previous[0].publicKey), hex(first.current.publicKey))
    assert.equal(rotated.previous[0].expires, T0 + 1000 + DEFAULT_SEAL_KEY_GRACE_MS)
    // it is on disk, 0600
    const loaded = await loadOrCreateSealKeys(dir, { now: T0 + 2000 })
    assert.equal(hex(loaded.current.publicKey), hex(rotated.current.publicKey))
    assert.equal(loaded.previous[0].expires, T0 + 1000 + DEFAULT_SEAL_KEY_GRACE_MS)
    if (posix) assert.equal((await stat(join(dir, SEAL_KEY_FILE))).mode & 0o777, 0o600)
  })

  it('openingKeys: current + previous until the grace ends, then current only', async () => {
    await loadOrCreateSealKeys(dir, { now: T0 })
    const ring = await rotateSealKeys(dir, { now: T0, graceMs: 60_000 })
    assert.equal(ring.openingKeys(T0).length, 2)
    assert.equal(ring.openingKeys(T0 + 59_999).length, 2)
    assert.deepEqual(ring.openingKeys(T0 + 60_000).map(k => hex(k.keyId)), [hex(ring.current.keyId)])
  })

  it('the old key opens messages sealed to it until the grace ends, the new key after; then only the new', async () => {
    const alice = await member(1)
    const bobIdentity = (await member(2)).identity
    const bobPeer = (await member(2)).peerId
    const oldRing = await loadOrCreateSealKeys(dir, { now: T0 })
    const oldCard = await makeCard(bobIdentity, oldRing.current)
    const ring = await rotateSealKeys(dir, { now: T0 + 1000, graceMs: 60_000 })
    const newCard = await makeCard(bobIdentity, ring.current)
    const context = { kind: 'topic' as const, name: 't' }
    const toOld = await seal({ payload: new Uint8Array([1]), context, sender: { peerId: alice.peerId, keys: alice.keys }, recipients: [oldCard], seq: 1, time: T0 + 30_000 })
    const toNew = await seal({ payload: new Uint8Array([2]), context, sender: { peerId: alice.peerId, keys: alice.keys }, recipients: [newCard], seq: 2, time: T0 + 30_000 })
    const opener = (now: number) => async (bytes: Uint8Array) => await open(bytes, { context, me: { peerId: bobPeer, keys: ring }, senderCard: () => alice.card, replay: new ReplayGuard(), now })
    // during the grace period (it ends at T0 + 61000) both open
    assert.deepEqual((await opener(T0 + 60_999)(toOld)).payload, new Uint8Array([1]))
    assert.deepEqual((await opener(T0 + 60_999)(toNew)).payload, new Uint8Array([2]))
    // after it, only the new key; the old one is reported as a stale key of ours
    const after = opener(T0 + 61_000)
    assert.deepEqual((await after(toNew)).payload, new Uint8Array([2]))
    await assert.rejects(after(toOld), (err: unknown) => err instanceof NotARecipientError && err.staleKey)
  })

  it('rotation drops expired previous keys and keeps at most MAX_PREVIOUS_SEAL_KEYS', async () => {
    await loadOrCreateSealKeys(dir, { now: T0 })
    let ring = await rotateSealKeys(dir, { now: T0, graceMs: 10 })
    ring = await rotateSealKeys(dir, { now: T0 + 100, graceMs: 1000 })
    // the first retired key expired at T0 + 10: gone
    assert.equal(ring.previous.length, 1)
    for (let i = 0; i < MAX_PREVIOUS_SEAL_KEYS + 3; i++) ring = await rotateSealKeys(dir, { now: T0 + 200 + i, graceMs: 1_000_000 })
    assert.equal(ring.previous.length, MAX_PREVIOUS_SEAL_KEYS)
    // newest retired first
    assert.ok(ring.previous.every((k, i) => i === 0 || (k.created < ring.previous[i - 1].created)))
  })

  it('a new key is always newer than the one it replaces, even if the clock stepped back', async () => {
    await loadOrCreateSealKeys(dir, { now: T0 + 5000 })
    const ring = await rotateSealKeys(dir, { now: T0 })
    assert.equal(ring.current.created, T0 + 5001)
  })

  it('refuses a bad grace period, and a ring whose current key has an expiry', async () => {
    await assert.rejects(rotateSealKeys(dir, { graceMs: -1 }), RangeError)
    const k = generateSealKeyPair(T0)
    assert.throws(() => new SealKeyRing({ ...k, expires: T0 }), RangeError)
    assert.throws(() => new SealKeyRing(k, [k]), RangeError)
  })
})
