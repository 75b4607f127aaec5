/**
 * Chat file transfer (issue 16, docs/chat.md "Files"): a sender makes a
 * FileOffer (makeOffer), sends it to a contact inside a sealed chat payload,
 * and serves it with a FileServer to that contact's PeerId only; the contact
 * pulls it with receiveFile, resumably, checked against the offer's SHA-256.
 * The pieces live in file-offer.ts, file-server.ts and file-receive.ts; this
 * module gathers them and adds the terminal progress bar.
 */
export { DEFAULT_MAX_FILE_BYTES, FILE_CHUNK_BYTES, FILE_ID_BYTES, FILE_PROTOCOL, checkOffer, makeOffer } from './file-offer.js'
export type { FileOffer, MakeOfferOptions } from './file-offer.js'
export { DEFAULT_FILE_MAX_STREAMS, DEFAULT_MAX_OFFERS, DEFAULT_OFFER_TTL_MS, FileServer } from './file-server.js'
export type { FileSendProgress, FileServerOptions } from './file-server.js'
export { DEFAULT_RETRIES, DEFAULT_STALL_MS, DEFAULT_TRANSFER_TIMEOUT_MS, receiveFile } from './file-receive.js'
export type { ReceiveFileOptions, ReceivedFile } from './file-receive.js'

const UNITS: Array<[number, string]> = [[1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']]

/**
 * A one-line progress bar for the terminal, sized in decimal units chosen by
 * `total`: `[#########.....................]  31%  6.2/20.0 MB`. Out-of-range
 * or non-finite input is clamped, so it never throws; a total of 0 is 100%.
 */
export function progressBar (done: number, total: number, width = 30): string {
  const all = Number.isFinite(total) && total > 0 ? total : 0
  const got = Number.isFinite(done) ? Math.min(Math.max(done, 0), all) : 0
  const cells = Number.isSafeInteger(width) && width > 0 ? Math.min(width, 1000) : 30
  const fraction = all === 0 ? 1 : got / all
  const filled = Math.floor(fraction * cells)
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4)
  const [scale, unit] = UNITS.find(([n]) => all >= n) ?? [1, 'B']
  const amount = scale === 1 ? `${got}/${all}` : `${(got / scale).toFixed(1)}/${(all / scale).toFixed(1)}`
  return `[${'#'.repeat(filled)}${'.'.repeat(cells - filled)}] ${percent}  ${amount} ${unit}`
}
