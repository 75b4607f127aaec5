/**
 * Errors raised by src/seal. Each class is one condition, matched by `.name`.
 * Everything `open()` can refuse extends {@link SealOpenError} and carries a
 * `reason`, so the messaging layer can count dropped messages by reason with
 * one `instanceof` and one field. Messages never contain key or payload bytes.
 */

/** Why `open()` refused a sealed message: one counter per value. */
export type SealDropReason =
  | 'malformed'
  | 'version'
  | 'too-large'
  | 'wrong-context'
  | 'not-a-recipient'
  | 'unknown-sender'
  | 'sender-key-mismatch'
  | 'tampered'
  | 'replay'
  | 'clock-skew'

/** Base of every refusal by `open()`; `reason` names the counter. */
export class SealOpenError extends Error {
  static override name = 'SealOpenError'
  readonly reason: SealDropReason

  constructor (reason: SealDropReason, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SealOpenError'
    this.reason = reason
  }
}

/**
 * The bytes are not a sealed envelope this version can read: not protobuf,
 * a field of the wrong size, wraps out of order, an unknown version
 * (`reason` 'version') or more bytes than the cap (`reason` 'too-large').
 */
export class MalformedSealError extends SealOpenError {
  static override name = 'MalformedSealError'

  constructor (problem: string, reason: 'malformed' | 'version' | 'too-large' = 'malformed', options?: ErrorOptions) {
    super(reason, `not a valid sealed envelope: ${problem}; the sender runs another version or the message was damaged in transit`, options)
    this.name = 'MalformedSealError'
  }
}

/** Sealed for another topic/URI or another kind (topic, call, result): moved, or sent to the wrong place. */
export class WrongContextError extends SealOpenError {
  static override name = 'WrongContextError'
  readonly expected: string
  readonly found: string

  constructor (expected: string, found: string) {
    super('wrong-context', `sealed message was sealed for ${found} but arrived on ${expected}; it was moved by a relay or sent to the wrong place, so it is dropped`)
    this.name = 'WrongContextError'
    this.expected = expected
    this.found = found
  }
}

/**
 * No wrap for this node: the sender did not seal to us, or sealed to a key of
 * ours that is no longer kept (`staleKey`: our PeerId is listed with a key id
 * we do not hold, e.g. after a rotation grace period ended).
 */
export class NotARecipientError extends SealOpenError {
  static override name = 'NotARecipientError'
  readonly staleKey: boolean

  constructor (staleKey: boolean) {
    super('not-a-recipient', staleKey
      ? 'sealed message names this node, but for an encryption key it no longer holds (rotated and past its grace period); ask the sender to fetch this node\'s current key card'
      : 'sealed message is not sealed to this node; only its recipients can open it')
    this.name = 'NotARecipientError'
    this.staleKey = staleKey
  }
}

/**
 * The sender's key card is unknown (`reason` 'unknown-sender'), or the card we
 * hold is for another key than the one the message names (`reason`
 * 'sender-key-mismatch': fetch the sender's current card and try again).
 */
export class UnknownSenderError extends SealOpenError {
  static override name = 'UnknownSenderError'
  /** The sender's PeerId as text. */
  readonly sender: string

  constructor (sender: string, reason: 'unknown-sender' | 'sender-key-mismatch' = 'unknown-sender') {
    super(reason, reason === 'unknown-sender'
      ? `no key card for sender ${sender}; fetch and verify its card before opening its messages`
      : `the key card held for sender ${sender} is not for the key this message was sealed with; fetch the sender's current card and try again`)
    this.name = 'UnknownSenderError'
    this.sender = sender
  }
}

/**
 * Authentication failed: a flipped bit, a changed header field (topic,
 * sender, recipients, id) or a sender key that does not match. Dropped.
 */
export class SealTamperedError extends SealOpenError {
  static override name = 'SealTamperedError'

  constructor (what: string, options?: ErrorOptions) {
    super('tampered', `sealed message failed authentication (${what}): it was altered after sealing or forged, so it is dropped`, options)
    this.name = 'SealTamperedError'
  }
}

/** This sender's message id was already accepted within the replay window. */
export class ReplayError extends SealOpenError {
  static override name = 'ReplayError'
  readonly sender: string

  constructor (sender: string, detail = 'this message id was already accepted within the replay window') {
    super('replay', `sealed message from ${sender} is a replay: ${detail}; it is dropped`)
    this.name = 'ReplayError'
    this.sender = sender
  }
}

/** The sealed timestamp is further from our clock than the skew window allows. */
export class ClockSkewError extends SealOpenError {
  static override name = 'ClockSkewError'
  /** Sealed time minus our clock, in ms (negative: the message is old). */
  readonly skewMs: number

  constructor (skewMs: number, windowMs: number) {
    super('clock-skew', `sealed message time is ${Math.round(skewMs / 1000)} s ${skewMs < 0 ? 'behind' : 'ahead of'} this node's clock, outside the ±${Math.round(windowMs / 1000)} s window; it is old (delayed or replayed) or one of the clocks is wrong: check both clocks`)
    this.name = 'ClockSkewError'
    this.skewMs = skewMs
  }
}

/** `seal()` was asked for something it will not produce (too many recipients, a payload over the cap, a bad id). */
export class SealInputError extends Error {
  static override name = 'SealInputError'

  constructor (message: string) {
    super(message)
    this.name = 'SealInputError'
  }
}

export type InvalidCardProblem = 'malformed' | 'version' | 'prefix' | 'signature' | 'wrong-peer' | 'no-public-key' | 'expired'

/**
 * A key card was refused. 'signature': not signed by the PeerId it names
 * (forged, or signed by another identity); 'wrong-peer': a valid card, but
 * for another PeerId than expected; 'no-public-key': the PeerId does not
 * embed its public key (RSA), so the card cannot be checked.
 */
export class InvalidCardError extends Error {
  static override name = 'InvalidCardError'
  readonly problem: InvalidCardProblem

  constructor (problem: InvalidCardProblem, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'InvalidCardError'
    this.problem = problem
  }
}
