/**
 * Tor process primitives shared by the private network (src/testnet) and the
 * managed tor of a node: find the binary, spawn it detached with its output in
 * a file, recognise it again by PID, stop it with a bounded SIGTERM/SIGKILL.
 * Linux /proc is used to tell our tor from an unrelated process that reuses a
 * recorded PID.
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access, open, readdir, readFile, stat } from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import { TorNotInstalledError } from './errors.js'

/** Resolve a binary name (searched on PATH) or path to an executable file. */
export async function resolveBinary (binary: string): Promise<string> {
  const candidates = binary.includes('/')
    ? [path.resolve(binary)]
    : (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(path.delimiter).filter(d => d !== '').map(d => path.join(d, binary))
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK)
      if ((await stat(candidate)).isFile()) return candidate
    } catch {}
  }
  throw new TorNotInstalledError(binary)
}

/** The tor binary, `tor` on PATH unless given. Throws TorNotInstalledError. */
export async function resolveTorBinary (torBinary?: string): Promise<string> {
  return await resolveBinary(torBinary ?? 'tor')
}

/** tor-gencert, looked for next to the tor binary first, then on PATH. */
export async function resolveTorGencert (torBinary: string): Promise<string> {
  try {
    return await resolveBinary(path.join(path.dirname(torBinary), 'tor-gencert'))
  } catch {
    return await resolveBinary('tor-gencert')
  }
}

export interface SpawnedProcess {
  pid: number
  /** Resolves with the exit code (or null when killed by a signal) when the process ends. */
  exited: Promise<number | null>
}

/**
 * Spawn a long-lived process detached from ours (its own process group,
 * unref'd), stdin closed and stdout/stderr written to `logFile` (truncated),
 * so that it outlives the current Node process.
 */
export async function spawnDetached (binary: string, args: string[], logFile: string, cwd?: string): Promise<SpawnedProcess> {
  const out = await open(logFile, 'w', 0o600)
  try {
    const child = spawn(binary, args, { cwd, detached: true, stdio: ['ignore', out.fd, out.fd] })
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => { resolve(code) })
      child.once('error', () => { resolve(null) })
    })
    child.unref()
    if (child.pid == null) {
      await exited
      throw new TorNotInstalledError(binary)
    }
    return { pid: child.pid, exited }
  } finally {
    await out.close()
  }
}

/** True when `pid` is a running (not zombie) process. */
export async function isPidAlive (pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0)
  } catch (err: any) {
    if (err?.code !== 'EPERM') return false
  }
  try {
    const s = await readFile(`/proc/${pid}/stat`, 'utf8')
    // "<pid> (<comm>) <state> ...": comm may contain spaces or parentheses.
    const state = s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3)
    return state !== 'Z' && state !== 'X'
  } catch {
    // No /proc (not Linux): kill(0) succeeded, so assume it runs.
    return process.platform !== 'linux'
  }
}

/** argv of a running process from /proc, or undefined when it cannot be read. */
export async function readCmdline (pid: number): Promise<string[] | undefined> {
  try {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')
    if (argv[argv.length - 1] === '') argv.pop()
    return argv
  } catch {
    return undefined
  }
}

/**
 * True when `pid` is alive and is a tor started with `-f <torrcPath>`, i.e. a
 * process we spawned and not an unrelated one that reuses a stale PID.
 */
export async function isTorWithTorrc (pid: number, torrcPath: string): Promise<boolean> {
  if (!(await isPidAlive(pid))) return false
  const argv = await readCmdline(pid)
  if (argv == null || argv.length === 0) return false
  if (!path.basename(argv[0]).startsWith('tor')) return false
  const f = argv.indexOf('-f')
  return f >= 0 && argv[f + 1] === torrcPath
}

export async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(t); reject(signal?.reason) }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Poll `pid` until it is gone or `ms` elapsed; true when gone. */
export async function waitForPidExit (pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (!(await isPidAlive(pid))) return true
    await sleep(50)
  }
  return !(await isPidAlive(pid))
}

/**
 * SIGTERM, wait up to `graceMs`, then SIGKILL and wait up to `killWaitMs`.
 * Returns true when the process is gone. (Authorities sometimes ignore
 * SIGTERM for 10 s, see TORNET.md.)
 */
export async function terminatePid (pid: number, opts: { graceMs?: number, killWaitMs?: number } = {}): Promise<boolean> {
  const signalPid = (sig: NodeJS.Signals): void => {
    try { process.kill(pid, sig) } catch {}
  }
  if (!(await isPidAlive(pid))) return true
  signalPid('SIGTERM')
  if (await waitForPidExit(pid, opts.graceMs ?? 10_000)) return true
  signalPid('SIGKILL')
  return await waitForPidExit(pid, opts.killWaitMs ?? 5_000)
}

/** True when nothing listens on 127.0.0.1:`port` (we could bind it). */
export async function isPortFree (port: number, host = '127.0.0.1'): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const server = net.createServer()
    server.once('error', () => { resolve(false) })
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => { resolve(true) })
    })
  })
}

/** The last `n` lines of each existing file, concatenated in order. Never throws. */
export async function tailLines (files: string[], n = 20): Promise<string[]> {
  const lines: string[] = []
  for (const file of files) {
    try {
      const handle = await open(file, 'r')
      try {
        const { size } = await handle.stat()
        const len = Math.min(size, 64 * 1024)
        const buf = Buffer.alloc(len)
        await handle.read(buf, 0, len, size - len)
        lines.push(...buf.toString('utf8').split('\n').filter(l => l.trim() !== ''))
      } finally {
        await handle.close()
      }
    } catch {}
  }
  return lines.slice(-n)
}

/** Every live tor process that was started with `-f <torrc>`, by scanning /proc. */
export async function listTors (): Promise<Array<{ pid: number, torrc: string }>> {
  const entries = await readdir('/proc').catch(() => [] as string[])
  const found: Array<{ pid: number, torrc: string }> = []
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue
    const pid = Number(entry)
    const argv = await readCmdline(pid)
    if (argv == null || argv.length === 0 || !path.basename(argv[0]).startsWith('tor')) continue
    const f = argv.indexOf('-f')
    if (f >= 0 && argv[f + 1] != null && await isPidAlive(pid)) found.push({ pid, torrc: argv[f + 1] })
  }
  return found
}

/**
 * PIDs of live tor processes whose torrc lies under `dir`: the processes of
 * a network or a managed tor, whether or not a pid file still records them.
 */
export async function findTorsUnder (dir: string): Promise<number[]> {
  const prefix = path.resolve(dir) + path.sep
  return (await listTors()).filter(t => t.torrc.startsWith(prefix)).map(t => t.pid)
}
