/**
 * Sealed payloads for a member (issue 14): its X25519 keys and signed key
 * card (src/seal), the cards of the peers it seals to or opens from, and the
 * per-sender sequence check that makes a dropped message visible.
 *
 * - Cards come from the hub (the session's getCard) or from cards imported
 *   offline into `<dataDir>/cards/`; every card is verified against the
 *   PeerId it claims, so a hub that lies about a key is caught. Fetched cards
 *   are cached for `cardTtlMs` (30 s), well inside the 10-minute grace a
 *   rotated key keeps opening for, so senders pick up a new card without a
 *   restart.
 * - The key file is watched: `p2p-tor keys rotate` in another process makes
 *   a new key, and this member reloads it, makes a new card and hands it to
 *   `onCardChange` (the member puts it to the hub).
 * - Sequence numbers per (context) are kept in `<dataDir>/seal-seq.json`, so a
 *   one-shot `p2p-tor publish` continues where the last one stopped.
 * - Live messages are checked with a ReplayGuard of ±5 min clock skew and a
 *   10-minute id memory; messages replayed from the hub's history are old by
 *   design, so they get a guard of 30 days (the subscription drops repeated
 *   ids anyway).
 */
import { readdir, readFile } from 'node:fs/promises'
import { unwatchFile, watchFile } from 'node:fs'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { writeFileAtomically } from '../onion/atomic-file.js'
import {
  importCard, loadOrCreateSealKeys, makeCard, newerCard, open, ReplayGuard, seal, SEAL_KEY_FILE, SequenceTracker, verifyCard,
  type KeyCard, type OpenedSeal, type SealContext, type SealKeyRing, type SequenceObservation
} from '../seal/index.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

const log = logger('p2p-tor:sealing')

/** Where `p2p-tor keys import-card` puts cards received offline. */
export const IMPORTED_CARDS_DIR = 'cards'
export const SEQUENCE_FILE = 'seal-seq.json'
const DEFAULT_CARD_TTL_MS = 30_000
const MAX_CACHED_CARDS = 4096
const HISTORY_SKEW_MS = 30 * 24 * 3600 * 1000

/** How a member asks for a peer's card (the hub's getCard); undefined when nobody has one. */
export type CardFetcher = (peer: string) => Promise<Uint8Array | undefined>

export interface SealingInit {
  /** The member's libp2p identity key: it signs the card. */
  privateKey: PrivateKey
  /** Where the X25519 keys (seal-x25519.key), imported cards and sequence numbers live. */
  dataDir: string
  /** @default 30 s */
  cardTtlMs?: number
  /** Pad sealed payloads to power-of-two buckets (hides exact sizes). @default false */
  pad?: boolean
  /** How often the key file is checked for a rotation. @default 1000 ms */
  watchIntervalMs?: number
}

export class Sealing {
  readonly peerId: PeerId
  private readonly privateKey: PrivateKey
  private readonly dataDir: string
  private ring: SealKeyRing
  private myCard: KeyCard
  private readonly cards = new Map<string, { card: KeyCard, at: number }>()
  private readonly imported = new Map<string, KeyCard>()
  private readonly cardTtlMs: number
  private readonly pad: boolean
  private readonly live = new ReplayGuard()
  private readonly replayed = new ReplayGuard({ skewMs: HISTORY_SKEW_MS, windowMs: 2 * HISTORY_SKEW_MS })
  private readonly sequences = new SequenceTracker()
  private seq: Record<string, number> = {}
  private seqWrite: Promise<unknown> = Promise.resolve()
  private readonly listeners = new Set<(card: KeyCard) => void>()
  private readonly keyFile: string

  private constructor (init: SealingInit, ring: SealKeyRing, card: KeyCard) {
    this.privateKey = init.privateKey
    this.peerId = peerIdFromPrivateKey(init.privateKey)
    this.dataDir = init.dataDir
    this.ring = ring
    this.myCard = card
    this.cardTtlMs = init.cardTtlMs ?? DEFAULT_CARD_TTL_MS
    this.pad = init.pad === true
    this.keyFile = join(init.dataDir, SEAL_KEY_FILE)
  }

  static async open (init: SealingInit): Promise<Sealing> {
    const ring = await loadOrCreateSealKeys(init.dataDir)
    const card = await makeCard(init.privateKey, ring.current)
    const s = new Sealing(init, ring, card)
    await s.loadImported()
    try {
      s.seq = JSON.parse(await readFile(join(init.dataDir, SEQUENCE_FILE), 'utf8'))
    } catch {}
    watchFile(s.keyFile, { interval: init.watchIntervalMs ?? 1000, persistent: false }, () => { void s.reloadKeys() })
    return s
  }

  /** This member's current signed card. */
  get card (): KeyCard {
    return this.myCard
  }

  /** Called with the new card after a rotation. */
  onCardChange (fn: (card: KeyCard) => void): () => void {
    this.listeners.add(fn)
    return () => { this.listeners.delete(fn) }
  }

  close (): void {
    unwatchFile(this.keyFile)
    this.listeners.clear()
  }

  /** Re-reads the key file (after `keys rotate`); a new current key makes a new card. */
  async reloadKeys (): Promise<void> {
    try {
      const ring = await loadOrCreateSealKeys(this.dataDir)
      if (Buffer.from(ring.current.publicKey).equals(Buffer.from(this.ring.current.publicKey))) {
        this.ring = ring
        return
      }
      this.ring = ring
      this.myCard = await makeCard(this.privateKey, ring.current)
      log('sealing key rotated; new card %s', Buffer.from(this.myCard.keyId).toString('hex'))
      for (const fn of this.listeners) fn(this.myCard)
    } catch (err) {
      log.error('reloading the sealing keys failed: %s', (err as Error).message)
    }
  }

  /** A peer's verified card: cached, else fetched (and verified), else imported. */
  async cardOf (peer: string, fetch: CardFetcher, opts: { fresh?: boolean } = {}): Promise<KeyCard | undefined> {
    if (peer === this.peerId.toString()) return this.myCard
    const cached = this.cards.get(peer)
    if (cached != null && opts.fresh !== true && Date.now() - cached.at < this.cardTtlMs) return cached.card
    let card = this.imported.get(peer)
    try {
      const bytes = await fetch(peer)
      if (bytes != null) {
        const fetched = await verifyCard(bytes, peer)
        card = card == null ? fetched : newerCard(card, fetched)
      }
    } catch (err) {
      // a card the hub altered or another identity signed is refused here
      log.error('the card offered for %s was refused: %s', peer, (err as Error).message)
      if (cached != null) return cached.card
      if (card == null) throw err
    }
    if (card == null) return undefined
    this.cards.set(peer, { card, at: Date.now() })
    if (this.cards.size > MAX_CACHED_CARDS) this.cards.delete(this.cards.keys().next().value as string)
    return card
  }

  /** Seals `payload` for `recipients` on `context`, with the next sequence number of this context. */
  async seal (context: SealContext, payload: Uint8Array, recipients: string[], fetch: CardFetcher, id: Uint8Array, time = Date.now()): Promise<Uint8Array> {
    // fetched at once, not one hub round trip after another
    const cards: KeyCard[] = await Promise.all([...new Set(recipients)].map(async (peer) => {
      const card = await this.cardOf(peer, fetch)
      if (card == null) throw new NoCardError(peer)
      return card
    }))
    const key = `${context.kind} ${context.name}`
    const seq = (this.seq[key] ?? 0) + 1
    this.seq[key] = seq
    this.persistSeq()
    return await seal({ payload, context, sender: { peerId: this.peerId, keys: this.ring }, recipients: cards, id, time, seq, pad: this.pad })
  }

  /**
   * Opens a sealed payload that arrived on `context`. Throws a SealOpenError
   * (its `reason` names why) or NotFromAcceptedSenderError. `sequence` is
   * the gap check of this sender on this context.
   */
  async open (context: SealContext, bytes: Uint8Array, fetch: CardFetcher, opts: { replayed?: boolean, accept?: Set<string> } = {}): Promise<{ opened: OpenedSeal, sequence: SequenceObservation }> {
    const opened = await open(bytes, {
      context,
      me: { peerId: this.peerId, keys: this.ring },
      senderCard: async (sender) => await this.cardOf(sender.toString(), fetch),
      replay: opts.replayed === true ? this.replayed : this.live
    })
    const sender = opened.sender.toString()
    if (opts.accept != null && !opts.accept.has(sender)) throw new NotFromAcceptedSenderError(sender, context.name)
    const sequence = this.sequences.observe(sender, context, opened.seq)
    return { opened, sequence }
  }

  private persistSeq (): void {
    const bytes = new TextEncoder().encode(JSON.stringify(this.seq))
    this.seqWrite = this.seqWrite.then(async () => await writeFileAtomically(join(this.dataDir, SEQUENCE_FILE), bytes, { replace: true }))
      .catch((err: Error) => { log.error('saving sequence numbers failed: %s', err.message) })
  }

  /**
   * Waits for pending sequence-number writes. A publish does not wait for
   * them (an fsync each); a one-shot `p2p-tor publish` does before it exits.
   * A crash before a write only makes the next numbers repeat older ones,
   * which subscribers report as a restart, not as a gap.
   */
  async flush (): Promise<void> {
    await this.seqWrite
  }

  private async loadImported (): Promise<void> {
    let names: string[] = []
    try {
      names = await readdir(join(this.dataDir, IMPORTED_CARDS_DIR))
    } catch {
      return
    }
    for (const name of names.filter(n => n.endsWith('.card')).slice(0, MAX_CACHED_CARDS)) {
      try {
        const card = await importCard((await readFile(join(this.dataDir, IMPORTED_CARDS_DIR, name), 'utf8')).trim())
        const peer = card.peerId.toString()
        const had = this.imported.get(peer)
        this.imported.set(peer, had == null ? card : newerCard(had, card))
      } catch (err) {
        log.error('an imported card (%s) was refused: %s', name, (err as Error).message)
      }
    }
  }
}

/** Sealing to a peer whose card nobody has (it never connected to the hub, and none was imported). */
export class NoCardError extends Error {
  static override name = 'NoCardError'
  readonly peer: string

  constructor (peer: string) {
    super(`no key card is known for ${peer}: it has not joined the hub since the hub started, and none was imported; start that member once, or import its card (p2p-tor keys import-card)`)
    this.name = 'NoCardError'
    this.peer = peer
  }
}

/** A sealed message that opened, but from a sender this subscription does not accept. */
export class NotFromAcceptedSenderError extends Error {
  static override name = 'NotFromAcceptedSenderError'
  readonly reason = 'wrong-sender'
  readonly sender: string

  constructor (sender: string, context: string) {
    super(`a sealed message on ${context} came from ${sender}, which this subscription does not accept (sealedFrom)`)
    this.name = 'NotFromAcceptedSenderError'
    this.sender = sender
  }
}
