// StrykerJS 9 mutation testing: `npm run mutate` (not part of `npm test`).
// See docs/mutation.md for the score, how to run a subset and the triage.
//
// Setup, and why:
// - This repo compiles TypeScript with `tsc -p tsconfig.json` into dist/ and
//   mocha runs dist/**/*.spec.js. So Stryker mutates the TypeScript sources
//   (all mutants at once, switched at run time), then runs `buildCommand` once
//   in its sandbox, and the mocha runner loads the compiled specs from the
//   sandbox's dist/. Stryker adds `// @ts-nocheck` to every instrumented file,
//   so tsc emits the instrumented code without type errors. No type checker
//   plugin is installed, so a mutant that would not compile is run anyway and
//   is (almost always) killed or survives at run time rather than being
//   reported as a compile error.
// - dist/ is never copied into the sandbox (ignorePatterns): the build makes a
//   fresh one, so stale specs from an old build cannot run.
// - Only the unit and fake tiers run: never e2e (it needs real tor and takes
//   minutes). `no-config` keeps mocha from loading .mocharc.cjs, which lists
//   every tier and requires the e2e fixture.
// - The fake tier includes the js-libp2p transport compliance suite: it kills
//   transports/tor mutants that nothing else reaches, and with perTest
//   coverage it only runs for mutants it actually covers.
// - The mocha runner disables mocha's own timeouts, so Stryker's timeout
//   (timeoutMS + timeoutFactor * the covering tests' dry-run time) is what
//   ends a mutant that hangs: that mutant is counted as Timeout (detected).
//   The margin is generous because two cores are shared with other agents.
// - Static mutants (module-level constants: message tables, regexes) can
//   only be activated by reloading every spec file in a fresh worker and
//   running all ~485 tests (about 20 s each, 45 s when one hangs), so they are
//   ignored by default (reported as Ignored, outside the score). Set
//   STRYKER_STATIC=1 to include them.
// - concurrency 2: the machine has 2 cores shared with other agents.
// - The compliance suite has its own install, test/compliance/node_modules
//   (`npm run mutate` runs `npm run compliance:install` first). Stryker never
//   copies a node_modules folder into its sandbox, so the compliance spec is
//   pointed at the original folder (the test runners inherit this env).
import { fileURLToPath } from 'node:url'

process.env.P2P_TOR_COMPLIANCE_DIR ??= fileURLToPath(new URL('./test/compliance/', import.meta.url))

export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  plugins: ['@stryker-mutator/mocha-runner'],
  mutate: [
    'src/onion/**/*.ts',
    'src/control/**/*.ts',
    'src/socks/**/*.ts',
    'transports/tor/**/*.ts',
    'src/node.ts'
  ],
  ignorePatterns: ['dist', '.testnet', '.build', 'reports', '.stryker-tmp'],
  buildCommand: 'tsc -p tsconfig.json',
  mochaOptions: {
    'no-config': true,
    'no-package': true,
    spec: ['dist/test/unit/**/*.spec.js', 'dist/test/fake/**/*.spec.js'],
    require: ['dist/src/polyfill.js']
  },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  ignoreStatic: process.env.STRYKER_STATIC !== '1',
  timeoutMS: 6000,
  timeoutFactor: 1.5,
  dryRunTimeoutMinutes: 10,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true
}
