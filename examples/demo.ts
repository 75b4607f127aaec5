/**
 * `npm run demo`: a ping over Tor in one command, with nothing leaving the
 * machine. It runs the same p2p-tor commands a user would type and prints
 * them with their output:
 *
 *   1. p2p-tor testnet start   (a private Tor network on 127.0.0.1, or the running one)
 *   2. p2p-tor listen          (a node publishing an onion service on client tor 0)
 *   3. p2p-tor dial            (a second node on client tor 1, with no onion address of its own, reaches
 *                               the listener's onion service as a Tor client and pings it)
 *   4. Ctrl-C to the listener, and p2p-tor testnet stop if this demo started the network
 *
 *   node dist/examples/demo.js [--dir .testnet/demo] [--base-port 17000] [--count 3]
 *
 * Exits 0 when the pings came back, else with the failing command's exit code.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { ChildProcess } from 'node:child_process'

const BIN = fileURLToPath(new URL('../src/cli/bin.js', import.meta.url))
const STOP_GRACE_MS = 5000
const LISTEN_TIMEOUT_MS = 120_000

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: '.testnet/demo' },
    'base-port': { type: 'string' },
    count: { type: 'string', default: '3' }
  }
})
const dir = resolve(values.dir as string)
// the demo names its tor explicitly (--testnet); P2P_TOR_* from the shell must not redirect it
const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('P2P_TOR_')))
env.NO_COLOR = '1'

function say (line: string): void {
  process.stdout.write(`${line}\n`)
}

/** Shows a command as a user would type it. */
function show (args: string[]): void {
  say(`\n$ p2p-tor ${args.join(' ')}`)
}

/** Copies a child's output (stdout and stderr) into the transcript, line by line, indented and labelled. */
function relay (child: ChildProcess, label: string, onLine: (line: string) => void = () => {}): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream == null) continue
    createInterface({ input: stream }).on('line', (l) => { say(`  ${label}${l}`); onLine(l) })
  }
}

/** Runs a p2p-tor command to completion, showing it; resolves with its exit code and output. */
async function run (args: string[]): Promise<{ code: number, output: string }> {
  show(args)
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  relay(child, '', (l) => { output += l + '\n' })
  const code = await new Promise<number>((resolve) => child.once('close', (c) => { resolve(c ?? 1) }))
  return { code, output }
}

/** SIGINT, then SIGKILL if it has not exited within the grace period. */
async function stop (child: ChildProcess): Promise<number | null> {
  if (child.exitCode != null || child.signalCode != null) return child.exitCode
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => { resolve(c) }))
  child.kill('SIGINT')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
  try {
    return await exited
  } finally {
    clearTimeout(timer)
  }
}

/** Installs tor with apt when it is missing and we may (root); otherwise says how. */
function ensureTor (): boolean {
  if (spawnSync('tor', ['--version'], { stdio: 'ignore' }).status === 0) return true
  const root = process.getuid?.() === 0
  const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0
  if (!root || !apt) {
    say('tor is not installed: apt-get install -y tor (Debian/Ubuntu; macOS: brew install tor), then run the demo again')
    return false
  }
  say('\n$ apt-get install -y tor   # tor is missing')
  return spawnSync('apt-get', ['install', '-y', 'tor'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0 &&
    spawnSync('tor', ['--version'], { stdio: 'ignore' }).status === 0
}

/** Starts the listener in the background and resolves with its address once it is reachable. */
async function startListener (): Promise<{ listener: ChildProcess, address?: string, code?: number }> {
  const args = ['listen', '--testnet', dir, '--data-dir', resolve(dir, 'demo-listener')]
  show([...args, '&'])
  const listener = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  return await new Promise((resolve) => {
    const timer = setTimeout(() => { say('  (the listener did not become reachable in time)'); resolve({ listener }) }, LISTEN_TIMEOUT_MS)
    listener.once('exit', (code) => { clearTimeout(timer); resolve({ listener, code: code ?? 1 }) })
    // its first stdout line is the dialable address
    relay(listener, '[listener] ', (line) => {
      if (/^\/onion3\/\S+$/.test(line)) { clearTimeout(timer); resolve({ listener, address: line }) }
    })
  })
}

async function demo (): Promise<number> {
  say('p2p-tor demo: libp2p ping over a private Tor network on 127.0.0.1 (nothing leaves this machine)')
  if (!ensureTor()) return 3

  const start = await run(['testnet', 'start', '--dir', dir, ...(values['base-port'] != null ? ['--base-port', values['base-port']] : [])])
  if (start.code !== 0) return start.code
  const startedNetwork = !/^already running/m.test(start.output)

  let listener: ChildProcess | undefined
  try {
    const started = await startListener()
    listener = started.listener
    if (started.address == null) return started.code ?? 1
    const dial = await run(['dial', started.address, '--testnet', dir, '--count', values.count as string, '--interval', '500'])
    say(`\n$ kill -INT ${listener.pid ?? '?'}   # Ctrl-C to the listener`)
    const code = await stop(listener)
    say(`  listener exited with code ${String(code)}`)
    listener = undefined
    // what was connected: only the listener is an onion service; the dialer
    // has no onion address, it is a Tor client reaching that service
    if (dial.code === 0) {
      say(`\ndemo OK: libp2p ping over Tor. The listener was reachable only at its onion address (an onion service on client tor 0).
  The dialer has no onion address: it is a Tor client (client tor 1) that reached the listener's onion service
  through a rendezvous circuit of the private network, and pinged it over that libp2p connection (statistics above).`)
    }
    return dial.code
  } finally {
    if (listener != null) await stop(listener)
    if (startedNetwork) await run(['testnet', 'stop', '--dir', dir])
    else say(`\n(the network in ${dir} was already running, so it is left running; stop it with: p2p-tor testnet stop --dir ${dir})`)
  }
}

// Ctrl-C reaches the p2p-tor children too (same process group); they stop
// themselves, and the demo carries on to its cleanup instead of dying first.
let interrupted = false
process.on('SIGINT', () => { interrupted = true; say('(interrupted: cleaning up)') })
const code = await demo()
process.exitCode = interrupted ? 130 : code
