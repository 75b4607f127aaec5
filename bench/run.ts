/**
 * `npm run bench`: start a private Tor network per scheduler (KIST, then
 * Vanilla), run the measurements of suite.ts on each, stop the network,
 * print the tables and write bench/results/<date>.json and
 * bench/README-TABLE.md.
 *
 *   node dist/bench/run.js [--quick] [--schedulers KIST,Vanilla] [--samples 5]
 *     [--rtt-samples 40] [--mb 50] [--peers 20] [--streams 200] [--relays 2]
 *     [--members 20] [--msg-samples 40] [--flood 500] [--flood-window 64]
 *     [--seal-runs 300] [--seal-runs-large 15] [--sealed-pairs 2]
 *     [--chat-messages 30] [--chat-mailbox-messages 10] [--rows tor,messaging,sealing,chat]
 *     [--base-port 18000] [--dir .testnet/bench] [--out bench] [--cpu-prof DIR] [--no-write]
 *   node dist/bench/run.js --from bench/results/<date>.json   (tables of a saved run, no measuring)
 *
 * The networks live in <dir>-kist and <dir>-vanilla on base ports 18000 and
 * 18100 (the e2e tier uses 17000+); their keys stay for a fast next start.
 * Each has 3 client tors: the p2p-tor/raw pairs use tors 0 and 1; the
 * messaging rows put the hub on tor 0, the publisher on 1, the subscriber on 2;
 * the chat rows alice on tor 0, bob on 1, bob's mailbox on 2. --rows runs
 * only the named groups of rows (e.g. --rows chat: c1, c2, c2b alone).
 */
import { execFile } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parseArgs, promisify } from 'node:util'
import { startTestnet, stopTestnet, type Scheduler } from '../src/testnet/index.js'
import { markdown, printable, type Machine, type Results, type SchedulerRun } from './report.js'
import { FULL, ROW_GROUPS, SMOKE, runSuite, type RowGroup, type SuiteOptions } from './suite.js'

const t0 = performance.now()
const log = (line: string): void => { console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}`) }

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    schedulers: { type: 'string', default: 'KIST,Vanilla' },
    samples: { type: 'string' },
    'rtt-samples': { type: 'string' },
    mb: { type: 'string' },
    peers: { type: 'string' },
    streams: { type: 'string' },
    members: { type: 'string' },
    'msg-samples': { type: 'string' },
    flood: { type: 'string' },
    'flood-window': { type: 'string' },
    'seal-runs': { type: 'string' },
    'seal-runs-large': { type: 'string' },
    'sealed-pairs': { type: 'string' },
    'chat-messages': { type: 'string' },
    'chat-mailbox-messages': { type: 'string' },
    rows: { type: 'string' },
    relays: { type: 'string', default: '2' },
    'base-port': { type: 'string', default: '18000' },
    dir: { type: 'string', default: '.testnet/bench' },
    out: { type: 'string', default: 'bench' },
    'cpu-prof': { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    from: { type: 'string' }
  }
})

function int (name: string, value: string | undefined, fallback: number): number {
  if (value == null) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${value}`)
  return n
}

function suiteOptions (): SuiteOptions {
  const base = args.quick === true ? SMOKE : FULL
  return {
    samples: int('samples', args.samples, base.samples),
    rttSamples: int('rtt-samples', args['rtt-samples'], base.rttSamples),
    bytes: Math.round(int('mb', args.mb, base.bytes / 1e6) * 1e6),
    peers: int('peers', args.peers, base.peers),
    streams: int('streams', args.streams, base.streams),
    streamBytes: base.streamBytes,
    members: int('members', args.members, base.members),
    msgSamples: int('msg-samples', args['msg-samples'], base.msgSamples),
    floodMessages: int('flood', args.flood, base.floodMessages),
    floodBytes: base.floodBytes,
    floodWindow: int('flood-window', args['flood-window'], base.floodWindow),
    sealRuns: int('seal-runs', args['seal-runs'], base.sealRuns),
    sealRunsLarge: int('seal-runs-large', args['seal-runs-large'], base.sealRunsLarge),
    sealedPairs: int('sealed-pairs', args['sealed-pairs'], base.sealedPairs),
    chatMessages: int('chat-messages', args['chat-messages'], base.chatMessages),
    chatMailboxMessages: int('chat-mailbox-messages', args['chat-mailbox-messages'], base.chatMailboxMessages),
    ...(args.rows != null ? { rows: rowGroups(args.rows) } : {}),
    ...(args['cpu-prof'] != null ? { execArgv: ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args['cpu-prof'])}`] } : {}),
    log
  }
}

function rowGroups (value: string): RowGroup[] {
  const list = value.split(',').map(s => s.trim()).filter(s => s !== '')
  for (const g of list) if (!(ROW_GROUPS as readonly string[]).includes(g)) throw new Error(`--rows takes any of ${ROW_GROUPS.join(', ')}, comma-separated; got ${g}`)
  if (list.length === 0) throw new Error(`--rows takes any of ${ROW_GROUPS.join(', ')}, comma-separated`)
  return list as RowGroup[]
}

function schedulers (): Scheduler[] {
  const list = (args.schedulers ?? '').split(',').map(s => s.trim()).filter(s => s !== '')
  for (const s of list) if (s !== 'KIST' && s !== 'Vanilla') throw new Error(`--schedulers takes KIST and/or Vanilla, got ${s}`)
  return list as Scheduler[]
}

async function machine (): Promise<Machine> {
  const tor = await promisify(execFile)('tor', ['--version']).then(r => /Tor version (\S+?)\.?\s/.exec(r.stdout)?.[1] ?? r.stdout.trim(), () => 'unknown')
  const cpus = os.cpus()
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    memGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    tor,
    loadAtStart: os.loadavg()[0]
  }
}

/** Networks this run started and has not stopped yet: stopped on Ctrl-C too. */
const running = new Set<string>()
/** Client tors per network: the messaging rows need a hub, a publisher and a subscriber on 3 different tors. */
const CLIENTS = 3

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping ${running.size} network(s)`)
    void Promise.allSettled([...running].map(async dir => { await stopTestnet(dir) })).finally(() => process.exit(130))
  })
}

async function runScheduler (scheduler: Scheduler, index: number, opts: SuiteOptions): Promise<SchedulerRun> {
  const dir = path.resolve(`${args.dir ?? '.testnet/bench'}-${scheduler.toLowerCase()}`)
  running.add(dir)
  const basePort = int('base-port', args['base-port'], 18000) + 100 * index
  const relays = int('relays', args.relays, 2)
  log(`${scheduler}: starting a private Tor network in ${dir} on ports ${basePort}+`)
  try {
    const net = await startTestnet({ dir, basePort, relays, clients: CLIENTS, scheduler, onProgress: e => { if (!/bootstrapped \d|waiting for/.test(e.message)) log(`${scheduler}: ${e.message}`) } })
    log(`${scheduler}: network ready in ${(net.elapsedMs / 1000).toFixed(1)} s${net.alreadyRunning ? ' (already running)' : ''}`)
    const t1 = performance.now()
    const { rows, errors } = await runSuite(net.clients[0], net.clients[1], opts, net.clients)
    return {
      scheduler,
      network: { basePort, relays, clients: net.clients.length, startMs: net.elapsedMs, alreadyRunning: net.alreadyRunning },
      wallMs: performance.now() - t1,
      rows,
      errors
    }
  } finally {
    log(`${scheduler}: stopping the network`)
    await stopTestnet(dir)
    running.delete(dir)
  }
}

/** --from <results.json>: print and write the tables of a saved run again, without measuring. */
async function render (file: string): Promise<void> {
  const results = JSON.parse(await readFile(file, 'utf8')) as Results
  console.log(printable(results))
  if (args['no-write'] !== true) await writeFile(path.join(path.resolve(args.out ?? 'bench'), 'README-TABLE.md'), markdown(results))
}

async function main (): Promise<void> {
  if (args.from != null) {
    await render(args.from)
    return
  }
  const opts = suiteOptions()
  const m = await machine()
  const startedAt = new Date()
  const runs: SchedulerRun[] = []
  const list = schedulers()
  for (let i = 0; i < list.length; i++) runs.push(await runScheduler(list[i], i, opts))

  const { log: _log, execArgv: _exec, ...options } = opts
  const results: Results = {
    date: startedAt.toISOString().slice(0, 10),
    startedAt: startedAt.toISOString(),
    wallMs: performance.now() - t0,
    machine: m,
    options: { ...options, relays: int('relays', args.relays, 2), quick: args.quick },
    runs
  }
  console.log(printable(results))
  if (args['no-write'] !== true) {
    const out = path.resolve(args.out ?? 'bench')
    await mkdir(path.join(out, 'results'), { recursive: true })
    // a quick run, or one of some groups of rows only, never replaces the full run's files
    const partial = opts.rows != null && ROW_GROUPS.some(g => !(opts.rows as RowGroup[]).includes(g))
    const suffix = `${args.quick === true ? '-quick' : ''}${partial ? `-${(opts.rows as RowGroup[]).join('-')}` : ''}`
    const json = path.join(out, 'results', `${results.date}${suffix}.json`)
    await writeFile(json, JSON.stringify(results, null, 2) + '\n')
    const table = args.quick !== true && !partial
    if (table) await writeFile(path.join(out, 'README-TABLE.md'), markdown(results))
    log(`wrote ${path.relative(process.cwd(), json)}${table ? ' and bench/README-TABLE.md' : ''}`)
  }
}

main().catch(err => {
  console.error('bench failed:', err)
  process.exitCode = 1
})
