/**
 * File names from a peer, made safe to write: `sanitizeFilename` keeps only a
 * plain last path segment, and `uniquePath` creates a new file for it without
 * ever replacing one.
 *
 * Hand-written: the npm `sanitize-filename` package is close, but it replaces
 * rather than strips directory parts (`../../etc/passwd` → `....etcpasswd`),
 * truncates by UTF-16 units through a dependency, and does not NFC-normalise
 * or drop bidi overrides; the rules below are short enough to own.
 */
import { constants } from 'node:fs'
import { lstat, open } from 'node:fs/promises'
import { join } from 'node:path'
import { UnsafeDirectoryError } from './file-errors.js'

/** The longest sanitized name, in UTF-8 bytes (most file systems allow 255; room is left for " (999)"). */
export const MAX_FILENAME_BYTES = 200
/** How many ` (n)` variants uniquePath tries before giving up. */
export const MAX_UNIQUE_TRIES = 1000
/** An extension longer than this is not kept apart when truncating. */
const MAX_EXTENSION_BYTES = 32

/**
 * C0 and C1 controls, DEL, and the bidi embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069: `invoice\u202Etxt.exe` shows as `invoiceexe.txt`).
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g
/** Characters Windows refuses in names; replaced so a file saved here can be copied there. */
const WINDOWS_FORBIDDEN = /[<>:"|?*]/g
/** An unpaired UTF-16 surrogate: not a code point, so not encodable in a name. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
/** Windows' reserved device names, with or without an extension, any case. */
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i

function byteLength (s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

/** UTF-8 bytes of one code point (lone surrogates are replaced before this runs). */
function codePointBytes (cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4
}

/** The longest prefix of `s` that fits in `max` UTF-8 bytes, cut between code points. */
function truncateBytes (s: string, max: number): string {
  let out = ''
  let bytes = 0
  for (const cp of s) { // iterates code points, never halves of a surrogate pair
    const n = codePointBytes(cp.codePointAt(0) ?? 0)
    if (bytes + n > max) break
    out += cp
    bytes += n
  }
  return out
}

function trimTrailing (s: string): string {
  return s.replace(/[. ]+$/u, '')
}

/** Splits `name` into stem and extension (with its dot) when the extension is short and the stem is not empty. */
function splitExtension (name: string): [string, string] {
  const dot = name.lastIndexOf('.')
  if (dot <= 0) return [name, '']
  const ext = name.slice(dot)
  if (byteLength(ext) > MAX_EXTENSION_BYTES || ext.length < 2) return [name, '']
  return [name.slice(0, dot), ext]
}

/** Fits `stem + ext` into `max` bytes, cutting the stem first. */
function fit (stem: string, ext: string, max: number): string {
  if (byteLength(stem + ext) <= max) return stem + ext
  const room = max - byteLength(ext)
  if (room >= 1) {
    const cut = trimTrailing(truncateBytes(stem, room))
    if (cut !== '') return cut + ext
  }
  return trimTrailing(truncateBytes(stem + ext, max))
}

/**
 * A file name from a peer made safe for this disk: the last path segment only
 * (`/` and `\` both separate), NFC, without control or bidi characters,
 * without leading dots or spaces and trailing dots or spaces, Windows'
 * forbidden characters replaced by `_`, a reserved device name (`CON`,
 * `nul.txt`, `COM1`...) prefixed with `_`, at most 200 UTF-8 bytes (the
 * extension kept when it can be), and `file` when nothing is left.
 * The result never contains `/`, `\` or NUL and is never `.` or `..`.
 */
export function sanitizeFilename (name: string): string {
  let s = String(name).replace(LONE_SURROGATE, '\ufffd').normalize('NFC').replace(CONTROL, '')
  const segments = s.split(/[/\\]/).filter(part => part.trim() !== '')
  s = segments.length === 0 ? '' : segments[segments.length - 1]
  s = s.replace(WINDOWS_FORBIDDEN, '_').replace(/^[. ]+/u, '')
  s = trimTrailing(s)
  if (RESERVED.test(s)) s = `_${s}`
  const [stem, ext] = splitExtension(s)
  s = fit(stem, ext, MAX_FILENAME_BYTES)
  return s === '' ? 'file' : s
}

/** Throws UnsafeDirectoryError unless `dir` is a directory and not a symlink (lstat: the last component is not followed). */
export async function assertRealDirectory (dir: string): Promise<void> {
  let info
  try {
    info = await lstat(dir)
  } catch (err) {
    throw new UnsafeDirectoryError(dir, `it cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  if (info.isSymbolicLink()) throw new UnsafeDirectoryError(dir, 'it is a symlink')
  if (!info.isDirectory()) throw new UnsafeDirectoryError(dir, 'it is not a directory')
}

/**
 * Creates a new, empty file (0600) for `name` in `dir` and returns its path:
 * `name`, else `stem (1).ext`, `stem (2).ext`... Creation is exclusive
 * (O_EXCL, and O_NOFOLLOW where the platform has it), so an existing file or
 * symlink is never replaced, even by a race. The caller then renames its
 * finished file over this placeholder. Refuses a `dir` that is a symlink or
 * not a directory (UnsafeDirectoryError). `name` should be sanitized already.
 */
export async function uniquePath (dir: string, name: string): Promise<string> {
  await assertRealDirectory(dir)
  const safe = sanitizeFilename(name)
  const [stem, ext] = splitExtension(safe)
  const flags = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0)
  for (let i = 0; i < MAX_UNIQUE_TRIES; i++) {
    const suffix = i === 0 ? '' : ` (${i})`
    const base = trimTrailing(truncateBytes(stem, MAX_FILENAME_BYTES - byteLength(suffix + ext)))
    const candidate = i === 0 ? safe : `${base === '' ? 'file' : base}${suffix}${ext}`
    const path = join(dir, candidate)
    try {
      const handle = await open(path, flags, 0o600)
      await handle.close()
      return path
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue
      throw err
    }
  }
  throw new UnsafeDirectoryError(dir, `${MAX_UNIQUE_TRIES} files named like ${JSON.stringify(safe)} already exist`)
}
