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
