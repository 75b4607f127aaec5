/**
 * `p2p-tor chat`: the terminal chat (issue 16, docs/chat.md) on this data
 * dir's onion service, and its non-interactive forms:
 *
 * - `p2p-tor chat` publishes the chat address, prints the invite (and a QR
 *   code), then runs the interactive session (chat-ui.ts) until /quit or
 *   Ctrl-C; with --json it reads commands and prints events as JSON lines.
 * - `p2p-tor chat send <name> <text>` sends one message from a dial-only
 *   node (no onion service): directly, else through the contact's mailbox,
 *   else it stays queued for the next session.
 * - `p2p-tor chat inbox` prints the unread messages from the store (no tor),
 *   or with --fetch first fetches the mailbox.
 * - `p2p-tor chat invite` prints the invite (no tor).
 *
 * Chat keeps its store in <data dir>/chat: chat.db (every value encrypted),
 * store.key (0600) or store.salt (with a passphrase), downloads/.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ChatUi } from '../chat-ui.js'
import { outputFor, sinceStart, stopQuietly } from '../context.js'
import { ExitCode, UsageError } from '../errors.js'
import { loadOrCreateIdentity, type NodeIdentity } from '../identity.js'
import { ms } from '../json.js'
import { lockDataDir } from '../lock.js'
import { resolveDataDir, resolveTorChoice } from '../options.js'
import { checkEndpoints, obtainTor } from '../tor.js'
import { serveOnion, type ListenOptions, type OnionService } from './listen.js'
import type { CliContext } from '../context.js'
import type { Output } from '../output.js'
import type { ChatClient } from '../../chat/client.js'
import type { Invite } from '../../chat/invite.js'
import type { ChatStore } from '../../chat/store.js'
import type { TorNode, TorNodeOptions } from '../../node.js'
import type { TorHandle } from '../../tor/index.js'

export interface ChatFlags {
  /** the mailbox this user receives through while offline: /onion3/<id>:<port>/p2p/<PeerId> (kept for later runs) */
  mailbox?: string
  /** a file holding the history store's passphrase (else P2P_TOR_CHAT_PASSPHRASE, else store.key) */
  passphraseFile?: string
  readReceipts?: boolean
  downloads?: string
  /** MiB */
  maxFileMb?: number
  /** the name suggested to contacts */
  name?: string
}

export interface ChatOptions extends ListenOptions, ChatFlags {}

const MAILBOX_RECORD = 's/mailbox'

/** The history store's key: from a passphrase (scrypt) or store.key. */
async function storeKey (chatDir: string, flags: ChatFlags, ctx: CliContext): Promise<Uint8Array> {
  const { loadStoreKey } = await import('../../chat/store.js')
  let passphrase: string | undefined
  if (flags.passphraseFile != null) {
    passphrase = (await readFile(flags.passphraseFile, 'utf8')).replace(/\r?\n$/, '')
    if (passphrase === '') throw new UsageError(`${flags.passphraseFile} is empty: put the history passphrase in it`)
  } else if (ctx.env.P2P_TOR_CHAT_PASSPHRASE != null && ctx.env.P2P_TOR_CHAT_PASSPHRASE !== '') {
    passphrase = ctx.env.P2P_TOR_CHAT_PASSPHRASE
  }
  return await loadStoreKey(chatDir, { passphrase })
}

interface ChatParts {
  store: ChatStore
  invite: Invite
  chatDir: string
}

/** Opens the store and works out this user's invite (address, and mailbox if any). */
async function openParts (dataDir: string, identity: NodeIdentity, port: number, flags: ChatFlags, ctx: CliContext): Promise<ChatParts> {
  const { ChatStore } = await import('../../chat/store.js')
  const { decodeInvite } = await import('../../chat/invite.js')
  const { makeDirectory } = await import('../../onion/atomic-file.js')
  const { randomBytes } = await import('node:crypto')
  const chatDir = join(dataDir, 'chat')
  await makeDirectory(chatDir)
  const store = await ChatStore.open(join(chatDir, 'chat.db'), await storeKey(chatDir, flags, ctx))
  try {
    let mailbox: Invite['mailbox']
    const saved = await store.get(MAILBOX_RECORD)
    const savedMb = saved != null ? JSON.parse(new TextDecoder().decode(saved)) as { addr: string, inbox: string } : undefined
    const addr = flags.mailbox ?? savedMb?.addr
    if (addr != null) {
      let mb: Invite
      try {
        mb = decodeInvite(addr)
      } catch (err) {
        throw new UsageError(`--mailbox ${addr}: ${(err as Error).message}`)
      }
      const inbox = savedMb != null && savedMb.addr === addr ? savedMb.inbox : Buffer.from(randomBytes(16)).toString('hex')
      if (savedMb?.addr !== addr || savedMb?.inbox !== inbox) await store.put(MAILBOX_RECORD, new TextEncoder().encode(JSON.stringify({ addr, inbox })))
      mailbox = { peerId: mb.peerId, onion: mb.onion, port: mb.port, inbox: new Uint8Array(Buffer.from(inbox, 'hex')) }
    }
    const invite: Invite = { peerId: identity.peerId, onion: identity.onionKey.serviceId, port, mailbox }
    return { store, invite, chatDir }
  } catch (err) {
    await store.close()
    throw err
  }
}

async function startClient (node: TorNode, handle: TorHandle | undefined, socks: TorNodeOptions['socks'] | undefined, identity: NodeIdentity, dataDir: string, parts: ChatParts, flags: ChatFlags, extra: { offline?: boolean } = {}): Promise<ChatClient> {
  const { ChatClient } = await import('../../chat/client.js')
  const { loadOrCreateSealKeys } = await import('../../seal/index.js')
  const { createTorNode } = await import('../../node.js')
  const sealKeys = await loadOrCreateSealKeys(dataDir)
  return await ChatClient.start({
    node,
    privateKey: identity.privateKey,
    sealKeys,
    store: parts.store,
    invite: parts.invite,
    // a new identity for every deposit: the mailbox must not learn who deposits
    depositNode: async () => await createTorNode({ ...(handle != null ? { tor: handle } : { socks }), dialOnly: true }),
    downloadsDir: flags.downloads ?? join(parts.chatDir, 'downloads'),
    readReceipts: flags.readReceipts === true,
    selfName: flags.name,
    maxFileBytes: flags.maxFileMb != null ? flags.maxFileMb * 1024 * 1024 : undefined,
    mailboxPollMs: extra.offline === true ? 0 : undefined,
    offline: extra.offline
  })
}

/** `p2p-tor chat`: the interactive session on this data dir's onion service. */
export async function chatCommand (opts: ChatOptions, ctx: CliContext): Promise<number> {
  const dataDir = resolveDataDir(opts.dataDir, ctx.env)
  let client: ChatClient | undefined
  let parts: ChatParts | undefined
  let ui: ChatUi | undefined
  const service: OnionService = {
    command: 'chat',
    serving: 'chat: type /help for the commands; /quit or Ctrl-C to stop',
    start: async (handle, identity, port) => {
      const { createTorNode } = await import('../../node.js')
      parts = await openParts(dataDir, identity, port, opts, ctx)
      const node = await createTorNode({ tor: handle, privateKey: identity.privateKey, key: identity.onionKey, port })
      try {
        client = await startClient(node, handle, undefined, identity, dataDir, parts, opts)
      } catch (err) {
        await stopQuietly(node)
        throw err
      }
      return node
    },
    serve: async (_node, output) => {
      const c = client as ChatClient
      ui = new ChatUi(c, { output, json: opts.json === true, input: process.stdin, terminal: process.stdin.isTTY === true && opts.json !== true })
      await ui.showInvite()
      ui.start()
      return async () => {
        ui?.close()
        await c.stop()
        await parts?.store.close()
      }
    },
    finished: async () => { await (ui as ChatUi).done }
  }
  // `finished` is read after `serve`, so ui exists by then
  return await serveOnion(opts, ctx, service)
}

export interface ChatSendOptions extends ChatFlags {
  dataDir?: string
  json?: boolean
  port: number
  timeout?: number
  file?: boolean
  [k: string]: unknown
}

/** Opens the data dir (locked), tor (dial-only) and the client; runs `fn`; closes everything. */
async function withDialOnlyClient (opts: ChatSendOptions, ctx: CliContext, output: Output, command: string, fn: (c: ChatClient) => Promise<number>, offline = false): Promise<number> {
  const dataDir = resolveDataDir(opts.dataDir, ctx.env)
  const lock = await lockDataDir(dataDir)
  let parts: ChatParts | undefined
  let node: TorNode | undefined
  let client: ChatClient | undefined
  let closeTor: (() => Promise<void>) | undefined
  try {
    const identity = await loadOrCreateIdentity(dataDir)
    parts = await openParts(dataDir, identity, opts.port, opts, ctx)
    const { createTorNode } = await import('../../node.js')
    let handle: TorHandle | undefined
    let socks: TorNodeOptions['socks'] | undefined
    if (!offline) {
      const choice = resolveTorChoice(opts as any, ctx.env, 0)
      await checkEndpoints(choice)
      const tor = await obtainTor(choice, { dataDir, command, output, signal: ctx.signal, socksOnlyOk: true, reconnect: false })
      handle = tor.handle
      socks = tor.socks
      closeTor = async () => { await tor.handle?.close() }
      output.note(tor.description)
    }
    node = await createTorNode({ ...(handle != null ? { tor: handle } : socks != null ? { socks } : {}), privateKey: identity.privateKey, dialOnly: true })
    client = await startClient(node, handle, socks, identity, dataDir, parts, opts, { offline })
    return await fn(client)
  } finally {
    await client?.stop().catch(() => {})
    await stopQuietly(node)
    await parts?.store.close().catch(() => {})
    await closeTor?.().catch(() => {})
    await lock.release()
  }
}

/** `p2p-tor chat send <name> <text>` (or `--file <path>` as the text). */
export async function chatSendCommand (name: string, text: string, opts: ChatSendOptions, ctx: CliContext): Promise<number> {
  const output = outputFor(ctx, opts.json)
  return await withDialOnlyClient(opts, ctx, output, 'chat send', async (client) => {
    const t0 = sinceStart()
    if (opts.file === true) {
      const f = await client.sendFile(name, text)
      output.event({ event: 'chat-file-offered', contact: name, id: f.id, name: f.name, size: f.size })
    }
    const m = opts.file === true ? undefined : await client.send(name, text)
    const deadline = AbortSignal.any([ctx.signal, AbortSignal.timeout(opts.timeout ?? 120_000)])
    let state = m?.state ?? 'queued'
    client.addEventListener('state', (e) => { if (e.detail.id === m?.id) state = e.detail.state })
    try {
      await client.flush(name, deadline)
    } catch {}
    output.event({ event: 'chat-sent', contact: name, id: m?.id ?? null, state, sendMs: ms(sinceStart() - t0) })
    output.note(state === 'delivered' ? `delivered to ${name}` : state === 'sent' ? `left at ${name}'s mailbox: delivered when ${name} fetches it` : `queued: ${name} is not reachable and has no reachable mailbox; the next \`p2p-tor chat\` sends it`)
    return ExitCode.OK
  })
}

export interface ChatInboxOptions extends ChatSendOptions {
  fetch?: boolean
  markRead?: boolean
  all?: boolean
}

/** `p2p-tor chat inbox`: the unread messages (or with --all, the recent history). */
export async function chatInboxCommand (opts: ChatInboxOptions, ctx: CliContext): Promise<number> {
  const output = outputFor(ctx, opts.json)
  return await withDialOnlyClient(opts, ctx, output, 'chat inbox', async (client) => {
    if (opts.fetch === true) {
      const n = await client.checkMailbox()
      output.note(`fetched ${n} message(s) from the mailbox`)
    }
    const list = opts.all === true ? await client.history(undefined, 1000) : await client.inbox()
    for (const m of list) {
      output.event({ event: 'chat-message', ...m })
      output.result(ChatUi.formatMessage(m))
    }
    if (opts.markRead === true) await client.markRead(list.filter(m => m.dir === 'in').map(m => m.id))
    if (list.length === 0) output.note('no unread messages')
    return ExitCode.OK
  }, opts.fetch !== true)
}

/** `p2p-tor chat invite`: this user's invite code and chat address (no tor). */
export async function chatInviteCommand (opts: ChatSendOptions, ctx: CliContext): Promise<number> {
  const output = outputFor(ctx, opts.json)
  return await withDialOnlyClient(opts, ctx, output, 'chat invite', async (client) => {
    output.event({ event: 'chat-invite', invite: client.inviteCode(), address: client.address(), peerId: client.peerId })
    output.result(client.inviteCode())
    output.note(`chat address: ${client.address()}`)
    return ExitCode.OK
  }, true)
}
