/**
 * The `--json` output of the p2p-tor CLI: one JSON object per line on
 * stdout, nothing else on stdout. Human text (progress, hints) goes to stderr
 * in that mode. Scripts and tests rely on this format: fields are only ever
 * added, never renamed or removed, and consumers should ignore events and
 * fields they do not know.
 *
 * ## Events
 *
 * Every object has `"event"`. Durations are milliseconds (numbers, rounded to
 * 0.01). "Since start" means since the p2p-tor process started.
 *
 * | event | fields | printed by |
 * |---|---|---|
 * | `progress` | `phase`: `"tor"` \| `"bootstrap"` \| `"publish"` \| `"connect"` \| `"testnet"`; `percent`: 0-100 or `null` when unknown; `message` | listen, dial, testnet start |
 * | `listening` | `multiaddrs`: `["/onion3/<id>:<port>/p2p/<peerId>"]`; `peerId`; `serviceId` (56 chars, no ".onion"); `port`; `tor`: `"attach"` \| `"managed"`; `timeToReachableMs` (since start, until the first descriptor upload); `publishMs` (node start, ADD_ONION and the first upload alone) | listen |
 * | `connection` | `peerId` of a peer that connected (never an IP) | listen |
 * | `stopped` | `signal`: `"SIGINT"` \| `"SIGTERM"`; `shutdownMs` | listen |
 * | `connected` | `peerId`; `timeToConnectMs` (since start); `dialMs` (the dial alone: SOCKS, rendezvous, noise, yamux) | dial |
 * | `ping` | `seq` (1..count); `rttMs`, or `null` when that ping failed, then also `code` and `message` | dial |
 * | `summary` | `peerId`; `sent`; `received`; `lossPercent`; `minRttMs`, `avgRttMs`, `maxRttMs`, `medianRttMs` (`null` when nothing was received); `timeToConnectMs` and `timeToFirstPongMs` (since start; `null` if never); `dialMs` | dial |
 * | `id` | `peerId`; `serviceId`; `port`; `multiaddr` (`/onion3/<id>:<port>/p2p/<peerId>`); `dataDir`; `created` (true when a key was made by this run) | id |
 * | `testnet` | the network's `dir`, `basePort`, `clients` (`name`, `socksPort`, `controlPort`, `cookieFile`, `dataDir`), `torrcLines`, `scheduler`; `alreadyRunning`; `elapsedMs`; `env` (the variables of `testnet env`) | testnet start |
 * | `testnet-stopped` | `dir`; `cleaned`; `stopMs` | testnet stop |
 * | `testnet-status` | `dir`; `nodes`: `[{ name, role, pid?, alive }]` | testnet status |
 * | `testnet-env` | `dir`, `basePort`, `clients`, `torrcLines`, `scheduler`; `env` | testnet env |
 * | `joined` | `hub` (its multiaddr); `peerId` (this member); `joinMs` (dial + session) | publish, subscribe, register, call |
 * | `hub-lost` / `reconnected` | `message` / `subscriptions`, `registrations`, `attempts` | subscribe, register |
 * | `published` | `topic`; `id` (32 hex digits); `acknowledged`; `publishMs` | publish |
 * | `subscribed` | `topic`; `replayed` (retained messages sent for `--since`) | subscribe |
 * | `message` | `topic`; `from` (the publisher's PeerId); `id`; `time` (publisher's clock); `receivedAt`; `contentType`; `replayed`; `data` or `dataBase64` | subscribe |
 * | `registered` / `invocation` | `uri` / `uri`, `caller`, `ok`, `callMs`, `message` (when not ok) | register |
 * | `result` | `uri`; `callMs`; `data` or `dataBase64` | call |
 * | `member` / `refused` / `realm-reloaded` / `realm-error` | `peerId`, `joined` / `peerId`, `action`, `uri` / `disconnected` / `message` | hub (which prints `listening` first, as listen does) |
 * | `dropped` / `gap` | `topic`, `from`, `reason` (not-sealed, wrong-sender, not-a-recipient, tampered, replay, clock-skew, …) / `topic`, `from`, `missing` ([first, last] sequence numbers) | subscribe |
 * | `keys`, `keys-rotated`, `keys-imported` | `peerId`; `fingerprint`; `keyId`; `created`; `card` (p2p-tor-card:…); `graceMs` (rotate) | keys |
 * | `relay-listening` | `url` (the webhook URL as bound); `healthUrl`; `topic`; `sealTo`; `peerId` (the relay member) | webhook relay |
 * | `webhook-relay` | `kind`: `"accepted"` \| `"duplicate"` \| `"rejected"` \| `"forwarded"` \| `"retrying"` \| `"dropped"`; `status`, `reason`, `githubEvent` (GitHub's X-GitHub-Event), `delivery`, `topic`, `queued`, `attempts`, `retryInMs` when they apply (never the body or the secret) | webhook relay |
 * | `builder-ready` | `topic`; `from`; `replayed` (events the hub's history handed over); `statePath`; `peerId` | webhook run |
 * | `webhook-builder` | `kind`: `"accepted"` \| `"collapsed"` \| `"ignored"` \| `"rejected"` \| `"build-started"` \| `"build-finished"` \| `"error"`; `id`, `githubEvent`, `delivery`, `ref`, `after`, `replayed`, `reason`, `deliveries`, `exitCode`, `signal`, `timedOut`, `durationMs` when they apply | webhook run |
 * | `mailbox` | `multiaddr` (`/onion3/<id>:<port>/p2p/<peerId>`: chat's `--mailbox`); `peerId`; `inboxes`, `blobs`, `bytes` (what the store holds) | mailbox (after `listening`) |
 * | `mailbox-activity` | `kind`: `"registered"` \| `"stored"` \| `"fetched"` \| `"deleted"` \| `"expired"` \| `"refused"`; `count`; `blobBytes` (stored), `more` (fetched), `request` and `code` (refused) when they apply; `inboxes`, `blobs`, `bytes` after it. Never an inbox id or a PeerId | mailbox |
 * | `error` | `code` (stable, e.g. `"HS_DESC_NOT_FOUND"`, see errors.ts); `exitCode`; `message` (one line) | any command, last line |
 *
 * Example (`p2p-tor dial … --count 2 --json`):
 *
 * ```
 * {"event":"progress","phase":"connect","percent":null,"message":"12D3KooW… through tor"}
 * {"event":"connected","peerId":"12D3KooW…","timeToConnectMs":812.4,"dialMs":402.17}
 * {"event":"ping","seq":1,"rttMs":17.2}
 * {"event":"ping","seq":2,"rttMs":16.05}
 * {"event":"summary","peerId":"12D3KooW…","sent":2,"received":2,"lossPercent":0,"minRttMs":16.05,"avgRttMs":16.63,"maxRttMs":17.2,"medianRttMs":16.63,"timeToConnectMs":812.4,"timeToFirstPongMs":830.1,"dialMs":402.17}
 * ```
 */

import type { NodeStatus, TestnetInfo } from '../testnet/index.js'
import type { BuilderLogEntry, RelayLogEntry } from '../webhook/index.js'

export type ProgressPhase = 'tor' | 'bootstrap' | 'publish' | 'connect' | 'testnet'

export interface ProgressEvent {
  event: 'progress'
  phase: ProgressPhase
  percent: number | null
  message: string
}

export interface ListeningEvent {
  event: 'listening'
  multiaddrs: string[]
  peerId: string
  serviceId: string
  port: number
  tor: 'attach' | 'managed'
  timeToReachableMs: number
  publishMs: number
}

export interface ConnectionEvent {
  event: 'connection'
  peerId: string
}

export interface StoppedEvent {
  event: 'stopped'
  signal: string
  shutdownMs: number
}

/** listen: tor's control connection dropped; p2p-tor reconnects (unless --no-reconnect). */
export interface TorDownEvent {
  event: 'tor-down'
  message: string | null
}

/** listen: tor answers again and is bootstrapped; the service is being published again. */
export interface TorUpEvent {
  event: 'tor-up'
  downMs: number
  attempts: number
}

/** listen: the onion service is reachable again after a tor restart (its first descriptor upload). */
export interface ReachableEvent {
  event: 'reachable'
  serviceId: string
  /** From the moment tor went away to the first upload after it came back. */
  downMs: number
  publishMs: number
}

/** listen: publishing again after a tor restart failed; the next restart tries again. */
export interface RepublishFailedEvent {
  event: 'republish-failed'
  serviceId: string
  message: string
}

export interface ConnectedEvent {
  event: 'connected'
  peerId: string
  timeToConnectMs: number
  dialMs: number
}

export interface PingEvent {
  event: 'ping'
  seq: number
  rttMs: number | null
  code?: string
  message?: string
}

export interface SummaryEvent {
  event: 'summary'
  peerId: string | null
  sent: number
  received: number
  lossPercent: number
  minRttMs: number | null
  avgRttMs: number | null
  maxRttMs: number | null
  medianRttMs: number | null
  timeToConnectMs: number | null
  timeToFirstPongMs: number | null
  dialMs: number | null
}

export interface IdEvent {
  event: 'id'
  peerId: string
  serviceId: string
  port: number
  multiaddr: string
  dataDir: string
  created: boolean
}

/** Something the user asked for that did not happen as they may think, e.g. a password tor never checked. */
export interface WarningEvent {
  event: 'warning'
  /** Stable: PASSWORD_UNUSED. */
  code: string
  message: string
}

export interface ErrorEvent {
  event: 'error'
  code: string
  exitCode: number
  message: string
}

export interface TestnetEvent extends TestnetInfo {
  event: 'testnet'
  alreadyRunning: boolean
  elapsedMs: number
  env: Record<string, string>
}

export interface TestnetStoppedEvent {
  event: 'testnet-stopped'
  dir: string
  cleaned: boolean
  stopMs: number
}

export interface TestnetStatusEvent {
  event: 'testnet-status'
  dir: string
  nodes: NodeStatus[]
}

export interface TestnetEnvEvent extends TestnetInfo {
  event: 'testnet-env'
  env: Record<string, string>
}

/**
 * Messaging events (hub, publish, subscribe, register, call). Data fields are
 * `data` (UTF-8 text) or `dataBase64` (anything else).
 */
export type DataFields = { data: string } | { dataBase64: string }
export type MessagingEvent =
  | { event: 'joined', hub: string, peerId: string, joinMs: number }
  | { event: 'hub-lost', message: string | null }
  | { event: 'reconnected', subscriptions: number, registrations: number, attempts: number }
  | { event: 'published', topic: string, id: string, acknowledged: boolean, publishMs: number }
  | { event: 'subscribed', topic: string, replayed: number }
  | ({ event: 'message', topic: string, from: string, id: string, time: number, receivedAt: number, contentType: string, replayed: boolean } & DataFields)
  | { event: 'registered', uri: string }
  | { event: 'invocation', uri: string, caller: string, ok: boolean, callMs: number, message?: string }
  | ({ event: 'result', uri: string, callMs: number } & DataFields)
  | { event: 'member', peerId: string, joined: boolean }
  | { event: 'refused', peerId: string, action: string, uri: string | null }
  | { event: 'realm-reloaded', disconnected: string[] }
  | { event: 'realm-error', message: string }
  | { event: 'dropped', topic: string, from: string, reason: string }
  | { event: 'gap', topic: string, from: string, missing: [number, number] }
  | { event: 'keys' | 'keys-rotated' | 'keys-imported', peerId: string, fingerprint: string, keyId: string, created: number, card: string, graceMs?: number }
  // webhook relay / run (issue 15): the library's log entries as they are, never the body or the secret
  | { event: 'relay-listening', url: string, healthUrl: string, topic: string, sealTo: string[], peerId: string }
  | ({ event: 'webhook-relay', githubEvent?: string } & Omit<RelayLogEntry, 'event'>)
  | { event: 'builder-ready', topic: string, from: string[], replayed: number, statePath: string, peerId: string }
  | ({ event: 'webhook-builder', githubEvent?: string } & Omit<BuilderLogEntry, 'event'>)

/**
 * Chat (issue 16): every chat event's name starts with `chat-`; its fields
 * are the library's event detail as it is (src/chat/client.ts ChatEvents),
 * never a key or a store secret. See docs/chat.md.
 */
export type ChatCliEvent = { event: `chat-${string}` } & Record<string, unknown>

/** The chat mailbox (issue 16): counts only, never an inbox id or a depositor's PeerId. */
export interface MailboxStoreCounts { inboxes: number, blobs: number, bytes: number }
export type MailboxCliEvent =
  | ({ event: 'mailbox', multiaddr: string, peerId: string } & MailboxStoreCounts)
  | ({ event: 'mailbox-activity', kind: 'registered' | 'stored' | 'fetched' | 'deleted' | 'expired' | 'refused', count: number, blobBytes?: number, more?: boolean, request?: string, code?: string } & MailboxStoreCounts)

export type CliEvent = ChatCliEvent | MailboxCliEvent | MessagingEvent | ProgressEvent | ListeningEvent | ConnectionEvent | StoppedEvent | ConnectedEvent | PingEvent | SummaryEvent | IdEvent | WarningEvent | ErrorEvent |
  TorDownEvent | TorUpEvent | ReachableEvent | RepublishFailedEvent |
  TestnetEvent | TestnetStoppedEvent | TestnetStatusEvent | TestnetEnvEvent

/** Milliseconds as printed: rounded to 0.01; null stays null. */
export function ms (value: number): number
export function ms (value: number | null | undefined): number | null
export function ms (value: number | null | undefined): number | null {
  return value == null || !Number.isFinite(value) ? null : Math.round(value * 100) / 100
}

/** One line of `--json` output (with its newline). */
export function jsonLine (event: CliEvent): string {
  return JSON.stringify(event) + '\n'
}
