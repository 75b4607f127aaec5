// The transport compliance suite, imported from here at run time by
// test/fake/transport/compliance.spec.ts, so that Node resolves the package
// from this folder's own node_modules (npm run compliance:install), not the
// root's. Plain JavaScript on purpose: tsc does not compile it, and its
// compiled copy in dist/ would resolve from the wrong folder.
export { default } from '@libp2p/interface-compliance-tests/transport'
