/**
 * `p2p-tor webhook relay|run`: the checks made before any network (secret
 * file, required options), through main() and readSecretFile (no tor).
 */
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../../src/cli/main.js'
import { readSecretFile, MAX_SECRET_FILE_BYTES } from '../../../src/cli/secret-file.js'

interface Run { code: number, stdout: string, stderr: string }

async function run (argv: string[]): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    env: {},
    stdout: { write: (s: string) => { stdout += s } },
    stderr: { write: (s: string) => { stderr += s } },
    signal: new AbortController().signal
  } as any)
  return { code, stdout, stderr }
}

const HUB = '/onion3/vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd:7777/p2p/12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'

describe('cli webhook', () => {
  let dir: string
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'p2p-tor-webhook-cli-')) })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  function secretFile (text: string | Buffer, mode = 0o600): string {
    const p = join(dir, 'secret')
    writeFileSync(p, text)
    chmodSync(p, mode)
    return p
  }

  describe('readSecretFile', () => {
    it('reads the secret once, trimmed of the trailing newline', async () => {
      assert.equal(await readSecretFile(secretFile('  It\'s a Secret to Everybody\n')), 'It\'s a Secret to Everybody')
    })

    it('refuses an empty file (whitespace only) without naming any content', async () => {
      const p = secretFile(' \n\t\n')
      await assert.rejects(readSecretFile(p), (err: Error) => err.name === 'UsageError' && err.message === `--secret-file ${p} is empty: write the webhook secret there, the same as in GitHub's webhook settings`)
    })

    it('refuses a file group or others can read, saying chmod 600, and never echoes the secret', async () => {
      const p = secretFile('hunter2hunter2', 0o640)
      await assert.rejects(readSecretFile(p), (err: Error) => err.name === 'KeyFileError' && err.message.includes(`chmod 600 ${p}`) && !err.message.includes('hunter2'))
    })

    it('refuses a missing file and a file too large to be a secret', async () => {
      await assert.rejects(readSecretFile(join(dir, 'nope')), (err: Error) => err.name === 'UsageError' && err.message.includes('does not exist'))
      const p = secretFile(Buffer.alloc(MAX_SECRET_FILE_BYTES + 1, 'a'))
      await assert.rejects(readSecretFile(p), (err: Error) => err.name === 'UsageError' && err.message.includes(`holds ${MAX_SECRET_FILE_BYTES + 1} bytes`))
    })

    it('requires the option', async () => {
      await assert.rejects(readSecretFile(undefined), (err: Error) => err.name === 'UsageError' && err.message.startsWith('--secret-file <file> is required'))
    })
  })

  describe('webhook relay', () => {
    it('exits 2 without --seal-to, before reaching tor', async () => {
      const r = await run(['webhook', 'relay', '--listen', '127.0.0.1:0', '--secret-file', secretFile('s'), '--hub', HUB, '--json'])
      assert.equal(r.code, 2)
      const line = JSON.parse(r.stdout.trim())
      assert.equal(line.event, 'error')
      assert.equal(line.code, 'USAGE')
      assert.match(line.message, /^--seal-to <builder PeerId> is required/)
    })

    it('exits 1 (KEY_FILE) on a secret file others can read, before reaching tor', async () => {
      const r = await run(['webhook', 'relay', '--listen', '127.0.0.1:0', '--secret-file', secretFile('s', 0o644), '--hub', HUB, '--seal-to', 'x', '--json'])
      assert.equal(r.code, 1)
      assert.equal(JSON.parse(r.stdout.trim()).code, 'KEY_FILE')
    })

    it('exits 2 with --tls-cert but no --tls-key', async () => {
      const r = await run(['webhook', 'relay', '--listen', '127.0.0.1:0', '--secret-file', secretFile('s'), '--hub', HUB, '--seal-to', 'x', '--tls-cert', 'c.pem'])
      assert.equal(r.code, 2)
      assert.match(r.stderr, /--tls-cert and --tls-key go together/)
    })
  })

  describe('webhook run', () => {
    it('exits 2 without --from', async () => {
      const r = await run(['webhook', 'run', '--hub', HUB, '--secret-file', secretFile('s'), '--', 'true'])
      assert.equal(r.code, 2)
      assert.match(r.stderr, /--from <relay PeerId> is required/)
    })

    it('exits 2 on an event name GitHub does not use', async () => {
      const r = await run(['webhook', 'run', '--hub', HUB, '--from', 'x', '--event', 'no such', '--secret-file', secretFile('s'), '--', 'true'])
      assert.equal(r.code, 2)
      assert.match(r.stderr, /--event no such is not a GitHub event name/)
    })

    it('exits 2 on an empty secret file', async () => {
      const r = await run(['webhook', 'run', '--hub', HUB, '--from', 'x', '--secret-file', secretFile(''), '--', 'true'])
      assert.equal(r.code, 2)
      assert.match(r.stderr, /is empty/)
    })
  })
})
