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
