/**
 * src/seal: sealed envelopes (HPKE, RFC 9180, Auth mode), key cards, and the
 * replay and sequence checks. Pure: it knows PeerIds, not the network.
 * See docs/sealed-envelope.md for the format and what each party can see.
 */
export {
  seal,
  open,
  maxSealedBytes,
  paddedLength,
  SEAL_VERSION,
  SEAL_ID_BYTES,
  MAX_SEAL_RECIPIENTS,
  MAX_SEAL_PAYLOAD_BYTES,
  MAX_SEAL_CONTEXT_BYTES,
  SEAL_PAD_MIN_BYTES
} from './envelope.js'
export type { SealContext, SealContextKindName, SealSender, SealOptions, OpenOptions, OpenedSeal, SenderCardLookup } from './envelope.js'
export {
  makeCard,
  verifyCard,
  newerCard,
  cardFingerprint,
  exportCard,
  importCard,
  KEY_CARD_VERSION,
  KEY_CARD_SIGNING_PREFIX,
  KEY_CARD_TEXT_PREFIX,
  MAX_KEY_CARD_BYTES
} from './card.js'
export type { KeyCard, MakeCardOptions, VerifyCardOptions } from './card.js'
export {
  loadOrCreateSealKeys,
  rotateSealKeys,
  loadSealKeyFile,
  generateSealKeyPair,
  sealKeyPairFromPrivateKey,
  SealKeyRing,
  SEAL_KEY_FILE,
  DEFAULT_SEAL_KEY_GRACE_MS,
  MAX_PREVIOUS_SEAL_KEYS
} from './keys.js'
export type { SealKeyPair, SealKeyOptions, RotateSealKeysOptions } from './keys.js'
export { ReplayGuard, DEFAULT_REPLAY_WINDOW_MS, DEFAULT_CLOCK_SKEW_MS, DEFAULT_REPLAY_MAX_ENTRIES } from './replay.js'
export type { ReplayGuardOptions } from './replay.js'
export { SequenceTracker, SEQUENCE_WINDOW, DEFAULT_MAX_STREAMS } from './sequence.js'
export type { SequenceObservation } from './sequence.js'
export { sealKeyId, KEY_ID_BYTES } from './suite.js'
export {
  SealOpenError,
  MalformedSealError,
  WrongContextError,
  NotARecipientError,
  UnknownSenderError,
  SealTamperedError,
  ReplayError,
  ClockSkewError,
  SealInputError,
  InvalidCardError
} from './errors.js'
export type { SealDropReason, InvalidCardProblem } from './errors.js'
