/**
 * p2p-tor chat (issue 16, docs/chat.md): peer-to-peer chat over onion
 * services. This index gathers the chat modules; each is documented in its file.
 */
export * from './files.js'
export * from './filename.js'
export * from './file-errors.js'
