/**
 * p2p-tor/chat (issue 16; design in docs/chat.md): a terminal chat peer to
 * peer over onion services, with a blind mailbox for offline contacts,
 * groups, files and safety numbers. It is built on src/node.ts, src/seal and
 * libp2p, not on the messaging hub; only the CLI imports it. Each part adds
 * its own `export *` line here.
 */
export * from './errors.js'
export * from './mailbox-store.js'
export * from './mailbox.js'
export * from './mailbox-pb.js'
