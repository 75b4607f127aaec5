/**
 * The interactive chat session on node:readline (Node 20; ink needs 22).
 *
 * Human mode: a prompt; lines starting with / are commands, other lines go
 * to the selected contact or group (/to <name>). Incoming messages print
 * above the prompt with the time, the sender and, for our own messages,
 * the delivery state as it changes.
 *
 * --json mode: every line of stdin is a command, either the same slash
 * command text or a JSON object {"cmd": "msg", "to": "bob", "text": "hi"};
 * every event and every command's result is one JSON object per line on
 * stdout. Errors are {"event":"chat-error","message":...} lines: a bad
 * command never ends the session.
 */
import { createInterface, type Interface } from 'node:readline'
import type { Output } from './output.js'
import type { ChatClient, MessageView } from '../chat/client.js'

export interface ChatUiOptions {
  output: Output
  json: boolean
  input: NodeJS.ReadableStream
  /** a real terminal: readline draws a prompt */
  terminal: boolean
}

const HELP = `commands:
  /invite                      show your invite code and QR code again
  /add <invite> [name]         add a contact from their invite and send a request
  /accept [name]               accept a contact request (the newest, or the one named)
  /contacts                    your contacts and their state
  /to <name|group>             send plain lines to this contact or group
  /msg <name> <text>           send one message
  /send <name> <file>          send a file (resumable, SHA-256 checked)
  /verify <name>               show the safety number; compare it aloud, then: /verify <name> yes
  /history [name]              the last messages
  /group create <name> <contact>...   a group with these contacts
  /group invite <group> <contact>     add a member (new key)
  /group remove <group> <contact>     remove a member (new key: it cannot read what follows)
  /group leave <group>                leave a group
  /group msg <group> <text>           send to a group
  /groups                      your groups and their members
  /read                        mark everything shown as read (sends read receipts if enabled)
  /quit                        stop`

/**
 * Text from a peer, safe to print on a terminal: control characters (an
 * escape sequence could move the cursor, rewrite earlier lines or set the
 * window title) and bidi overrides are shown as \u{…} instead of acting.
 * Newlines stay, indented, so a message cannot pass itself off as a line of ours.
 */
export function printable (text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, (c) => `\\u{${c.codePointAt(0)?.toString(16) ?? ''}}`)
    .replace(/\n/g, '\n    ')
}

function time (t: number): string {
  return new Date(t).toTimeString().slice(0, 8)
}

/** Splits a command line into words; "double quotes" keep spaces. */
export function words (line: string): string[] {
  const out: string[] = []
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g
  let m: RegExpExecArray | null
  while ((m = re.exec(line)) != null) out.push(m[1] != null ? m[1].replace(/\\(.)/g, '$1') : m[2])
  return out
}

/** A --json command object as the words of its slash command. */
export function jsonArgv (o: Record<string, unknown>): string[] {
  const str = (k: string): string[] => o[k] == null ? [] : [String(o[k])]
  const cmd = String(o.cmd ?? '')
  switch (cmd) {
    case 'add': return [cmd, ...str('invite'), ...str('name')]
    case 'accept': case 'history': case 'to': return [cmd, ...str('name'), ...str('to')]
    case 'msg': return [cmd, ...str('to'), ...str('text')]
    case 'send': return [cmd, ...str('to'), ...str('path')]
    case 'verify': return [cmd, ...str('name'), ...(o.confirm === true ? ['yes'] : [])]
    case 'group': {
      const members = Array.isArray(o.members) ? o.members.map(String) : []
      return [cmd, ...str('action'), ...str('group'), ...members, ...str('contact'), ...str('text')]
    }
    default: return [cmd]
  }
}

export class ChatUi {
  private readonly client: ChatClient
  private readonly opts: ChatUiOptions
  private rl?: Interface
  private target?: { kind: 'contact' | 'group', name: string }
  private resolveDone!: () => void
  readonly done: Promise<void>
  private readonly shown: string[] = []
  private lastRequest?: string

  constructor (client: ChatClient, opts: ChatUiOptions) {
    this.client = client
    this.opts = opts
    this.done = new Promise(resolve => { this.resolveDone = resolve })
  }

  static formatMessage (m: MessageView): string {
    const who = m.dir === 'out' ? `you → ${m.group != null ? `#${m.group}` : m.contact}` : m.group != null ? `${m.from ?? m.contact} in #${m.group}` : m.contact
    const state = m.dir === 'out' ? ` (${m.state})` : ''
    return `[${time(m.time)}] ${printable(who)}: ${printable(m.text)}${state}`
  }

  private print (line: string): void {
    if (this.opts.json) return
    if (this.rl != null && this.opts.terminal) {
      // above the prompt
      process.stdout.write('\r\x1b[K')
      this.opts.output.result(line)
      this.rl.prompt(true)
    } else {
      this.opts.output.result(line)
    }
  }

  private event (e: Record<string, unknown> & { event: string }): void {
    this.opts.output.event(e as any)
  }

  async showInvite (): Promise<void> {
    const invite = this.client.inviteCode()
    this.event({ event: 'chat-invite', invite, address: this.client.address(), peerId: this.client.peerId })
    if (this.opts.json) return
    this.opts.output.result(`your chat address: ${this.client.address()}`)
    this.opts.output.result(`your invite: ${invite}`)
    try {
      const qr = (await import('qrcode-terminal')).default
      qr.generate(invite, { small: true }, (text: string) => { this.opts.output.result(text) })
    } catch {}
  }

  start (): void {
    const c = this.client
    c.addEventListener('message', (e) => {
      const m = e.detail
      this.shown.push(m.id)
      this.event({ event: 'chat-message', ...m })
      this.print(ChatUi.formatMessage(m))
    })
    c.addEventListener('state', (e) => {
      this.event({ event: 'chat-state', ...e.detail })
      this.print(`  ${e.detail.state === 'read' ? '✓✓ read' : e.detail.state === 'delivered' ? '✓ delivered' : e.detail.state} (to ${e.detail.contact}, ${e.detail.id.slice(0, 8)})`)
    })
    c.addEventListener('request', (e) => {
      this.lastRequest = e.detail.name
      this.event({ event: 'chat-request', ...e.detail })
      this.print(`contact request from ${printable(e.detail.name)} (${e.detail.peerId}): /accept ${printable(e.detail.name)}`)
    })
    c.addEventListener('contact', (e) => {
      this.event({ event: 'chat-contact', ...e.detail })
      this.print(`contact ${e.detail.name}: ${e.detail.state}`)
    })
    c.addEventListener('key-changed', (e) => {
      this.event({ event: 'chat-key-changed', ...e.detail })
      this.print(this.opts.output.err('red', `!!! THE IDENTITY KEY OF ${e.detail.name.toUpperCase()} CHANGED !!!`) + `\n  safety number was ${e.detail.previous}\n  it is now        ${e.detail.now}\n  Compare the new number with ${e.detail.name} in person or by voice before trusting it (/verify ${e.detail.name}).`)
    })
    c.addEventListener('group', (e) => {
      this.event({ event: 'chat-group', ...e.detail })
      this.print(`group ${e.detail.name}: ${e.detail.removed ? 'you are no longer a member' : `epoch ${e.detail.epoch}, members ${e.detail.members.map(m => m.name).join(', ')}`}`)
    })
    c.addEventListener('file-offer', (e) => {
      this.event({ event: 'chat-file-offer', ...e.detail })
      this.print(`${printable(e.detail.contact)} sends a file: ${printable(e.detail.name)} (${e.detail.size} bytes)`)
    })
    let lastBar = 0
    c.addEventListener('file-progress', (e) => {
      const now = Date.now()
      if (now - lastBar < 250 && e.detail.received < e.detail.size) return
      lastBar = now
      this.event({ event: 'chat-file-progress', ...e.detail })
      if (!this.opts.json) this.opts.output.progress('file' as any, Math.floor(100 * e.detail.received / Math.max(1, e.detail.size)), `receiving from ${e.detail.contact}`)
    })
    c.addEventListener('file-done', (e) => {
      this.event({ event: 'chat-file-done', ...e.detail })
      this.print(`file from ${e.detail.contact} saved: ${e.detail.path} (${e.detail.bytes} bytes, SHA-256 checked${e.detail.resumedFrom.length > 0 ? `, resumed ${e.detail.resumedFrom.length}×` : ''})`)
    })
    c.addEventListener('file-failed', (e) => {
      this.event({ event: 'chat-file-failed', ...e.detail })
      this.print(`file from ${e.detail.contact} failed: ${e.detail.error}`)
    })
    c.addEventListener('warning', (e) => {
      this.event({ event: 'warning', message: e.detail.message } as any)
      this.print(this.opts.output.err('yellow', `warning: ${e.detail.message}`))
    })

    this.rl = createInterface({ input: this.opts.input, output: this.opts.terminal ? process.stdout : undefined, terminal: this.opts.terminal, prompt: '> ' })
    // one command at a time, in order
    let chain = Promise.resolve()
    this.rl.on('line', (line) => {
      chain = chain.then(async () => { await this.command(line) }).catch(() => {})
    })
    this.rl.on('close', () => { void chain.then(() => this.resolveDone()) })
    if (this.opts.terminal) this.rl.prompt()
  }

  close (): void {
    this.rl?.close()
    this.resolveDone()
  }

  private ok (result: Record<string, unknown>, line?: string): void {
    this.event({ event: 'chat-ok', ...result })
    if (line != null) this.print(line)
  }

  /** One command line (or JSON object in --json mode). Never throws: errors are printed. */
  async command (raw: string): Promise<void> {
    const line = raw.trim()
    if (line === '') return
    try {
      let argv: string[]
      if (line.startsWith('{')) {
        argv = jsonArgv(JSON.parse(line) as Record<string, unknown>)
      } else if (line.startsWith('/')) {
        argv = words(line.slice(1))
      } else {
        if (this.target == null) throw new Error('no contact selected: /to <name> first, or /msg <name> <text>')
        const m = this.target.kind === 'group' ? await this.client.sendGroup(this.target.name, line) : await this.client.send(this.target.name, line)
        this.ok({ cmd: 'msg', id: m.id, state: m.state }, ChatUi.formatMessage(m))
        return
      }
      await this.run(argv, line)
    } catch (err) {
      const message = (err as Error).message ?? String(err)
      this.event({ event: 'chat-error', message })
      this.print(this.opts.output.err('red', `error: ${message}`))
    }
  }

  private rest (line: string, n: number): string {
    // the text after the first n words of a slash command, as typed
    let s = line.replace(/^\/?\s*/, '')
    for (let i = 0; i < n; i++) s = s.replace(/^\S+\s*/, '')
    return s
  }

  private async run (argv: string[], line: string): Promise<void> {
    const c = this.client
    const [cmd, ...args] = argv
    const json = line.startsWith('{')
    // the text after the command and its first n arguments, as typed
    const text = (n: number): string => json ? args[args.length - 1] ?? '' : this.rest(line, n + 1)
    switch (cmd) {
      case 'help': this.print(HELP); return
      case 'quit': case 'exit': this.close(); return
      case 'invite': await this.showInvite(); return
      case 'add': {
        if (args[0] == null) throw new Error('usage: /add <invite> [name]')
        const v = await c.add(args[0], args[1])
        this.ok({ cmd: 'add', contact: v.name, peerId: v.peerId, state: v.state }, `added ${v.name}: request queued (it goes out when ${v.name} is reachable)`)
        return
      }
      case 'accept': {
        const name = args[0] ?? this.lastRequest
        if (name == null) throw new Error('no request waiting')
        const v = await c.accept(name)
        this.ok({ cmd: 'accept', contact: v.name, state: v.state }, `accepted ${v.name}`)
        return
      }
      case 'contacts': {
        const list = c.listContacts()
        this.ok({ cmd: 'contacts', contacts: list })
        for (const v of list) this.print(`${v.name}  ${v.state}${v.verified ? '  verified' : ''}${v.keyChanged ? '  KEY CHANGED' : ''}  ${v.peerId}`)
        if (list.length === 0) this.print('no contacts yet: /add <invite>')
        return
      }
      case 'to': {
        const name = args[0]
        if (name == null) throw new Error('usage: /to <name|group>')
        const isGroup = c.listGroups().some(g => g.name === name)
        if (!isGroup) c.contact(name)
        this.target = { kind: isGroup ? 'group' : 'contact', name }
        this.ok({ cmd: 'to', target: name }, `talking to ${isGroup ? '#' : ''}${name}`)
        return
      }
      case 'msg': {
        if (args[0] == null) throw new Error('usage: /msg <name> <text>')
        const m = await c.send(args[0], text(1))
        this.ok({ cmd: 'msg', id: m.id, state: m.state }, ChatUi.formatMessage(m))
        return
      }
      case 'send': {
        if (args[0] == null || args[1] == null) throw new Error('usage: /send <name> <file>')
        const f = await c.sendFile(args[0], args[1])
        this.ok({ cmd: 'send', ...f }, `offered ${f.name} (${f.size} bytes) to ${args[0]}`)
        return
      }
      case 'verify': {
        if (args[0] == null) throw new Error('usage: /verify <name> [yes]')
        const v = c.contact(args[0])
        if (args[1] === 'yes') {
          await c.verify(args[0])
          this.ok({ cmd: 'verify', contact: v.name, verified: true }, `${v.name} is verified`)
        } else {
          const n = v.safetyNumber.match(/.{5}/g) ?? []
          this.ok({ cmd: 'verify', contact: v.name, safetyNumber: v.safetyNumber, verified: v.verified }, `safety number with ${v.name}:\n  ${n.slice(0, 4).join(' ')}\n  ${n.slice(4, 8).join(' ')}\n  ${n.slice(8).join(' ')}\ncompare it with ${v.name} (it is the same on both sides), then: /verify ${v.name} yes`)
        }
        return
      }
      case 'history': {
        const list = await c.history(args[0], 50)
        this.ok({ cmd: 'history', messages: list })
        for (const m of list) this.print(ChatUi.formatMessage(m))
        return
      }
      case 'read': {
        const ids = this.shown.splice(0)
        await c.markRead(ids)
        this.ok({ cmd: 'read', count: ids.length })
        return
      }
      case 'groups': {
        const list = c.listGroups()
        this.ok({ cmd: 'groups', groups: list })
        for (const g of list) this.print(`#${g.name}  epoch ${g.epoch}${g.removed ? '  (left)' : ''}  ${g.members.map(m => m.name).join(', ')}`)
        return
      }
      case 'group': {
        const [action, group, ...more] = args
        if (group == null) throw new Error('usage: /group create|invite|remove|leave|msg <group> ...')
        if (action === 'create') {
          const g = await c.createGroup(group, more)
          this.ok({ cmd: 'group', action, group: g.name, id: g.id, members: g.members }, `group ${g.name} created`)
        } else if (action === 'invite') {
          const g = await c.inviteToGroup(group, more[0])
          this.ok({ cmd: 'group', action, group: g.name, epoch: g.epoch }, `${more[0]} joined ${g.name}`)
        } else if (action === 'remove') {
          const g = await c.removeFromGroup(group, more[0])
          this.ok({ cmd: 'group', action, group: g.name, epoch: g.epoch }, `${more[0]} removed from ${g.name}: new key (epoch ${g.epoch})`)
        } else if (action === 'leave') {
          await c.leaveGroup(group)
          this.ok({ cmd: 'group', action, group }, `left ${group}`)
        } else if (action === 'msg') {
          const m = await c.sendGroup(group, json ? more[more.length - 1] ?? '' : this.rest(line, 3))
          this.ok({ cmd: 'group', action, group, id: m.id }, ChatUi.formatMessage(m))
        } else {
          throw new Error(`unknown /group action ${action}: create, invite, remove, leave or msg`)
        }
        return
      }
      default:
        throw new Error(`unknown command /${cmd}: /help lists them`)
    }
  }
}
