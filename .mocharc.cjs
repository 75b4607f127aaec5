// One mocha run covers every tier, in order: pure unit tests, the packed npm
// package (test/package: npm pack, installed into a temp app), fake-Tor tests
// (including the libp2p transport compliance suite), then real Tor (e2e).
// Files are compiled by `npm run build` into dist/ first.
module.exports = {
  require: ['dist/src/polyfill.js', 'dist/test/e2e/fixture.js'],
  spec: [
    'dist/test/unit/**/*.spec.js',
    'dist/test/package/**/*.spec.js',
    'dist/test/fake/**/*.spec.js',
    'dist/test/e2e/**/*.spec.js'
  ],
  reporter: './test/reporter.cjs',
  timeout: 10000,
  exit: false
}
