/**
 * p2p-tor/chat (issue 16, docs/chat.md): peer-to-peer chat over onion
 * services, with a blind mailbox, groups, files and safety numbers. Each
 * module is documented in its file.
 */
export * from './errors.js'
export * from './client.js'
export * from './direct.js'
export * from './groups.js'
export * from './core-errors.js'
export * from './sequencer.js'
export * from './invite.js'
export * from './safety.js'
export * from './blind.js'
export * from './store.js'
export * from './files.js'
export * from './filename.js'
export * from './file-errors.js'
export * from './mailbox-store.js'
export * from './mailbox.js'
export * from './mailbox-pb.js'
