/**
 * Invites: what a contact needs to reach you (docs/chat.md, "Invites").
 *
 * Text form: `p2ptor:` + base58btc(version ‖ Invite protobuf ‖ checksum), where
 * version is one byte (1) and checksum is SHA-256(version ‖ protobuf)[0..4].
 * The framing (version first, 4-byte checksum last, over everything before
 * it) stays the same in every version, so a typo is reported as 'checksum'
 * and an invite from another version as 'version'. An invite without a
 * mailbox is 118 characters (the plain multiaddr is 126), with one 251 (see
 * the tests).
 *
 * The protobuf carries raw bytes: the PeerId's multihash, the onion
 * service's 32-byte ed25519 public key (its service id's checksum and
 * version byte are recomputed) and the port.
 *
 * decodeInvite also takes a plain libp2p address
 * `/onion3/<id>:<port>/p2p/<peer id>`, as an invite without a mailbox.
 */
import { InvalidParametersError } from '@libp2p/interface'
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import { sha256 } from '@noble/hashes/sha2.js'
import { base58btc } from 'multiformats/bases/base58'
import * as Digest from 'multiformats/hashes/digest'
import { parsePort, publicKeyFromServiceId, serviceIdFromPublicKey } from '../onion/address.js'
import { InvalidOnionAddressError } from '../onion/errors.js'
import { onionAddressFromMultiaddrString, onionAddressToMultiaddr } from '../onion/multiaddr.js'
import { InvalidInviteError } from './core-errors.js'
import { Invite as InvitePb } from './invite-pb.js'
import type { InviteMailbox as InviteMailboxPb } from './invite-pb.js'

export const INVITE_PREFIX = 'p2ptor:'
export const INVITE_VERSION = 1
export const INVITE_CHECKSUM_BYTES = 4
export const INBOX_ID_BYTES = 16
/**
 * The longest invite text read (after removing whitespace). A real one is
 * under 300 characters; the cap bounds base58 decoding, which is quadratic.
 */
export const MAX_INVITE_CHARS = 1024

/** A contact's mailbox: where to deposit blobs for them while they are offline. */
export interface InviteMailbox {
  /** the mailbox node's PeerId (base58btc text) */
  peerId: string
  /** the mailbox's onion service id: 56 characters, without ".onion" */
  onion: string
  /** 1..65535 */
  port: number
  /** the 16-byte inbox id the mailbox files the contact's blobs under */
  inbox: Uint8Array
}

export interface Invite {
  /** the owner's PeerId (base58btc text) */
  peerId: string
  /** the owner's onion service id: 56 characters, without ".onion" */
  onion: string
  /** 1..65535 */
  port: number
  mailbox?: InviteMailbox
}

function peerIdBytes (peerId: string, field: string): Uint8Array {
  try {
    return peerIdFromString(peerId).toMultihash().bytes
  } catch (err) {
    throw new InvalidParametersError(`invite field ${field} is not a PeerId: ${(err as Error).message}`)
  }
}

function onionKeyBytes (onion: string, field: string): Uint8Array {
  try {
    return publicKeyFromServiceId(onion)
  } catch (err) {
    throw new InvalidParametersError(`invite field ${field} is not a v3 onion service id (56 characters, no ".onion"): ${(err as Error).message}`)
  }
}

function portNumber (port: number, field: string): number {
  try {
    return parsePort(port)
  } catch {
    throw new InvalidParametersError(`invite field ${field} must be a port from 1 to 65535, got ${String(port)}`)
  }
}

/** The invite's text form. Throws InvalidParametersError naming a field that is not valid. */
export function encodeInvite (invite: Invite): string {
  const pb: InvitePb = {
    peerId: new Uint8Array(peerIdBytes(invite.peerId, 'peerId')),
    onionKey: new Uint8Array(onionKeyBytes(invite.onion, 'onion')),
    port: portNumber(invite.port, 'port')
  }
  const m = invite.mailbox
  if (m != null) {
    if (!(m.inbox instanceof Uint8Array) || m.inbox.length !== INBOX_ID_BYTES) {
      throw new InvalidParametersError(`invite field mailbox.inbox must be ${INBOX_ID_BYTES} bytes`)
    }
    pb.mailbox = {
      peerId: new Uint8Array(peerIdBytes(m.peerId, 'mailbox.peerId')),
      onionKey: new Uint8Array(onionKeyBytes(m.onion, 'mailbox.onion')),
      port: portNumber(m.port, 'mailbox.port'),
      inbox: new Uint8Array(m.inbox)
    }
  }
  const body = InvitePb.encode(pb)
  const bytes = new Uint8Array(1 + body.length + INVITE_CHECKSUM_BYTES)
  bytes[0] = INVITE_VERSION
  bytes.set(body, 1)
  bytes.set(checksum(bytes.subarray(0, 1 + body.length)), 1 + body.length)
  return INVITE_PREFIX + base58btc.baseEncode(bytes)
}

function checksum (bytes: Uint8Array): Uint8Array {
  return sha256(bytes).subarray(0, INVITE_CHECKSUM_BYTES)
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

function peerIdField (bytes: Uint8Array, field: string): string {
  if (bytes.length === 0) throw new InvalidInviteError('field', 'missing', field)
  try {
    return peerIdFromMultihash(Digest.decode(bytes)).toString()
  } catch (err) {
    throw new InvalidInviteError('field', 'not a PeerId multihash', field, { cause: err })
  }
}

function onionField (key: Uint8Array, field: string): string {
  if (key.length === 0) throw new InvalidInviteError('field', 'missing', field)
  try {
    return serviceIdFromPublicKey(key)
  } catch (err) {
    throw new InvalidInviteError('field', 'not a 32-byte ed25519 public key', field, { cause: err })
  }
}

function portField (port: number, field: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidInviteError('field', `${port === 0 ? 'missing' : `${port} is not a port from 1 to 65535`}`, field)
  return port
}

function mailboxField (m: InviteMailboxPb): InviteMailbox {
  if (m.inbox.length !== INBOX_ID_BYTES) throw new InvalidInviteError('field', `expected ${INBOX_ID_BYTES} bytes, got ${m.inbox.length}`, 'mailbox.inbox')
  return {
    peerId: peerIdField(m.peerId, 'mailbox.peerId'),
    onion: onionField(m.onionKey, 'mailbox.onion'),
    port: portField(m.port, 'mailbox.port'),
    inbox: new Uint8Array(m.inbox)
  }
}

/** `/onion3/<id>:<port>/p2p/<peer id>` read as an invite without a mailbox. */
function inviteFromMultiaddr (text: string): Invite {
  let address
  try {
    address = onionAddressFromMultiaddrString(text)
  } catch (err) {
    if (err instanceof InvalidOnionAddressError) {
      if (err.check === 'protocol') throw new InvalidInviteError('encoding', 'not an /onion3/<id>:<port>/p2p/<peer id> address', undefined, { cause: err })
      throw new InvalidInviteError('field', err.message, err.check === 'port' ? 'port' : 'onion', { cause: err })
    }
    throw err
  }
  if (address.peerId == null) throw new InvalidInviteError('field', 'the address has no /p2p/<peer id>; add it, or ask for an invite', 'peerId')
  let peerId: string
  try {
    peerId = peerIdFromString(address.peerId).toString()
  } catch (err) {
    throw new InvalidInviteError('field', 'not a PeerId', 'peerId', { cause: err })
  }
  return { peerId, onion: address.serviceId, port: address.port }
}

/**
 * Reads an invite's text form (whitespace anywhere is ignored, so a wrapped
 * line is fine), or a `/onion3/<id>:<port>/p2p/<peer id>` address. Throws
 * InvalidInviteError whose `reason` says which check failed.
 */
export function decodeInvite (text: string): Invite {
  if (typeof text !== 'string') throw new InvalidInviteError('encoding', 'not text')
  const trimmed = text.replace(/\s+/g, '')
  if (trimmed.length > MAX_INVITE_CHARS) throw new InvalidInviteError('encoding', `longer than ${MAX_INVITE_CHARS} characters`)
  if (trimmed.startsWith('/onion3/')) return inviteFromMultiaddr(trimmed)
  if (!trimmed.startsWith(INVITE_PREFIX)) throw new InvalidInviteError('prefix')
  if (trimmed.length === INVITE_PREFIX.length) throw new InvalidInviteError('encoding', 'nothing after "p2ptor:"')
  let bytes: Uint8Array
  try {
    bytes = base58btc.baseDecode(trimmed.slice(INVITE_PREFIX.length))
  } catch (err) {
    throw new InvalidInviteError('encoding', 'a character outside base58 (0, O, I and l never occur)', undefined, { cause: err })
  }
  if (bytes.length < 1 + INVITE_CHECKSUM_BYTES) throw new InvalidInviteError('checksum', 'too short to hold a checksum')
  const end = bytes.length - INVITE_CHECKSUM_BYTES
  if (!equalBytes(checksum(bytes.subarray(0, end)), bytes.subarray(end))) throw new InvalidInviteError('checksum')
  if (bytes[0] !== INVITE_VERSION) throw new InvalidInviteError('version', `version ${bytes[0]}, this build reads ${INVITE_VERSION}`)
  let pb: InvitePb
  try {
    pb = InvitePb.decode(bytes.subarray(1, end))
  } catch (err) {
    throw new InvalidInviteError('encoding', 'the checksum matches but the content is not an invite', undefined, { cause: err })
  }
  const invite: Invite = {
    peerId: peerIdField(pb.peerId, 'peerId'),
    onion: onionField(pb.onionKey, 'onion'),
    port: portField(pb.port, 'port')
  }
  if (pb.mailbox != null) invite.mailbox = mailboxField(pb.mailbox)
  return invite
}

/** The owner's libp2p address: `/onion3/<id>:<port>/p2p/<peer id>`. */
export function inviteMultiaddr (invite: Invite): string {
  return onionAddressToMultiaddr({ serviceId: invite.onion, port: invite.port }, invite.peerId).toString()
}

/** The mailbox's libp2p address, or undefined when the invite names no mailbox. */
export function mailboxMultiaddr (invite: Invite): string | undefined {
  const m = invite.mailbox
  return m == null ? undefined : onionAddressToMultiaddr({ serviceId: m.onion, port: m.port }, m.peerId).toString()
}
