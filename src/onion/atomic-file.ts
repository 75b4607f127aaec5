/**
 * Atomic, private file writes for secrets (key files): a 0600 temporary file
 * beside the target, fsync, then rename (replace) or hard link (create only
 * if absent, so two processes racing never overwrite each other), then an
 * fsync of the directory.
 */
import { randomBytes } from 'node:crypto'
import { link, lstat, mkdir, open, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { CreateDirectoryError } from './errors.js'

function errorCode (err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code
}

/**
 * `mkdir -p` with mode `mode` for the levels it creates, one level at a time
 * from the nearest existing ancestor. Node 20's `mkdir(path, { recursive:
 * true })` never returns for a path below /proc (mkdir says ENOENT, and it
 * retries forever); this fails with CreateDirectoryError instead.
 */
export async function makeDirectory (dir: string, mode = 0o700): Promise<void> {
  const target = resolve(dir)
  const missing: string[] = []
  // bounded: one level up per turn, and the root always exists
  for (let at = target; ; at = dirname(at)) {
    let isDirectory: boolean
    try {
      isDirectory = (await stat(at)).isDirectory()
    } catch (err) {
      const code = errorCode(err) ?? 'error'
      if (code !== 'ENOENT' || dirname(at) === at) throw new CreateDirectoryError(target, code, { cause: err })
      missing.unshift(at)
      continue
    }
    if (!isDirectory) throw new CreateDirectoryError(target, 'ENOTDIR')
    break
  }
  for (const level of missing) {
    try {
      await mkdir(level, { mode })
    } catch (err) {
      // another process may create the same level at the same time
      if (errorCode(err) === 'EEXIST' && (await stat(level).catch(() => undefined))?.isDirectory() === true) continue
      throw new CreateDirectoryError(target, errorCode(err) ?? 'error', { cause: err })
    }
  }
}

async function syncDirectory (dir: string): Promise<void> {
  let handle
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename
    // itself is still atomic there.
  } finally {
    await handle?.close()
  }
}

/** Places `tmp` at `path` only if nothing is there; false if something is. */
async function linkIfAbsent (tmp: string, path: string): Promise<boolean> {
  try {
    await link(tmp, path)
    return true
  } catch (err) {
    const code = errorCode(err)
    if (code === 'EEXIST') {
      return false
    }
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') {
      throw err
    }
  }
  // No hard links on this filesystem: check, then rename (a small race).
  try {
    await lstat(path)
    return false
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') {
      throw err
    }
  }
  await rename(tmp, path)
  return true
}

/**
 * Writes `bytes` to a 0600 temporary file beside `path`, fsyncs it and moves
 * it into place; then fsyncs the directory. With `replace` false an existing
 * file is left alone and the result is false.
 */
export async function writeFileAtomically (path: string, bytes: Uint8Array, opts: { replace: boolean }): Promise<boolean> {
  const replace = opts.replace
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    await makeDirectory(dir)
    const handle = await open(tmp, 'wx', 0o600)
    try {
      await handle.writeFile(bytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
    let placed = true
    if (replace) {
      await rename(tmp, path)
    } else {
      placed = await linkIfAbsent(tmp, path)
    }
    await syncDirectory(dir)
    return placed
  } finally {
    await unlink(tmp).catch(() => {})
  }
}
