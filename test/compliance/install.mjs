// `npm run compliance:install` (run first by `npm test`, `npm run test:fake`
// and `npm run mutate`): installs the js-libp2p transport compliance suite
// into test/compliance/node_modules, from test/compliance/package-lock.json.
//
// Why a script and not a bare `npm ci --prefix test/compliance`:
// - npm ci wipes and reinstalls about 1,900 packages every time, and even an
//   up-to-date `npm install` takes ~10 s here and repeats ~36 EBADENGINE
//   warnings on every test run. So this installs only when the installed
//   suite is missing or does not match the lockfile.
// - The EBADENGINE warnings (Node >=22 declared) come from aegir's tool chain
//   (cspell, semantic-release, electron's getter...), which the transport
//   suite never runs, plus libp2p's p-retry@8 (works on Node 20). They are
//   summarised in one line instead of ~180. Everything else npm prints is
//   passed through.
// Plain JavaScript on purpose: it runs before anything is compiled.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'

const DIR = dirname(fileURLToPath(import.meta.url))
const SUITE = 'node_modules/@libp2p/interface-compliance-tests'
const INSTALL_TIMEOUT_MS = 15 * 60_000

function lockedVersion () {
  const lock = JSON.parse(readFileSync(join(DIR, 'package-lock.json'), 'utf8'))
  return lock.packages?.[SUITE]?.version
}

function installedVersion () {
  const pkg = join(DIR, SUITE, 'package.json')
  if (!existsSync(pkg)) return undefined
  return JSON.parse(readFileSync(pkg, 'utf8')).version
}

/** Installed, the suite's version as locked, and npm's record of the install newer than the lockfile. */
function upToDate () {
  const hidden = join(DIR, 'node_modules', '.package-lock.json')
  return installedVersion() === lockedVersion() && existsSync(hidden) &&
    statSync(hidden).mtimeMs >= statSync(join(DIR, 'package-lock.json')).mtimeMs
}

if (upToDate()) {
  console.log(`compliance suite ${installedVersion()} is installed in test/compliance/node_modules`)
  process.exit(0)
}

console.log(`installing the libp2p transport compliance suite ${lockedVersion()} into test/compliance (about 1,900 packages, for the tests only)`)
const started = Date.now()
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const child = spawn(npm, ['ci', '--no-audit', '--no-fund'], { cwd: DIR, stdio: ['ignore', 'inherit', 'pipe'] })
const timer = setTimeout(() => { console.error(`npm ci did not finish within ${INSTALL_TIMEOUT_MS / 60_000} min; stopping it`); child.kill('SIGTERM') }, INSTALL_TIMEOUT_MS)
const engines = new Set()
let current
createInterface({ input: child.stderr }).on('line', (line) => {
  if (!line.startsWith('npm warn EBADENGINE')) { process.stderr.write(`${line}\n`); return }
  const pkg = /package: '([^']+)'/.exec(line)
  const node = /required: \{ node: '([^']+)'/.exec(line)
  if (pkg != null) current = pkg[1]
  if (node != null && current != null) engines.add(`${current} (node ${node[1]})`)
})
const code = await new Promise((resolve) => child.once('close', (c) => resolve(c ?? 1)))
clearTimeout(timer)
if (engines.size > 0) {
  const names = [...engines]
  console.log(`note: ${names.length} packages in the suite's tree declare a newer Node than ${process.version} (npm's EBADENGINE warnings, summarised): ${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}; they are aegir's tool chain, which the transport suite does not run, and libp2p's p-retry@8, which works on Node 20`)
}
if (code !== 0) {
  console.error(`installing the compliance suite failed (npm ci exited ${code}); the compliance spec will fail until \`npm run compliance:install\` succeeds`)
  process.exit(code)
}
console.log(`compliance suite installed in ${Math.round((Date.now() - started) / 1000)} s`)
