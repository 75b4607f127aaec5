/**
 * The chat session's command parsing (src/cli/chat-ui.ts) against a stub
 * client: slash commands and --json objects become the same calls, quoted
 * words keep their spaces, plain lines go to the selected contact, and a bad
 * command is an error event, never a thrown error.
 */
import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { ChatUi, jsonArgv, printable, words } from '../../../src/cli/chat-ui.js'
import { Output } from '../../../src/cli/output.js'
import type { ChatClient } from '../../../src/chat/client.js'

interface Call { method: string, args: unknown[] }

function stubClient (calls: Call[]): ChatClient {
  const message = (to: string, text: string): unknown => ({ id: 'id1', contact: to, dir: 'out', time: 0, text, state: 'queued', kind: 'text', read: false })
  const stub: Record<string, unknown> = {
    send: async (to: string, text: string) => { calls.push({ method: 'send', args: [to, text] }); return message(to, text) },
    sendGroup: async (g: string, text: string) => { calls.push({ method: 'sendGroup', args: [g, text] }); return message(g, text) },
    add: async (invite: string, name?: string) => { calls.push({ method: 'add', args: [invite, name] }); return { name: name ?? 'x', peerId: 'p', state: 'requested' } },
    accept: async (name: string) => { calls.push({ method: 'accept', args: [name] }); return { name, state: 'accepted' } },
    contact: (name: string) => {
      if (name !== 'bob') throw Object.assign(new Error(`no contact named "${name}"`), { name: 'ContactNotFoundError' })
      return { name, peerId: 'p', safetyNumber: '1'.repeat(60), verified: false }
    },
    verify: async (name: string) => { calls.push({ method: 'verify', args: [name] }) },
    listGroups: () => [{ name: 'trio', members: [] }],
    createGroup: async (name: string, members: string[]) => { calls.push({ method: 'createGroup', args: [name, members] }); return { name, id: 'g', members: [] } },
    removeFromGroup: async (g: string, who: string) => { calls.push({ method: 'removeFromGroup', args: [g, who] }); return { name: g, epoch: 2 } }
  }
  return stub as unknown as ChatClient
}

function ui (calls: Call[]): { ui: ChatUi, events: () => Array<Record<string, unknown>> } {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  stdout.on('data', (b: Buffer) => { out += b.toString() })
  stderr.resume()
  const output = new Output({ json: true, stdout: stdout as any, stderr: stderr as any, env: {} })
  const u = new ChatUi(stubClient(calls), { output, json: true, input: new PassThrough(), terminal: false })
  return { ui: u, events: () => out.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l)) }
}

describe('cli: the chat session\'s commands', () => {
  it('splits words, keeping "quoted phrases" whole', () => {
    assert.deepEqual(words('msg bob "hello there" x'), ['msg', 'bob', 'hello there', 'x'])
    assert.deepEqual(words('add p2ptor:abc "Bob \\"B\\" Smith"'), ['add', 'p2ptor:abc', 'Bob "B" Smith'])
  })

  it('maps each --json command to the words of its slash command', () => {
    assert.deepEqual(jsonArgv({ cmd: 'add', invite: 'p2ptor:x', name: 'bob' }), ['add', 'p2ptor:x', 'bob'])
    assert.deepEqual(jsonArgv({ cmd: 'msg', to: 'bob', text: 'hi there' }), ['msg', 'bob', 'hi there'])
    assert.deepEqual(jsonArgv({ cmd: 'send', to: 'bob', path: '/tmp/a b' }), ['send', 'bob', '/tmp/a b'])
    assert.deepEqual(jsonArgv({ cmd: 'verify', name: 'bob', confirm: true }), ['verify', 'bob', 'yes'])
    assert.deepEqual(jsonArgv({ cmd: 'group', action: 'create', group: 'trio', members: ['bob', 'carol'] }), ['group', 'create', 'trio', 'bob', 'carol'])
    assert.deepEqual(jsonArgv({ cmd: 'accept' }), ['accept'])
  })

  it('runs slash and JSON commands the same way; the text of /msg keeps its spacing', async () => {
    const calls: Call[] = []
    const { ui: u } = ui(calls)
    await u.command('/msg bob   two  spaces ')
    await u.command('{"cmd":"msg","to":"bob","text":"from json"}')
    await u.command('/add p2ptor:abc bob')
    await u.command('/group create trio bob carol')
    await u.command('/group remove trio carol')
    assert.deepEqual(calls, [
      { method: 'send', args: ['bob', 'two  spaces'] },
      { method: 'send', args: ['bob', 'from json'] },
      { method: 'add', args: ['p2ptor:abc', 'bob'] },
      { method: 'createGroup', args: ['trio', ['bob', 'carol']] },
      { method: 'removeFromGroup', args: ['trio', 'carol'] }
    ])
  })

  it('sends plain lines to the contact or group chosen with /to, and refuses them before', async () => {
    const calls: Call[] = []
    const { ui: u, events } = ui(calls)
    await u.command('hello?')
    assert.match(String(events().find(e => e.event === 'chat-error')?.message), /no contact selected/)
    await u.command('/to bob')
    await u.command('hello bob')
    await u.command('/to trio')
    await u.command('hello trio')
    assert.deepEqual(calls, [{ method: 'send', args: ['bob', 'hello bob'] }, { method: 'sendGroup', args: ['trio', 'hello trio'] }])
  })

  it('/verify shows the number first and marks verified only with "yes"', async () => {
    const calls: Call[] = []
    const { ui: u, events } = ui(calls)
    await u.command('/verify bob')
    assert.equal(calls.length, 0)
    assert.equal(events().find(e => e.cmd === 'verify')?.safetyNumber, '1'.repeat(60))
    await u.command('/verify bob yes')
    assert.deepEqual(calls, [{ method: 'verify', args: ['bob'] }])
  })

  it('turns a bad command, bad JSON or a library error into an error event and goes on', async () => {
    const calls: Call[] = []
    const { ui: u, events } = ui(calls)
    await u.command('/frobnicate')
    await u.command('{"cmd": ')
    await u.command('/to nobody')
    const errors = events().filter(e => e.event === 'chat-error').map(e => String(e.message))
    assert.equal(errors.length, 3)
    assert.match(errors[0], /unknown command \/frobnicate/)
    assert.match(errors[2], /no contact named "nobody"/)
  })
  it('shows a peer\'s control characters and bidi overrides instead of letting the terminal act on them', () => {
    assert.equal(printable('hi\u001b[2J\u001b]0;pwned\u0007'), 'hi\\u{1b}[2J\\u{1b}]0;pwned\\u{7}')
    assert.equal(printable('file\u202etxt.exe'), 'file\\u{202e}txt.exe')
    assert.equal(printable('two\r\nlines'), 'two\n    lines')
    const line = ChatUi.formatMessage({ id: 'x', contact: 'eve\u001b[1A', dir: 'in', time: 0, text: '\u001b[1Aevil', state: 'delivered', kind: 'text', read: false })
    assert.equal(line.includes('\u001b'), false)
  })
})
