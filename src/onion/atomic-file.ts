/**
 * Atomic, private file writes for secrets (key files): a 0600 temporary file
 * beside the target, fsync, then rename (replace) or hard link (create only
 * if absent, so two processes racing never overwrite each other), then an
 * fsync of the directory.
 */
import { randomBytes } from 'node:crypto'
import { link, lstat, mkdir, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

function errorCode (err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code
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
    await mkdir(dir, { recursive: true, mode: 0o700 })
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
