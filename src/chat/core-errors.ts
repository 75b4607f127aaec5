/**
 * Errors raised by the chat core pieces (invites, safety numbers, the
 * encrypted store, the sequencer, the blind seal). Each class is one
 * condition, matched by `.name`; messages say what happened and what to do
 * next, and never contain key, passphrase or plaintext bytes.
 */

/**
 * A sequence number so far beyond the next expected one that buffering it
 * would exceed the bound. The caller refuses the message (does not ack it),
 * so the sender retries it later, after the gap has filled.
 */
export class SequenceGapError extends Error {
  static override name = 'SequenceGapError'
  readonly seq: number
  readonly next: number
  readonly maxBuffered: number

  constructor (seq: number, next: number, maxBuffered: number) {
    super(`sequence number ${seq} is more than ${maxBuffered} ahead of the next expected ${next}; refuse it (do not acknowledge) so the sender sends it again once the earlier messages have arrived`)
    this.name = 'SequenceGapError'
    this.seq = seq
    this.next = next
    this.maxBuffered = maxBuffered
  }
}

/** Which check an invite failed. */
export type InviteProblem = 'prefix' | 'encoding' | 'checksum' | 'version' | 'field'

const INVITE_PROBLEMS: Record<InviteProblem, string> = {
  prefix: 'it does not start with "p2ptor:" (nor is it an /onion3/<id>:<port>/p2p/<peer id> address); copy the whole invite',
  encoding: 'it is not base58btc text of an invite',
  checksum: 'its checksum does not match, so a character was changed or lost; copy the invite again',
  version: 'it was made by a p2p-tor that writes another invite version; update p2p-tor or ask for an invite from the same version',
  field: 'a field is missing or wrong'
}

/**
 * An invite (or contact address) that cannot be read. `reason` names the
 * check; `field` names the field for reason 'field' (e.g. 'mailbox.inbox').
 */
export class InvalidInviteError extends Error {
  static override name = 'InvalidInviteError'
  readonly reason: InviteProblem
  readonly field?: string

  constructor (reason: InviteProblem, detail?: string, field?: string, options?: ErrorOptions) {
    super(`invalid invite: ${INVITE_PROBLEMS[reason]}${field != null ? ` (field ${field}${detail != null ? `: ${detail}` : ''})` : detail != null ? ` (${detail})` : ''}`, options)
    this.name = 'InvalidInviteError'
    this.reason = reason
    if (field != null) this.field = field
  }
}

/**
 * A PeerId whose identity key is not Ed25519 (RSA, secp256k1, or a PeerId
 * without an embedded key): chat identities, and so safety numbers, are
 * Ed25519 only.
 */
export class NotEd25519PeerIdError extends Error {
  static override name = 'NotEd25519PeerIdError'
  readonly peerId: string
  readonly keyType: string

  constructor (peerId: string, keyType: string) {
    super(`PeerId ${peerId} has a ${keyType} identity key, but chat identities are Ed25519; the contact must use a p2p-tor chat identity (an Ed25519 key)`)
    this.name = 'NotEd25519PeerIdError'
    this.peerId = peerId
    this.keyType = keyType
  }
}

/** Why blindOpen() refused a blob: one counter per value. */
export type BlindOpenReason = 'malformed' | 'version' | 'too-large' | 'unknown-key' | 'tampered'

const BLIND_PROBLEMS: Record<BlindOpenReason, string> = {
  malformed: 'it is too short to be a blind-sealed blob; it was damaged, or is not one',
  version: 'it was sealed by a p2p-tor that writes another blob version; the sender should update, or send directly',
  'too-large': 'it is larger than the cap; it is dropped unread',
  'unknown-key': 'it is sealed to a key this node does not hold (another recipient, or a key rotated out past its grace period); the sender needs this node\'s current key card',
  tampered: 'it does not authenticate under the key it names (changed in transit or at the mailbox, or moved to another inbox); it is dropped'
}

/** A mailbox blob that this node cannot open; `reason` names the check. Never carries blob bytes. */
export class BlindOpenError extends Error {
  static override name = 'BlindOpenError'
  readonly reason: BlindOpenReason

  constructor (reason: BlindOpenReason, detail?: string, options?: ErrorOptions) {
    super(`cannot open mailbox blob: ${BLIND_PROBLEMS[reason]}${detail != null ? ` (${detail})` : ''}`, options)
    this.name = 'BlindOpenError'
    this.reason = reason
  }
}

/**
 * The store key does not open this store: a wrong passphrase, or a
 * store.key from another data directory. Nothing was read or changed.
 */
export class StoreKeyError extends Error {
  static override name = 'StoreKeyError'
  readonly dir: string

  constructor (dir: string, options?: ErrorOptions) {
    super(`wrong passphrase or store.key for ${dir}: the store's check record does not open with this key; give the passphrase (or the store.key) this store was made with`, options)
    this.name = 'StoreKeyError'
    this.dir = dir
  }
}

/**
 * The data directory's store key was made one way (a random store.key, or a
 * passphrase with store.salt) and is being loaded the other way.
 */
export class StoreKeyModeError extends Error {
  static override name = 'StoreKeyModeError'
  readonly dir: string
  /** How the directory's key was made. */
  readonly mode: 'keyfile' | 'passphrase'

  constructor (dir: string, mode: 'keyfile' | 'passphrase') {
    super(mode === 'keyfile'
      ? `the chat store in ${dir} is encrypted with a random key in store.key, not a passphrase; start without a passphrase (a passphrase cannot be added to an existing store)`
      : `the chat store in ${dir} is encrypted with a passphrase (store.salt); give the passphrase (store.key is not used for this store)`)
    this.name = 'StoreKeyModeError'
    this.dir = dir
    this.mode = mode
  }
}

/** A stored record that does not authenticate (damaged on disk, or changed). Names the record's key, never its value. */
export class StoreCorruptError extends Error {
  static override name = 'StoreCorruptError'
  readonly dir: string
  readonly key: string

  constructor (dir: string, key: string, detail: string, options?: ErrorOptions) {
    super(`the chat store ${dir} holds a damaged record ${JSON.stringify(key)} (${detail}); restore the store from a backup, or delete the record`, options)
    this.name = 'StoreCorruptError'
    this.dir = dir
    this.key = key
  }
}

/** The store cannot be opened (in use by another process, unreadable), or is closed. */
export class StoreUnavailableError extends Error {
  static override name = 'StoreUnavailableError'
  readonly dir: string

  constructor (dir: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'StoreUnavailableError'
    this.dir = dir
  }
}
