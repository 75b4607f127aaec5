/**
 * ChatStore and loadStoreKey: round trip (get, put, del, batch, entries with
 * prefix, limit, reverse, gt), a wrong key refused at open, a value damaged
 * or moved on disk refused by name, no plaintext on disk, 0600 key and salt
 * files (and a readable one refused), passphrases, and switching modes.
 */
import assert from 'node:assert/strict'
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { InvalidParametersError } from '@libp2p/interface'
import { ChatStore, loadStoreKey, STORE_CHECK_KEY } from '../../../src/chat/store.js'
import { StoreCorruptError, StoreKeyError, StoreKeyModeError, StoreUnavailableError } from '../../../src/chat/core-errors.js'
import { KeyFileError } from '../../../src/onion/errors.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const MARKER = 'PLAINTEXT-MARKER-7f3a9c-should-never-reach-the-disk'

async function collect (it: AsyncIterable<[string, Uint8Array]>): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = []
  for await (const [k, v] of it) out.push([k, new TextDecoder().decode(v)])
  return out
}

async function filesUnder (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name))
  }
  return out
}

/** Rewrites the raw stored value of `key` with `change` (the store must be closed). */
async function rawEdit (dir: string, change: (db: ClassicLevel<string, Uint8Array>) => Promise<void>): Promise<void> {
  const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
  await db.open()
  try {
    await change(db)
  } finally {
    await db.close()
  }
}

describe('chat store', function () {
  this.timeout(30000)
  let root: string
  const opened: ChatStore[] = []

  async function openStore (dir: string, key: Uint8Array): Promise<ChatStore> {
    const s = await ChatStore.open(dir, key)
    opened.push(s)
    return s
  }

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'p2p-tor-chatstore-'))
  })

  afterEach(async () => {
    await Promise.all(opened.splice(0).map(async s => { await s.close() }))
    await rm(root, { recursive: true, force: true })
  })

  it('round trips get, put, del and batch', async () => {
    const key = await loadStoreKey(root)
    const s = await openStore(join(root, 'chat.db'), key)
    assert.equal(await s.get('c/1'), undefined)
    await s.put('c/1', text('one'))
    assert.deepEqual(await s.get('c/1'), text('one'))
    await s.put('c/1', text('uno'))
    assert.deepEqual(await s.get('c/1'), text('uno'))
    await s.batch([{ type: 'put', key: 'c/2', value: text('two') }, { type: 'del', key: 'c/1' }, { type: 'put', key: 'c/3', value: new Uint8Array() }])
    assert.equal(await s.get('c/1'), undefined)
    assert.deepEqual(await s.get('c/2'), text('two'))
    assert.deepEqual(await s.get('c/3'), new Uint8Array())
    await s.del('c/2')
    assert.equal(await s.get('c/2'), undefined)
    // survives a reopen
    await s.close()
    const again = await openStore(join(root, 'chat.db'), key)
    assert.deepEqual(await again.get('c/3'), new Uint8Array())
  })

  it('a batch with a bad op writes nothing', async () => {
    const s = await openStore(join(root, 'chat.db'), await loadStoreKey(root))
    await assert.rejects(s.batch([{ type: 'put', key: 'a', value: text('x') }, { type: 'put', key: STORE_CHECK_KEY, value: text('y') }]), InvalidParametersError)
    assert.equal(await s.get('a'), undefined)
  })

  it('lists entries by prefix, with limit, reverse and gt, never the check record', async () => {
    const s = await openStore(join(root, 'chat.db'), await loadStoreKey(root))
    for (const k of ['m/a/1', 'm/a/2', 'm/a/3', 'm/b/1', 'm/a', 'n/1', 'm/a/\u{1F600}']) await s.put(k, text(k))
    assert.deepEqual((await collect(s.entries('m/a/'))).map(e => e[0]), ['m/a/1', 'm/a/2', 'm/a/3', 'm/a/\u{1F600}'])
    assert.deepEqual(await collect(s.entries('m/a/', { limit: 2 })), [['m/a/1', 'm/a/1'], ['m/a/2', 'm/a/2']])
    assert.deepEqual((await collect(s.entries('m/a/', { reverse: true, limit: 2 }))).map(e => e[0]), ['m/a/\u{1F600}', 'm/a/3'])
    assert.deepEqual((await collect(s.entries('m/a/', { gt: 'm/a/1' }))).map(e => e[0]), ['m/a/2', 'm/a/3', 'm/a/\u{1F600}'])
    assert.deepEqual((await collect(s.entries('m/a/', { gt: 'm/a/2', reverse: true }))).map(e => e[0]), ['m/a/\u{1F600}', 'm/a/3'])
    assert.deepEqual((await collect(s.entries('m/a/', { gt: 'a' }))).length, 4)
    assert.deepEqual(await collect(s.entries('m/a/', { limit: 0 })), [])
    assert.deepEqual((await collect(s.entries(''))).map(e => e[0]), ['m/a', 'm/a/1', 'm/a/2', 'm/a/3', 'm/a/\u{1F600}', 'm/b/1', 'n/1'])
  })

  it('refuses a wrong key at open with StoreKeyError, and a random key file from elsewhere', async () => {
    const dir = join(root, 'chat.db')
    const s = await ChatStore.open(dir, await loadStoreKey(root))
    await s.put('x', text('y'))
    await s.close()
    const other = await loadStoreKey(join(root, 'other'))
    await assert.rejects(ChatStore.open(dir, other), (err: unknown) => {
      assert.ok(err instanceof StoreKeyError)
      assert.equal(err.message, `wrong passphrase or store.key for ${dir}: the store's check record does not open with this key; give the passphrase (or the store.key) this store was made with`)
      return true
    })
    // the refused open released the database: the right key opens it
    const ok = await openStore(dir, await loadStoreKey(root))
    assert.deepEqual(await ok.get('x'), text('y'))
  })

  it('refuses a value changed on disk, or moved to another key, naming the key', async () => {
    const dir = join(root, 'chat.db')
    const key = await loadStoreKey(root)
    const s = await ChatStore.open(dir, key)
    await s.put('r/1', text('first'))
    await s.put('r/2', text('second'))
    await s.put('r/3', text('third'))
    await s.close()
    await rawEdit(dir, async db => {
      const v = await db.get('r/1')
      assert.ok(v != null)
      const bad = new Uint8Array(v)
      bad[bad.length - 1] ^= 1
      await db.put('r/1', bad)
      await db.put('r/2', (await db.get('r/3')) ?? new Uint8Array())
    })
    const t = await openStore(dir, key)
    for (const k of ['r/1', 'r/2']) {
      await assert.rejects(t.get(k), (err: unknown) => {
        assert.ok(err instanceof StoreCorruptError)
        assert.equal(err.key, k)
        assert.ok(!err.message.includes('first') && !err.message.includes('third'))
        return true
      })
    }
    assert.deepEqual(await t.get('r/3'), text('third'))
    await assert.rejects(collect(t.entries('r/')), StoreCorruptError)
  })

  it('writes no plaintext to disk: the marker value is in no file of the store', async () => {
    const dir = join(root, 'chat.db')
    const s = await ChatStore.open(dir, await loadStoreKey(root))
    await s.put('v/1', text(MARKER))
    await s.batch([{ type: 'put', key: 'v/2', value: text(MARKER) }])
    await s.close()
    const files = await filesUnder(root)
    assert.ok(files.some(f => f.endsWith('.log') || f.endsWith('.ldb')), 'the store wrote its data files')
    for (const f of files) {
      const bytes = await readFile(f)
      assert.ok(!bytes.includes(MARKER), `${f} contains the plaintext`)
      assert.ok(!bytes.includes(MARKER.slice(0, 16)), `${f} contains part of the plaintext`)
    }
    // and the scan would see it: the record's key is stored in the clear
    assert.ok((await Promise.all(files.map(async f => (await readFile(f)).includes('v/1')))).some(Boolean))
  })

  it('makes store.key once, mode 0600, and refuses one that group or others can read', async () => {
    const a = await loadStoreKey(root)
    assert.equal(a.length, 32)
    assert.equal((await stat(join(root, 'store.key'))).mode & 0o777, 0o600)
    assert.deepEqual(await loadStoreKey(root), a)
    await chmod(join(root, 'store.key'), 0o644)
    await assert.rejects(loadStoreKey(root), (err: unknown) => err instanceof KeyFileError && err.reason === 'permissions')
    await chmod(join(root, 'store.key'), 0o600)
    await writeFile(join(root, 'store.key'), new Uint8Array(31), { mode: 0o600 })
    await assert.rejects(loadStoreKey(root), (err: unknown) => err instanceof KeyFileError && err.reason === 'truncated')
  })

  it('derives the key from a passphrase with a 0600 store.salt made once', async () => {
    const a = await loadStoreKey(root, { passphrase: 'correct horse battery staple' })
    assert.equal((await stat(join(root, 'store.salt'))).mode & 0o777, 0o600)
    assert.equal((await stat(join(root, 'store.salt'))).size, 16)
    assert.deepEqual(await loadStoreKey(root, { passphrase: 'correct horse battery staple' }), a)
    const dir = join(root, 'chat.db')
    const s = await ChatStore.open(dir, a)
    await s.put('k', text('v'))
    await s.close()
    const wrong = await loadStoreKey(root, { passphrase: 'correct horse battery stapler' })
    assert.notDeepEqual(wrong, a)
    await assert.rejects(ChatStore.open(dir, wrong), StoreKeyError)
    const t = await openStore(dir, await loadStoreKey(root, { passphrase: 'correct horse battery staple' }))
    assert.deepEqual(await t.get('k'), text('v'))
    // another directory has its own salt, so the same passphrase makes another key
    assert.notDeepEqual(await loadStoreKey(join(root, 'other'), { passphrase: 'correct horse battery staple' }), a)
    await assert.rejects(loadStoreKey(root, { passphrase: '' }), InvalidParametersError)
  })

  it('says clearly when a directory is switched between key file and passphrase', async () => {
    await loadStoreKey(join(root, 'k'))
    await assert.rejects(loadStoreKey(join(root, 'k'), { passphrase: 'p' }), (err: unknown) => err instanceof StoreKeyModeError && err.mode === 'keyfile' && /random key in store\.key/.test(err.message))
    await loadStoreKey(join(root, 'p'), { passphrase: 'p' })
    await assert.rejects(loadStoreKey(join(root, 'p')), (err: unknown) => err instanceof StoreKeyModeError && err.mode === 'passphrase' && /give the passphrase/.test(err.message))
  })

  it('refuses a second open of the same directory and use after close', async () => {
    const dir = join(root, 'chat.db')
    const key = await loadStoreKey(root)
    const s = await openStore(dir, key)
    await assert.rejects(ChatStore.open(dir, key), StoreUnavailableError)
    await s.close()
    await s.close()
    await assert.rejects(s.get('a'), StoreUnavailableError)
    await assert.rejects(ChatStore.open(dir, new Uint8Array(16)), InvalidParametersError)
  })
})
