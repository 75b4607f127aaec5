/**
 * One `listen` per data directory: a pid lock file, `<dataDir>/listen.lock`,
 * so two processes never publish one onion key, not even on two different
 * tors (tor cannot see that collision). `dial` takes no lock: it only reads
 * the keys.
 *
 * The file holds the owner's pid. It is created atomically (a temporary
 * file linked into place, which fails if the lock exists), removed on
 * release, and taken over when the pid it names is no longer running (a
 * listener killed with SIGKILL leaves it behind).
 */
import { readFile, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomically } from '../onion/atomic-file.js'
import { isPidAlive } from '../tor/process.js'

export const LISTEN_LOCK_FILE = 'listen.lock'
/** Bounds the create / take over loop when other processes race for the same stale lock. */
const MAX_ATTEMPTS = 5

/** Another live process listens with this data directory (`listen` or `hub`: both publish its key, and both take this lock). */
export class DataDirLockedError extends Error {
  static override name = 'DataDirLockedError'
  readonly dataDir: string
  readonly pid: number

  constructor (dataDir: string, pid: number) {
    super(`another p2p-tor listen or hub (pid ${pid}) already uses the data directory ${dataDir} and publishes its onion key; stop it, or use another --data-dir`)
    this.name = 'DataDirLockedError'
    this.dataDir = dataDir
    this.pid = pid
  }
}

/** The lock could not be created or read (permissions, a damaged data directory). */
export class LockFileError extends Error {
  static override name = 'LockFileError'
  readonly path: string

  constructor (path: string, problem: string, options?: ErrorOptions) {
    super(`cannot take the lock ${path}: ${problem}`, options)
    this.name = 'LockFileError'
    this.path = path
  }
}

export interface DataDirLock {
  readonly path: string
  /** Removes the lock if it is still ours. Never throws. */
  release: () => Promise<void>
}

function codeOf (err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? 'error'
}

/** The pid recorded in a lock file's text, or undefined when it holds none. */
export function parseLockPid (text: string): number | undefined {
  const m = /^([1-9][0-9]{0,9})\n?$/.exec(text)
  return m == null ? undefined : Number(m[1])
}

async function readLock (path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return undefined
    throw new LockFileError(path, `unreadable (${codeOf(err)})`, { cause: err })
  }
}

/**
 * Moves a stale lock aside, but only if it still holds `staleText`: another
 * process may have taken it over meanwhile, and its fresh lock is put back.
 */
async function takeOver (path: string, staleText: string): Promise<void> {
  const aside = `${path}.stale.${process.pid}`
  try {
    await rename(path, aside)
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return
    throw new LockFileError(path, `cannot remove the stale lock (${codeOf(err)})`, { cause: err })
  }
  const moved = await readLock(aside).catch(() => undefined)
  if (moved != null && moved !== staleText) {
    // another process's fresh lock, not the stale one: give it back (if a third one appeared meanwhile, the next attempt sees it)
    await writeFileAtomically(path, Buffer.from(moved), { replace: false }).catch(() => false)
  }
  await unlink(aside).catch(() => {})
}

/**
 * Takes the listen lock of `dataDir` for this process. Throws
 * DataDirLockedError (naming the pid) when a running process holds it.
 */
export async function lockDataDir (dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, LISTEN_LOCK_FILE)
  const mine = `${process.pid}\n`
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let created: boolean
    try {
      created = await writeFileAtomically(path, Buffer.from(mine), { replace: false })
    } catch (err) {
      throw new LockFileError(path, `cannot create it (${codeOf(err)}); check that this user may create files in ${dataDir}`, { cause: err })
    }
    if (created) {
      return {
        path,
        release: async () => {
          if (await readLock(path).catch(() => undefined) === mine) await unlink(path).catch(() => {})
        }
      }
    }
    const text = await readLock(path)
    if (text === undefined) continue
    const pid = parseLockPid(text)
    if (pid != null && await isPidAlive(pid)) throw new DataDirLockedError(dataDir, pid)
    // a dead owner, or a file that names none: stale
    await takeOver(path, text)
  }
  throw new LockFileError(path, `other processes kept taking it over (${MAX_ATTEMPTS} attempts); run the command again`)
}
