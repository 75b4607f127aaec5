/**
 * Directory-authority keys: a v3 identity certificate from tor-gencert and a
 * relay identity fingerprint from `tor --list-fingerprint`. Generated once
 * into the node's DataDirectory/keys and reused on every later start.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { makeDirectory } from '../onion/atomic-file.js'
import path from 'node:path'
import { TestnetKeygenError } from './errors.js'
import type { NodeSpec } from './layout.js'
import type { AuthorityIdentity } from './torrc.js'

/** Each helper run is a one-shot CPU job of a second or two; this bounds a hang. */
const HELPER_TIMEOUT_MS = 60_000

async function run (node: string, binary: string, args: string[], cwd: string, input: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(binary, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    const collect = (b: Buffer): void => { output = (output + b.toString('utf8')).slice(-8192) }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    const timer = setTimeout(() => { child.kill('SIGKILL') }, HELPER_TIMEOUT_MS)
    const command = `${path.basename(binary)} ${args[0]}`
    child.once('error', (err) => { clearTimeout(timer); reject(new TestnetKeygenError(node, command, err.message)) })
    child.once('close', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else reject(new TestnetKeygenError(node, command, output === '' ? `exit code ${String(code)}` : output))
    })
    child.stdin.end(input)
  })
}

async function readIfExists (file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    throw err
  }
}

function certFingerprint (cert: string): string | undefined {
  return /^fingerprint ([0-9A-F]{40})$/m.exec(cert)?.[1]
}

function relayFingerprint (file: string): string | undefined {
  return /^\S+ ([0-9A-F]{40})\s*$/m.exec(file)?.[1]
}

export interface KeygenTools {
  tor: string
  gencert: string
  /** An empty file, used as torrc and defaults-torrc for --list-fingerprint. */
  emptyFile: string
}

/**
 * The identity of an authority, generating whatever keys its DataDirectory
 * lacks. tor-gencert and --list-fingerprint run concurrently.
 */
export async function ensureAuthorityKeys (node: NodeSpec, dataDir: string, tools: KeygenTools): Promise<AuthorityIdentity & { generated: boolean }> {
  const keysDir = path.join(dataDir, 'keys')
  await makeDirectory(keysDir)
  const certFile = path.join(keysDir, 'authority_certificate')
  const fingerprintFile = path.join(dataDir, 'fingerprint')
  let generated = false
  const jobs: Array<Promise<void>> = []
  if (certFingerprint(await readIfExists(certFile) ?? '') == null) {
    generated = true
    // Empty passphrase on fd 0; 12 months is plenty for a test network.
    jobs.push(run(node.name, tools.gencert, [
      '--create-identity-key', '--passphrase-fd', '0', '-m', '12',
      '-a', `127.0.0.1:${node.dirPort ?? 0}`,
      '-i', 'authority_identity_key', '-s', 'authority_signing_key', '-c', 'authority_certificate'
    ], keysDir, '\n'))
  }
  if (relayFingerprint(await readIfExists(fingerprintFile) ?? '') == null) {
    generated = true
    jobs.push(run(node.name, tools.tor, [
      '--list-fingerprint', '--ignore-missing-torrc', '-f', tools.emptyFile, '--defaults-torrc', tools.emptyFile,
      '--DataDirectory', dataDir, '--ORPort', '1', '--Nickname', node.name, '--Log', 'err stderr'
    ], dataDir, ''))
  }
  await Promise.all(jobs)
  const v3ident = certFingerprint(await readIfExists(certFile) ?? '')
  const fingerprint = relayFingerprint(await readIfExists(fingerprintFile) ?? '')
  if (v3ident == null || fingerprint == null) {
    throw new TestnetKeygenError(node.name, 'reading generated keys', `no fingerprint in ${v3ident == null ? certFile : fingerprintFile}`)
  }
  return { nickname: node.name, orPort: node.orPort ?? 0, dirPort: node.dirPort ?? 0, v3ident, fingerprint, generated }
}
