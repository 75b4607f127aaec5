/**
 * src/chat: the terminal chat over onion services (docs/chat.md). Core pieces:
 * invites, safety numbers, the encrypted store, the sequencer, the blind seal.
 */
export * from './core-errors.js'
export * from './sequencer.js'
export * from './invite.js'
export * from './safety.js'
export * from './blind.js'
export * from './store.js'
