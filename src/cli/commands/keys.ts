/**
 * `p2p-tor keys show|rotate|export-card|import-card`: this data dir's
 * sealing keys (X25519, for sealed payloads) and its signed key card.
 * Never starts tor or libp2p. A running member watches its key file and
 * picks up a rotation by itself (and hands the new card to its hub).
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { outputFor } from '../context.js'
import { ExitCode, UsageError } from '../errors.js'
import { loadOrCreateIdentity } from '../identity.js'
import { readData } from '../member.js'
import { resolveDataDir } from '../options.js'
import type { CliContext } from '../context.js'
import type { KeyCard } from '../../seal/index.js'

export interface KeysOptions {
  dataDir?: string
  json?: boolean
}

export interface RotateOptions extends KeysOptions {
  /** Seconds the previous key keeps opening messages. */
  grace?: number
}

export interface ImportOptions extends KeysOptions {
  /** The PeerId the card must belong to (checked). */
  peer?: string
}

async function myCard (dataDir: string): Promise<{ card: KeyCard, peerId: string }> {
  const { loadOrCreateSealKeys, makeCard } = await import('../../seal/index.js')
  const identity = await loadOrCreateIdentity(dataDir)
  const ring = await loadOrCreateSealKeys(dataDir)
  return { card: await makeCard(identity.privateKey, ring.current), peerId: identity.peerId }
}

function cardFields (card: KeyCard, text: string, fingerprint: string): { peerId: string, fingerprint: string, keyId: string, created: number, card: string } {
  return { peerId: card.peerId.toString(), fingerprint, keyId: Buffer.from(card.keyId).toString('hex'), created: card.created, card: text }
}

export async function keysShowCommand (opts: KeysOptions, ctx: CliContext): Promise<number> {
  const output = outputFor(ctx, opts.json)
  const { exportCard, cardFingerprint } = await import('../../seal/index.js')
  const { card } = await myCard(resolveDataDir(opts.dataDir, ctx.env))
  const text = exportCard(card)
  const fingerprint = cardFingerprint(card)
  output.event({ event: 'keys', ...cardFields(card, text, fingerprint) })
  if (!output.json) {
    output.result(`peer id:     ${card.peerId.toString()}`)
    output.result(`fingerprint: ${fingerprint}   (compare it aloud; it changes when the key rotates)`)
    output.result(`card:        ${text}`)
  }
  return ExitCode.OK
}

export async function keysRotateCommand (opts: RotateOptions, ctx: CliContext): Promise<number> {
  const output = outputFor(ctx, opts.json)
  const { rotateSealKeys, DEFAULT_SEAL_KEY_GRACE_MS, exportCard, cardFingerprint } = await import('../../seal/index.js')
  const dataDir = resolveDataDir(opts.dataDir, ctx.env)
  const graceMs = opts.grace != null ? opts.grace * 1000 : DEFAULT_SEAL_KEY_GRACE_MS
  await loadOrCreateIdentity(dataDir)
  await rotateSealKeys(dataDir, { graceMs })
  const { card } = await myCard(dataDir)
  const fingerprint = cardFingerprint(card)
  output.event({ event: 'keys-rotated', graceMs, ...cardFields(card, exportCard(card), fingerprint) })
  output.result(`rotated: new fingerprint ${fingerprint}; the previous key opens messages for ${Math.round(graceMs / 1000)} s more; a running member of this data dir picks the new key up by itself`)
  return ExitCode.OK
}

export async function keysExportCommand (opts: KeysOptions, ctx: CliContext): Promise<number> {
  const output = outputFor(ctx, opts.json)
  const { exportCard, cardFingerprint } = await import('../../seal/index.js')
  const { card } = await myCard(resolveDataDir(opts.dataDir, ctx.env))
  const text = exportCard(card)
  output.event({ event: 'keys', ...cardFields(card, text, cardFingerprint(card)) })
  if (!output.json) ctx.stdout.write(text + '\n')
  return ExitCode.OK
}

export async function keysImportCommand (card: string, opts: ImportOptions, ctx: CliContext): Promise<number> {
  const output = outputFor(ctx, opts.json)
  const { importCard, cardFingerprint, exportCard } = await import('../../seal/index.js')
  const { writeFileAtomically } = await import('../../onion/atomic-file.js')
  const { IMPORTED_CARDS_DIR } = await import('../../messaging/sealing.js')
  const text = new TextDecoder().decode(await readData(card, 64 * 1024)).trim()
  let parsed: KeyCard
  try {
    parsed = await importCard(text, opts.peer)
  } catch (err) {
    throw new UsageError(`not a valid key card${opts.peer != null ? ` of ${opts.peer}` : ''}: ${(err as Error).message}`)
  }
  const dataDir = resolveDataDir(opts.dataDir, ctx.env)
  const dir = join(dataDir, IMPORTED_CARDS_DIR)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const peer = parsed.peerId.toString()
  await writeFileAtomically(join(dir, `${peer}.card`), new TextEncoder().encode(exportCard(parsed) + '\n'), { replace: true })
  const fingerprint = cardFingerprint(parsed)
  output.event({ event: 'keys-imported', ...cardFields(parsed, exportCard(parsed), fingerprint) })
  output.result(`imported the card of ${peer}, fingerprint ${fingerprint}: check it with its owner (p2p-tor keys show)`)
  return ExitCode.OK
}
