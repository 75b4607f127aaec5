/**
 * `p2p-tor mailbox` in-process through main(argv, ctx): --help, bad options
 * (exit 2 before tor is touched), and a run against the fake Tor: the
 * `mailbox` event, then an owner and a throwaway depositor (dial-only tor
 * nodes through the fake SOCKS port) register, deposit and fetch, and the
 * output carries counts but neither the depositor's PeerId nor the inbox id.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { depositBlob, fetchBlobs, registerInbox } from '../../../src/chat/mailbox.js'
import { InterruptedError } from '../../../src/cli/errors.js'
import { main } from '../../../src/cli/main.js'
import { createTorNode } from '../../../src/node.js'
import { startFakeTor } from '../../fixtures/fake-tor.js'
import type { CliContext } from '../../../src/cli/context.js'
import type { TorNode } from '../../../src/node.js'
import type { FakeTor } from '../../fixtures/fake-tor.js'

type CliEvent = Record<string, any> & { event: string }

/** One in-process CLI run with recording streams, no TTY, and its own SIGINT. */
function run (argv: string[]): { done: Promise<number>, out: { stdout: string, stderr: string }, interrupt: () => void, events: () => CliEvent[] } {
  const controller = new AbortController()
  const out = { stdout: '', stderr: '' }
  const ctx: CliContext = {
    env: {},
    stdout: { write: (s: string) => { out.stdout += s } },
    stderr: { write: (s: string) => { out.stderr += s } },
    signal: controller.signal
  }
  return {
    done: main(argv, ctx),
    out,
    interrupt: () => { controller.abort(new InterruptedError('SIGINT')) },
    events: () => out.stdout.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as CliEvent)
  }
}

async function waitFor (what: string, find: () => CliEvent | undefined, ms = 15_000): Promise<CliEvent> {
  const end = Date.now() + ms
  for (;;) {
    const found = find()
    if (found != null) return found
    if (Date.now() > end) assert.fail(`no ${what} within ${ms} ms`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe('CLI mailbox', function () {
  this.timeout(60_000)
  let dir: string

  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'p2p-tor-fake-cli-mailbox-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('--help: exit 0, names its options, examples and exit codes', async () => {
    const r = run(['mailbox', '--help'])
    assert.equal(await r.done, 0)
    for (const word of ['--owner', '--max-blob-bytes', '--expiry', '--port', '--data-dir', '--json', '--testnet', 'Examples:', 'Exit codes:']) {
      assert.ok(r.out.stdout.includes(word), `mailbox --help mentions ${word}`)
    }
    const top = run(['--help'])
    assert.equal(await top.done, 0)
    assert.match(top.out.stdout, /mailbox/)
  })

  for (const [name, argv, pattern] of [
    ['--expiry without a known unit', ['--expiry', '7w'], /--expiry/],
    ['--expiry under a second', ['--expiry', '0s'], /--expiry/],
    ['--expiry over a year', ['--expiry', '366d'], /--expiry/],
    ['--max-blob-bytes 0', ['--max-blob-bytes', '0'], /--max-blob-bytes/],
    ['--max-blob-bytes over 4 MiB', ['--max-blob-bytes', String(4 * 1024 * 1024 + 1)], /--max-blob-bytes/],
    ['--owner that is not a PeerId', ['--owner', 'not-a-peer'], /--owner must be a PeerId/],
    ['an unknown option', ['--bogus'], /bogus.*mailbox --help/]
  ] as Array<[string, string[], RegExp]>) {
    it(`${name}: exit 2, one error line, nothing written to the data dir`, async () => {
      const r = run(['mailbox', '--data-dir', join(dir, 'd'), '--tor-socks', '127.0.0.1:9', '--tor-control', '127.0.0.1:9', ...argv])
      assert.equal(await r.done, 2, r.out.stderr)
      assert.match(r.out.stderr, pattern)
      assert.equal(r.out.stderr.trimEnd().split('\n').length, 1, r.out.stderr)
      await assert.rejects(stat(join(dir, 'd')), { code: 'ENOENT' })
    })
  }

  describe('against a fake Tor', () => {
    let fake: FakeTor
    const nodes: TorNode[] = []
    beforeEach(async () => { fake = await startFakeTor() })
    afterEach(async () => {
      await Promise.all(nodes.splice(0).map(async n => { await n.stop() }))
      await fake.stop()
    })

    it('prints the mailbox event, counts each request without PeerIds or inbox ids, and stops cleanly on SIGINT', async () => {
      const tor = ['--tor-control', fake.control, '--tor-socks', `${fake.socks.host}:${fake.socks.port}`]
      const mailbox = run(['mailbox', '--data-dir', join(dir, 'mb'), '--json', '--expiry', '1h', ...tor])
      try {
        const ready = await waitFor('mailbox event', () => mailbox.events().find(e => e.event === 'mailbox'))
        assert.deepEqual(Object.keys(ready), ['event', 'multiaddr', 'peerId', 'inboxes', 'blobs', 'bytes'])
        assert.match(ready.multiaddr, new RegExp(`^/onion3/[a-z2-7]{56}:7777/p2p/${ready.peerId}$`))
        assert.deepEqual({ inboxes: ready.inboxes, blobs: ready.blobs, bytes: ready.bytes }, { inboxes: 0, blobs: 0, bytes: 0 })
        assert.ok(mailbox.out.stderr.includes(ready.multiaddr), 'the address is printed for humans too')

        const dialer = async (): Promise<TorNode> => {
          const node = await createTorNode({ control: fake.control, socks: `${fake.socks.host}:${fake.socks.port}`, dialOnly: true })
          nodes.push(node)
          return node
        }
        const owner = await dialer()
        const depositor = await dialer()
        const inbox = randomBytes(16)
        await registerInbox(owner, ready.multiaddr, inbox, { timeoutMs: 20_000 })
        await depositBlob(depositor, ready.multiaddr, inbox, randomBytes(33), { timeoutMs: 20_000 })
        assert.equal((await fetchBlobs(owner, ready.multiaddr, inbox, { timeoutMs: 20_000 })).length, 1)

        const activity = await waitFor('the fetch', () => mailbox.events().find(e => e.event === 'mailbox-activity' && e.kind === 'fetched'))
        assert.deepEqual(activity, { event: 'mailbox-activity', kind: 'fetched', count: 1, more: false, inboxes: 1, blobs: 1, bytes: 33 })
        const kinds = mailbox.events().filter(e => e.event === 'mailbox-activity').map(e => e.kind)
        assert.deepEqual(kinds, ['registered', 'stored', 'fetched'])
        const stored = mailbox.events().find(e => e.kind === 'stored')
        assert.deepEqual(stored, { event: 'mailbox-activity', kind: 'stored', count: 1, blobBytes: 33, inboxes: 1, blobs: 1, bytes: 33 })

        const all = mailbox.out.stdout + mailbox.out.stderr
        assert.ok(!all.includes(depositor.peerId.toString()), 'the depositor\'s PeerId is not printed')
        assert.ok(!all.includes(owner.peerId.toString()), 'nor the owner\'s')
        assert.ok(!all.includes(inbox.toString('hex')), 'nor the inbox id')
        assert.equal(mailbox.events().filter(e => e.event === 'connection').length, 0)
      } finally {
        mailbox.interrupt()
        assert.equal(await mailbox.done, 0, mailbox.out.stderr)
      }
      assert.equal(mailbox.events().at(-1)?.event, 'stopped')
    })

    it('a second mailbox on the same data dir exits 1 (the data dir is locked)', async () => {
      const tor = ['--tor-control', fake.control, '--tor-socks', `${fake.socks.host}:${fake.socks.port}`]
      const first = run(['mailbox', '--data-dir', join(dir, 'mb'), '--json', ...tor])
      try {
        await waitFor('mailbox event', () => first.events().find(e => e.event === 'mailbox'))
        const second = run(['mailbox', '--data-dir', join(dir, 'mb'), '--json', ...tor])
        assert.equal(await second.done, 1, second.out.stderr)
      } finally {
        first.interrupt()
        assert.equal(await first.done, 0, first.out.stderr)
      }
    })
  })
})
