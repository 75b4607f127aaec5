/**
 * Chat on the private Tor network (issue 16): alice on client tor 0, bob on
 * 1, carol on 2 and the mailbox on 3, each with its own onion service. The
 * issue's list: add and accept; 100 messages each way in order, exactly
 * once; bob offline while alice sends 10, then all 10 from the mailbox,
 * once; the mailbox's bytes hold no plaintext and no sender PeerId; a group
 * of three where carol is removed and cannot open the next message; a 20 MB
 * file that survives a forced drop; and the interactive CLI, in a real
 * pseudo-terminal (util-linux `script`), showing a received message.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { ChatClient, type MessageView } from '../../src/chat/client.js'
import { MailboxServer } from '../../src/chat/mailbox.js'
import { ChatStore, loadStoreKey } from '../../src/chat/store.js'
import { createTorNode, type TorNode } from '../../src/node.js'
import { generateOnionKey, type OnionKey } from '../../src/onion/index.js'
import { loadOrCreateSealKeys } from '../../src/seal/index.js'
import { bytesUnder } from '../fixtures/chat-tcp.js'
import { getTestnet, TESTNET_DIR } from './fixture.js'
import { torOptions } from './helpers.js'
import type { GroupMessage } from '../../src/chat/chat-pb.js'
import type { Invite } from '../../src/chat/invite.js'
import type { TestnetClient, TestnetInfo } from '../../src/testnet/index.js'
import type { PrivateKey } from '@libp2p/interface'

interface User {
  name: string
  dir: string
  key: PrivateKey
  onion: OnionKey
  client: TestnetClient
  inbox: Uint8Array
  node?: TorNode
  chat?: ChatClient
  store?: ChatStore
}

async function until (what: string, cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

async function runCli (args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [resolve('dist/src/cli/bin.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString() })
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString() })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, 180_000)
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

function jsonLines (text: string): Array<Record<string, unknown>> {
  return text.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as Record<string, unknown>)
}

describe('e2e: chat over onion services, with a mailbox', function () {
  this.timeout(600_000)
  let net: TestnetInfo
  let dir: string
  let mbNode: TorNode
  let mbServer: MailboxServer
  let mbInvite: Invite
  const users: Record<string, User> = {}
  const captured: GroupMessage[] = []

  async function startUser (u: User): Promise<void> {
    u.node = await createTorNode({ ...torOptions(u.client), privateKey: u.key, key: u.onion, port: 7777 })
    u.store = await ChatStore.open(join(u.dir, 'chat.db'), await loadStoreKey(u.dir, {}))
    u.chat = await ChatClient.start({
      node: u.node,
      privateKey: u.key,
      sealKeys: await loadOrCreateSealKeys(u.dir),
      store: u.store,
      // alice has no mailbox: the mailbox then never learns her PeerId (an owner's is stored when it registers)
      invite: { peerId: u.node.peerId.toString(), onion: u.onion.serviceId, port: 7777, mailbox: u.name === 'alice' ? undefined : { ...mbInvite, inbox: u.inbox } as any },
      depositNode: async () => await createTorNode({ ...torOptions(u.client), dialOnly: true }),
      downloadsDir: join(u.dir, 'downloads'),
      mailboxPollMs: 0,
      retryMs: 1000,
      onGroupMessage: (gm) => { if (u.name === 'bob') captured.push(gm) }
    })
  }

  async function stopUser (u: User): Promise<void> {
    await u.chat?.stop()
    await u.node?.stop()
    await u.store?.close()
    u.chat = undefined
    u.node = undefined
    u.store = undefined
  }

  function collect (u: User): MessageView[] {
    const got: MessageView[] = []
    u.chat?.addEventListener('message', (e) => { got.push(e.detail) })
    return got
  }

  async function befriend (a: User, b: User): Promise<void> {
    const ca = a.chat as ChatClient
    const cb = b.chat as ChatClient
    await ca.add(cb.inviteCode(), b.name)
    await until(`${b.name} sees ${a.name}'s request`, () => cb.listContacts().some(c => c.state === 'pending'), 120_000)
    const req = cb.listContacts().find(c => c.state === 'pending')
    assert.ok(req != null)
    await cb.rename(req.name, a.name)
    await cb.accept(a.name)
    await until(`${a.name} sees the accept`, () => ca.contact(b.name).state === 'accepted', 120_000)
  }

  before(async () => {
    net = await getTestnet()
    dir = mkdtempSync(join(tmpdir(), 'p2p-tor-e2e-chat-'))
    const mbKey = await generateKeyPair('Ed25519')
    const mbOnion = await generateOnionKey()
    mbNode = await createTorNode({ ...torOptions(net.clients[3]), privateKey: mbKey, key: mbOnion, port: 7777 })
    mbServer = await MailboxServer.start(mbNode, { dir: join(dir, 'mailbox.db') })
    mbInvite = { peerId: mbNode.peerId.toString(), onion: mbOnion.serviceId, port: 7777 }
    for (const [i, name] of ['alice', 'bob', 'carol'].entries()) {
      const u: User = { name, dir: join(dir, name), key: await generateKeyPair('Ed25519'), onion: await generateOnionKey(), client: net.clients[i], inbox: new Uint8Array(randomBytes(16)) }
      mkdirSync(u.dir, { recursive: true })
      users[name] = u
    }
    await Promise.all(Object.values(users).map(startUser))
  })

  after(async () => {
    for (const u of Object.values(users)) await stopUser(u).catch(() => {})
    await mbServer?.stop()
    await mbNode?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('alice adds bob and carol from their invites; they accept; safety numbers match', async () => {
    await befriend(users.alice, users.bob)
    await befriend(users.alice, users.carol)
    assert.equal(users.alice.chat?.contact('bob').safetyNumber, users.bob.chat?.contact('alice').safetyNumber)
    assert.match(users.alice.chat?.contact('bob').safetyNumber ?? '', /^\d{60}$/)
  })

  it('100 messages each way arrive in order, exactly once', async () => {
    const alice = users.alice.chat as ChatClient
    const bob = users.bob.chat as ChatClient
    const atBob = collect(users.bob)
    const atAlice = collect(users.alice)
    for (let i = 0; i < 100; i++) {
      await alice.send('bob', `a${i}`)
      await bob.send('alice', `b${i}`)
    }
    await until('100 at each side', () => atBob.length >= 100 && atAlice.length >= 100, 240_000)
    await new Promise(resolve => setTimeout(resolve, 2000))
    assert.deepEqual(atBob.map(m => m.text), Array.from({ length: 100 }, (_, i) => `a${i}`))
    assert.deepEqual(atAlice.map(m => m.text), Array.from({ length: 100 }, (_, i) => `b${i}`))
    await until('all delivered', async () => (await alice.history('bob', 500)).filter(m => m.dir === 'out').every(m => m.state === 'delivered'), 60_000)
  })

  it('bob goes offline; alice sends 10; bob comes back and gets all 10 from the mailbox, once; the mailbox saw no plaintext or sender', async () => {
    const bob = users.bob
    await stopUser(bob)
    const alice = users.alice.chat as ChatClient
    for (let i = 0; i < 10; i++) await alice.send('bob', `while away ${i} plaintext-marker`)
    await until('10 at the mailbox', async () => (await alice.history('bob', 50)).filter(m => m.text.startsWith('while away') && m.state === 'sent').length === 10, 240_000)
    const stored = bytesUnder(join(dir, 'mailbox.db'))
    assert.equal(stored.includes(Buffer.from('plaintext-marker')), false, 'the mailbox holds no plaintext')
    assert.equal(stored.includes(Buffer.from(users.alice.key.publicKey.toMultihash().bytes)), false, 'no sender PeerId bytes')
    assert.equal(stored.includes(Buffer.from(users.alice.node?.peerId.toString() ?? 'x')), false, 'no sender PeerId text')

    await startUser(bob)
    const got = collect(bob)
    const n = await bob.chat?.checkMailbox()
    assert.equal(n, 10)
    assert.deepEqual(got.map(m => m.text), Array.from({ length: 10 }, (_, i) => `while away ${i} plaintext-marker`))
    assert.equal(await bob.chat?.checkMailbox(), 0)
    await until('alice sees them delivered', async () => (await alice.history('bob', 50)).filter(m => m.text.startsWith('while away')).every(m => m.state === 'delivered'), 240_000)
    await new Promise(resolve => setTimeout(resolve, 2000))
    assert.equal(got.length, 10, 'nothing arrived twice')
  })

  it('a group of three; carol is removed and cannot open the next message', async () => {
    const alice = users.alice.chat as ChatClient
    const atBob = collect(users.bob)
    const atCarol = collect(users.carol)
    await alice.createGroup('trio', ['bob', 'carol'])
    await until('bob and carol joined', () => users.bob.chat?.listGroups().length === 1 && users.carol.chat?.listGroups().length === 1, 120_000)
    await alice.sendGroup('trio', 'hello trio')
    await until('both got it', () => atBob.length === 1 && atCarol.length === 1, 120_000)
    await alice.removeFromGroup('trio', 'carol')
    await until('carol removed', () => users.carol.chat?.listGroups()[0].removed === true, 120_000)
    await until('bob at epoch 2', () => users.bob.chat?.listGroups()[0].epoch === 2, 120_000)
    await alice.sendGroup('trio', 'without carol')
    await until('bob got it', () => atBob.some(m => m.text === 'without carol'), 120_000)
    const next = captured.find(gm => gm.epoch === 2)
    assert.ok(next != null)
    await assert.rejects(users.carol.chat?.openGroupMessage(next, users.alice.node?.peerId.toString() ?? '') as Promise<string>, { name: 'GroupCryptoError' })
  })

  it('a 20 MB file arrives with the right SHA-256 after a forced drop in the middle', async () => {
    const bob = users.bob.chat as ChatClient
    const file = join(users.alice.dir, 'big.bin')
    const data = randomBytes(20 * 1024 * 1024)
    writeFileSync(file, data)
    let dropped = false
    bob.addEventListener('file-progress', (e) => {
      if (!dropped && e.detail.received > 6 * 1024 * 1024) {
        dropped = true
        void users.bob.node?.hangUp(users.alice.node?.peerId as any)
      }
    })
    const done = new Promise<{ path: string, resumedFrom: number[] }>((resolve, reject) => {
      bob.addEventListener('file-done', (e) => { resolve(e.detail) })
      bob.addEventListener('file-failed', (e) => { reject(new Error(e.detail.error)) })
    })
    await (users.alice.chat as ChatClient).sendFile('bob', file)
    const got = await done
    assert.equal(dropped, true)
    assert.ok(got.resumedFrom.some(o => o > 0 && o < data.length), `resumed from ${got.resumedFrom.join(', ')}`)
    assert.equal(createHash('sha256').update(readFileSync(got.path)).digest('hex'), createHash('sha256').update(data).digest('hex'))
  })

  it('the two-terminal walkthrough of docs/chat.md: a mailbox, then alice and bob in pseudo-terminals', async () => {
    const procs: ChildProcess[] = []
    const outs: string[] = []
    const start = (args: string[], pty: boolean): number => {
      const bin = resolve('dist/src/cli/bin.js')
      const child = pty
        ? spawn('script', ['-qfec', `node ${bin} ${args.join(' ')}`, '/dev/null'], { detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
        : spawn(process.execPath, [bin, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
      const i = outs.push('') - 1
      child.stdout?.on('data', (b: Buffer) => { outs[i] += b.toString() })
      child.stderr?.on('data', (b: Buffer) => { outs[i] += b.toString() })
      procs.push(child)
      return i
    }
    const walk = join(dir, 'walkthrough')
    try {
      // the walkthrough's commands, with its .testnet/demo replaced by this run's network
      const mb = start(['mailbox', '--json', '--testnet', TESTNET_DIR, '--testnet-client', '2', '--data-dir', join(walk, 'mailbox')], false)
      await until('the mailbox address', () => /"event":"mailbox"/.test(outs[mb]), 240_000)
      const mailboxAddr = String(jsonLines(outs[mb]).find(e => e.event === 'mailbox')?.multiaddr)
      const alice = start(['chat', '--name', 'alice', '--testnet', TESTNET_DIR, '--testnet-client', '0', '--data-dir', join(walk, 'alice'), '--mailbox', mailboxAddr], true)
      await until('alice\'s invite', () => /your invite: (p2ptor:\S+)/.test(outs[alice]), 240_000)
      const invite = (/your invite: (p2ptor:\S+)/.exec(outs[alice]) as RegExpExecArray)[1]
      assert.ok(invite.length > 200, `an invite with a mailbox is longer (${invite.length} characters)`)
      const bob = start(['chat', '--name', 'bob', '--testnet', TESTNET_DIR, '--testnet-client', '1', '--data-dir', join(walk, 'bob')], true)
      await until('bob\'s prompt', () => outs[bob].includes('/help'), 240_000)
      procs[bob].stdin?.write(`/add ${invite} alice\r`)
      await until('alice sees bob\'s request', () => outs[alice].includes('contact request from bob'), 120_000)
      procs[alice].stdin?.write('/accept\r')
      await until('bob sees alice accepted', () => outs[bob].includes('contact alice: accepted'), 120_000)
      procs[alice].stdin?.write('/to bob\r')
      procs[alice].stdin?.write('hi bob\r')
      await until('bob sees it', () => /\] alice: hi bob/.test(outs[bob]), 120_000)
      await until('alice sees it delivered', () => outs[alice].includes('✓ delivered (to bob'), 120_000)
      procs[bob].stdin?.write('/verify alice\r')
      await until('the safety number', () => /safety number with alice:/.test(outs[bob]), 30_000)
      procs[alice].stdin?.write('/verify bob\r')
      await until('alice\'s safety number', () => /safety number with bob:/.test(outs[alice]), 30_000)
      const groups = (text: string, who: string): string => (new RegExp(`safety number with ${who}:\\s+([\\d ]+)\\s+([\\d ]+)\\s+([\\d ]+)`).exec(text) ?? []).slice(1).join(' ').replace(/\s+/g, '')
      assert.match(groups(outs[bob], 'alice'), /^\d{60}$/)
      assert.equal(groups(outs[bob], 'alice'), groups(outs[alice], 'bob'), 'the same safety number on both terminals')
      for (const i of [alice, bob]) procs[i].stdin?.write('/quit\r')
      await until('alice and bob stop', () => procs[alice].exitCode != null && procs[bob].exitCode != null, 60_000)
      assert.equal(procs[alice].exitCode, 0)
      assert.equal(procs[bob].exitCode, 0)
      process.kill(-(procs[mb].pid as number), 'SIGINT')
      await until('the mailbox stops', () => procs[mb].exitCode != null, 60_000)
      assert.equal(procs[mb].exitCode, 0)
    } finally {
      for (const p of procs) {
        if (p.exitCode == null && p.pid != null) {
          try { process.kill(-p.pid, 'SIGKILL') } catch {}
        }
      }
    }
  })

  it('the line-delimited JSON mode: commands in, events out', async () => {
    const child = spawn(process.execPath, [resolve('dist/src/cli/bin.js'), 'chat', '--json', '--testnet', TESTNET_DIR, '--testnet-client', '3', '--data-dir', join(dir, 'erin'), '--port', '7777'], { detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
    let out = ''
    child.stdout.on('data', (b: Buffer) => { out += b.toString() })
    child.stderr.on('data', () => {})
    const events = (): Array<Record<string, unknown>> => jsonLines(out)
    try {
      await until('the invite event', () => events().some(e => e.event === 'chat-invite'), 240_000)
      const invite = String(events().find(e => e.event === 'chat-invite')?.invite)
      const alice = users.alice.chat as ChatClient
      await alice.add(invite, 'erin')
      await until('erin\'s request event', () => events().some(e => e.event === 'chat-request'), 120_000)
      child.stdin.write(JSON.stringify({ cmd: 'accept' }) + '\n')
      await until('alice sees the accept', () => alice.contact('erin').state === 'accepted', 120_000)
      const name = String(events().find(e => e.event === 'chat-request')?.name)
      child.stdin.write(JSON.stringify({ cmd: 'msg', to: name, text: 'json hello' }) + '\n')
      const atAlice: MessageView[] = []
      alice.addEventListener('message', (e) => { atAlice.push(e.detail) })
      await until('alice got erin\'s message', () => atAlice.some(m => m.text === 'json hello'), 120_000)
      await until('erin sees it delivered', () => events().some(e => e.event === 'chat-state' && e.state === 'delivered'), 120_000)
      await alice.send('erin', 'json reply')
      await until('erin\'s message event', () => events().some(e => e.event === 'chat-message' && e.text === 'json reply'), 120_000)
      child.stdin.write('{"cmd":"nonsense"}\n')
      await until('an error event, not an exit', () => events().some(e => e.event === 'chat-error'), 30_000)
      child.stdin.end()
      await until('erin stops at the end of input', () => child.exitCode != null, 60_000)
      assert.equal(child.exitCode, 0)
      assert.equal(events().at(-1)?.event, 'stopped')
    } finally {
      if (child.exitCode == null && child.pid != null) {
        try { process.kill(-child.pid, 'SIGKILL') } catch {}
      }
    }
  })

  it('the interactive chat, in a pseudo-terminal, shows a received message', async function () {
    const cliDir = join(dir, 'dave')
    const bin = resolve('dist/src/cli/bin.js')
    // `script` runs the CLI on a real pty: readline sees a terminal, as a person's would
    const child: ChildProcess = spawn('script', ['-qfec', `node ${bin} chat --testnet ${TESTNET_DIR} --testnet-client 2 --data-dir ${cliDir} --port 7777`, '/dev/null'], { detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
    let out = ''
    child.stdout?.on('data', (b: Buffer) => { out += b.toString() })
    child.stderr?.on('data', (b: Buffer) => { out += b.toString() })
    try {
      await until('the invite', () => /your invite: (p2ptor:\S+)/.test(out), 240_000)
      const invite = (/your invite: (p2ptor:\S+)/.exec(out) as RegExpExecArray)[1]
      const alice = users.alice.chat as ChatClient
      await alice.add(invite, 'dave')
      await until('dave sees the request', () => out.includes('contact request from'), 120_000)
      child.stdin?.write('/accept\r')
      await until('alice sees the accept', () => alice.contact('dave').state === 'accepted', 120_000)
      await alice.send('dave', 'hello through the pty')
      await until('the message on dave\'s terminal', () => out.includes('hello through the pty'), 120_000)
      child.stdin?.write('/quit\r')
      await until('dave stops', () => child.exitCode != null, 60_000)
      assert.equal(child.exitCode, 0)

      // the non-interactive forms on the same data dir: the inbox without tor, then one message out
      const inbox = await runCli(['chat', 'inbox', '--json', '--data-dir', cliDir])
      assert.equal(inbox.code, 0, inbox.stderr)
      const messages = jsonLines(inbox.stdout).filter(e => e.event === 'chat-message')
      assert.deepEqual(messages.map(m => m.text), ['hello through the pty'])
      const aliceName = String(messages[0].contact)
      const atAlice: MessageView[] = []
      alice.addEventListener('message', (e) => { atAlice.push(e.detail) })
      const sent = await runCli(['chat', 'send', aliceName, 'from the command line', '--json', '--data-dir', cliDir, '--testnet', TESTNET_DIR, '--testnet-client', '2'])
      assert.equal(sent.code, 0, sent.stderr)
      assert.equal(jsonLines(sent.stdout).find(e => e.event === 'chat-sent')?.state, 'delivered')
      await until('alice has it', () => atAlice.some(m => m.text === 'from the command line'), 60_000)
    } finally {
      if (child.exitCode == null && child.pid != null) {
        // the whole group: script and the node process under it
        try { process.kill(-child.pid, 'SIGKILL') } catch {}
      }
    }
  })
})
