/**
 * File names from a peer: path traversal, NUL and control characters, bidi
 * overrides, Windows' reserved names, long names cut at code points, NFC,
 * empty names; a property over any string; uniquePath never overwrites and
 * refuses a symlinked directory.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { UnsafeDirectoryError } from '../../../src/chat/file-errors.js'
import { MAX_FILENAME_BYTES, sanitizeFilename, uniquePath } from '../../../src/chat/filename.js'

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8')

describe('sanitizeFilename', function () {
  this.timeout(10_000) // the property's generation is the slow part on a shared machine

  it('keeps only the last path segment, for / and \\ alike', () => {
    assert.equal(sanitizeFilename('../../etc/passwd'), 'passwd')
    assert.equal(sanitizeFilename('..\\..\\x'), 'x')
    assert.equal(sanitizeFilename('/etc/shadow'), 'shadow')
    assert.equal(sanitizeFilename('C:\\Windows\\System32\\cmd.exe'), 'cmd.exe')
    assert.equal(sanitizeFilename('\\\\server\\share\\report.pdf'), 'report.pdf')
    assert.equal(sanitizeFilename('a/b/'), 'b')
    assert.equal(sanitizeFilename('photos/../../..'), 'file')
  })

  it('drops NUL, control characters and bidi overrides', () => {
    assert.equal(sanitizeFilename('a\u0000b.txt'), 'ab.txt')
    assert.equal(sanitizeFilename('evil\u0000/../x'), 'x')
    assert.equal(sanitizeFilename('a\u0007\u001b[31mb\r\n.txt'), 'a[31mb.txt')
    assert.equal(sanitizeFilename('del\u007f\u0085.txt'), 'del.txt')
    // shown as "invoiceexe.txt" by a bidi-aware terminal
    assert.equal(sanitizeFilename('invoice\u202etxt.exe'), 'invoicetxt.exe')
  })

  it('strips leading dots and spaces and trailing dots and spaces', () => {
    assert.equal(sanitizeFilename('.bashrc'), 'bashrc')
    assert.equal(sanitizeFilename('...hidden.txt'), 'hidden.txt')
    assert.equal(sanitizeFilename('  report.pdf'), 'report.pdf')
    assert.equal(sanitizeFilename('notes.txt. . '), 'notes.txt')
  })

  it('prefixes Windows reserved device names, with or without an extension, in any case', () => {
    for (const name of ['CON', 'con', 'PRN', 'AUX', 'NUL', 'COM1', 'com9', 'LPT1', 'lpt9']) {
      assert.equal(sanitizeFilename(name), `_${name}`)
    }
    assert.equal(sanitizeFilename('nul.txt'), '_nul.txt')
    assert.equal(sanitizeFilename('Com1.tar.gz'), '_Com1.tar.gz')
    assert.equal(sanitizeFilename('CON.'), '_CON')
    assert.equal(sanitizeFilename('console.txt'), 'console.txt')
    assert.equal(sanitizeFilename('COM10'), 'COM10')
  })

  it('replaces the characters Windows forbids', () => {
    assert.equal(sanitizeFilename('what?<now>:"a|b"*.txt'), 'what__now___a_b__.txt')
  })

  it('cuts long names to 200 UTF-8 bytes between code points, keeping the extension', () => {
    const ascii = sanitizeFilename(`${'x'.repeat(300)}.txt`)
    assert.equal(bytes(ascii), MAX_FILENAME_BYTES)
    assert.ok(ascii.endsWith('x.txt'))
    const accented = sanitizeFilename('é'.repeat(150)) // 2 bytes each
    assert.equal(accented, 'é'.repeat(100))
    const emoji = sanitizeFilename(`${'😀'.repeat(70)}.png`) // 4 bytes each: 49 fit beside .png
    assert.equal(emoji, `${'😀'.repeat(49)}.png`)
    const three = sanitizeFilename('€'.repeat(80)) // 3 bytes each: 66 fit, 198 bytes
    assert.equal(three, '€'.repeat(66))
    assert.ok(!sanitizeFilename(`${'a'.repeat(199)}😀`).includes('\ufffd'))
  })

  it('normalises to NFC and replaces lone surrogates', () => {
    const decomposed = 'Cafe\u0301.txt'
    assert.equal(sanitizeFilename(decomposed), 'Caf\u00e9.txt')
    assert.equal(sanitizeFilename('\ud800x'), '\ufffdx')
    assert.equal(sanitizeFilename('日本語のファイル.txt'), '日本語のファイル.txt')
  })

  it('names an empty result "file"', () => {
    for (const name of ['', '.', '..', '...', ' ', '/', '\\', '\u0000', '. .', '../..']) {
      assert.equal(sanitizeFilename(name), 'file', JSON.stringify(name))
    }
  })

  it('never yields a separator, NUL, "." or "..", an empty name or more than 200 bytes, and is stable', () => {
    const parts = fc.constantFrom('/', '\\', '.', '..', '\u0000', ' ', 'CON', 'nul', '\u202e', '\ud800', 'e\u0301', '😀', 'a', '.txt')
    const name = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 260 }),
      fc.array(fc.oneof(parts, fc.string({ unit: 'binary', maxLength: 8 })), { maxLength: 60 }).map(a => a.join(''))
    )
    fc.assert(fc.property(name, raw => {
      const safe = sanitizeFilename(raw)
      assert.ok(!safe.includes('/') && !safe.includes('\\') && !safe.includes('\u0000'), JSON.stringify(safe))
      assert.notEqual(safe, '.')
      assert.notEqual(safe, '..')
      assert.ok(safe.length > 0)
      assert.ok(bytes(safe) <= MAX_FILENAME_BYTES)
      assert.equal(safe, safe.normalize('NFC'))
      assert.equal(sanitizeFilename(safe), safe)
    }), { numRuns: 500 })
  })
})

describe('uniquePath', () => {
  let dir: string

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2p-tor-uniq-'))
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('creates the name itself when free, then numbered variants, never touching what exists', async () => {
    await writeFile(join(dir, 'report.pdf'), 'original')
    const first = await uniquePath(dir, 'report.pdf')
    assert.equal(first, join(dir, 'report (1).pdf'))
    const second = await uniquePath(dir, 'report.pdf')
    assert.equal(second, join(dir, 'report (2).pdf'))
    assert.equal(await readFile(join(dir, 'report.pdf'), 'utf8'), 'original')
    assert.equal((await readFile(first)).byteLength, 0)
    const plain = await uniquePath(dir, 'README')
    assert.equal(plain, join(dir, 'README'))
    assert.equal(await uniquePath(dir, 'README'), join(dir, 'README (1)'))
  })

  it('gives distinct paths to racing callers', async () => {
    const paths = await Promise.all(Array.from({ length: 20 }, async () => await uniquePath(dir, 'same.txt')))
    assert.equal(new Set(paths).size, 20)
    assert.equal((await readdir(dir)).length, 20)
  })

  it('does not write through a symlink with the wanted name', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'p2p-tor-outside-'))
    try {
      await symlink(join(outside, 'target'), join(dir, 'x.txt'))
      const path = await uniquePath(dir, 'x.txt')
      assert.equal(path, join(dir, 'x (1).txt'))
      assert.deepEqual(await readdir(outside), [])
    } finally {
      await rm(outside, { recursive: true, force: true })
    }
  })

  it('sanitizes the name it is given and keeps long numbered names within 200 bytes', async () => {
    assert.equal(await uniquePath(dir, '../../escape.txt'), join(dir, 'escape.txt'))
    const long = `${'y'.repeat(250)}.bin`
    const a = await uniquePath(dir, long)
    const b = await uniquePath(dir, long)
    assert.notEqual(a, b)
    for (const name of await readdir(dir)) assert.ok(bytes(name) <= MAX_FILENAME_BYTES, name)
  })

  it('refuses a directory that is a symlink, or not a directory', async () => {
    const link = join(dir, 'downloads')
    await symlink(dir, link)
    await assert.rejects(uniquePath(link, 'a.txt'), UnsafeDirectoryError)
    await writeFile(join(dir, 'plain'), '')
    await assert.rejects(uniquePath(join(dir, 'plain'), 'a.txt'), UnsafeDirectoryError)
    await assert.rejects(uniquePath(join(dir, 'missing'), 'a.txt'), UnsafeDirectoryError)
  })
})
