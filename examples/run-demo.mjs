// `npm run demo`: install, compile, run, with a line per phase and an elapsed
// time ticker, so a fresh clone shows what it is doing from the first second.
//
//   1/3 npm install    the root's dependencies only (the libp2p compliance
//                      suite and its aegir chain live in test/compliance and
//                      are not installed here)
//   2/3 tsc            only what the demo runs (examples/tsconfig.json), no
//                      type check (--noCheck): same JavaScript, half the time
//   3/3 node dist/examples/demo.js [arguments given to npm run demo -- ...]
//
// Plain JavaScript with node: imports only, because it runs before anything
// is installed or compiled. Exits with the failing phase's exit code.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TTY = process.stdout.isTTY === true
/** Off a terminal the ticker prints a line this often; on one it redraws every second. */
const TICK_LINE_MS = 10_000
const INSTALL_TIMEOUT_MS = 10 * 60_000
const COMPILE_TIMEOUT_MS = 5 * 60_000

let ticking = false
function clearTicker () {
  if (TTY && ticking) process.stdout.write('\r\x1b[K')
  ticking = false
}
function say (line) {
  clearTicker()
  process.stdout.write(`${line}\n`)
}
function seconds (ms) {
  return `${(ms / 1000).toFixed(1)} s`
}

/**
 * Runs one phase: the command's output passes through line by line (or to
 * onLine), under a ticker with the elapsed time. Resolves with its exit code;
 * the command is stopped (SIGTERM) if it outlives timeoutMs.
 */
async function phase (label, command, args, { timeoutMs, onLine = (line) => say(`  ${line}`) }) {
  const started = Date.now()
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', onLine)
  const tick = () => {
    const line = `  ${label}... ${Math.round((Date.now() - started) / 1000)} s`
    if (TTY) { process.stdout.write(`\r\x1b[K${line}`); ticking = true } else say(line)
  }
  const ticker = setInterval(tick, TTY ? 1000 : TICK_LINE_MS)
  const timeout = setTimeout(() => { say(`  ${label} took longer than ${seconds(timeoutMs)}: stopping it`); child.kill('SIGTERM') }, timeoutMs)
  try {
    const code = await new Promise((resolve) => {
      child.once('error', (err) => { say(`  could not start ${command}: ${err.message}`); resolve(127) })
      child.once('close', (c, signal) => { resolve(c ?? (signal === 'SIGINT' ? 130 : 1)) })
    })
    return { code, ms: Date.now() - started }
  } finally {
    clearInterval(ticker)
    clearTimeout(timeout)
    clearTicker()
  }
}

// Ctrl-C reaches the children too (same process group); each phase then ends
// on its own and its exit code is passed on, so nothing here needs to die first.
process.on('SIGINT', () => {})

async function main () {
  say('npm run demo: installs the dependencies (1/3), compiles (2/3), then runs a libp2p ping over a private Tor network on 127.0.0.1 (3/3)')

  say('\n[1/3] installing dependencies: npm install (the compliance suite for the tests is not needed here)')
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  // --loglevel=error: the demo shows npm's result, not its warnings (a plain npm install shows them)
  const install = await phase('installing', npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', '--no-progress', '--ignore-scripts'], { timeoutMs: INSTALL_TIMEOUT_MS })
  if (install.code !== 0) { say(`npm install failed (exit code ${install.code})`); return install.code }
  say(`  installed in ${seconds(install.ms)}`)

  say('\n[2/3] compiling what the demo runs: tsc -p examples/tsconfig.json --noCheck')
  let emitted = 0
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url))
  const compile = await phase('compiling', process.execPath, [tsc, '-p', 'examples/tsconfig.json', '--noCheck', '--listEmittedFiles'], {
    timeoutMs: COMPILE_TIMEOUT_MS,
    onLine: (line) => { if (line.startsWith('TSFILE: ')) { if (line.endsWith('.js')) emitted++ } else say(`  ${line}`) }
  })
  if (compile.code !== 0) { say(`tsc failed (exit code ${compile.code})`); return compile.code }
  say(`  compiled ${emitted} JavaScript files into dist/ in ${seconds(compile.ms)}`)

  say('\n[3/3] running the demo: node dist/examples/demo.js')
  const demo = spawn(process.execPath, [fileURLToPath(new URL('../dist/examples/demo.js', import.meta.url)), ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' })
  return await new Promise((resolve) => {
    demo.once('error', (err) => { say(`could not start the demo: ${err.message}`); resolve(1) })
    demo.once('close', (c, signal) => { resolve(c ?? (signal === 'SIGINT' ? 130 : 1)) })
  })
}

process.exitCode = await main()
