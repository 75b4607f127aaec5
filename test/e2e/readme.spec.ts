/**
 * Runs the shell blocks of README.md and docs/*.md that are marked
 * `<!-- readme-test: run <scenario> -->`, line by line, as a user would
 * (test/fixtures/readme.ts extracts them; test/unit/readme.spec.ts checks
 * that every other block is marked "not run" with a reason):
 *
 * - path: `npm link` (into a throw-away npm prefix), then each `--help` line;
 *   `npx p2p-tor` must not rebuild (no file under dist/ changes).
 * - messaging: docs/messaging.md's three terminals (id, hub, subscribe, publish).
 * - walkthrough: the README's offline listen/dial. It ends with
 *   `testnet stop`, so it runs last and starts the fixture's network again.
 *
 * Substitutions, and nothing else: `.testnet/demo` is the fixture's network
 * (TESTNET_DIR); a placeholder address (`/onion3/<id>…`, `<that address>`) is
 * the address the last listener printed; `p2p-tor` is `node dist/src/cli/bin.js`
 * except in the path scenario, which runs it from PATH after `npm link`.
 * Commands that serve (listen, hub, subscribe, …) run in the background until
 * they are ready; the rest must exit 0.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { startTestnet } from '../../src/testnet/index.js'
import { cliArgs, documentBlocks, ROOT, SCENARIOS, type CommandLine, type Scenario } from '../fixtures/readme.js'
import { BIN, cliEnv } from './cli-process.js'
import { getTestnet, TESTNET_CLIENTS, TESTNET_DIR } from './fixture.js'

const ONION_MA = /\/onion3\/[a-z2-7]{56}:\d{1,5}\/p2p\/[1-9A-HJ-NP-Za-km-z]+/
const DEMO_DIR = '.testnet/demo'
const READY_WITHIN_MS = 90_000
const EXIT_WITHIN_MS = 120_000
const STOP_WITHIN_MS = 5000
/** CLI commands that serve until Ctrl-C (chat's send, inbox and invite do not). */
const SERVING = new Set(['listen', 'hub', 'mailbox', 'subscribe', 'register', 'webhook', 'chat'])

/** One process started from a README line: its output, and a way to wait for a condition on it. */
class Proc {
  readonly child: ChildProcess
  readonly lines: string[] = []
  stderr = ''
  readonly exited: Promise<number | null>
  private readonly waiters = new Set<() => void>()

  constructor (readonly cmd: CommandLine, readonly args: string[], file: string, cwd: string, env: NodeJS.ProcessEnv) {
    this.child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    createInterface({ input: this.child.stdout! }).on('line', (l) => { this.lines.push(l); this.wake() })
    this.child.stderr!.on('data', (d: Buffer) => { if (this.stderr.length < 1_000_000) this.stderr += d.toString(); this.wake() })
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => { this.stderr += String(err); resolve(null); this.wake() })
      this.child.once('close', (code) => { resolve(code); this.wake() })
    })
  }

  private wake (): void { for (const w of this.waiters) w() }

  get running (): boolean { return this.child.exitCode == null && this.child.signalCode == null }

  describe (): string { return `${this.cmd.where}: ${this.cmd.text}\nstdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}` }

  /** Waits until `ready()` holds, failing if the process exits first or `timeoutMs` passes. */
  async until (what: string, ready: () => boolean, timeoutMs: number, mayExit = false): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (ready()) return
      if (!this.running && !mayExit) assert.fail(`exited before ${what}: ${this.describe()}`)
      const left = deadline - Date.now()
      if (left <= 0) assert.fail(`no ${what} within ${timeoutMs} ms: ${this.describe()}`)
      await new Promise<void>((resolve) => {
        const wake = (): void => { clearTimeout(timer); this.waiters.delete(wake); resolve() }
        const timer = setTimeout(wake, Math.min(left, 1000))
        this.waiters.add(wake)
      })
    }
  }

  /** SIGINT, then SIGKILL (and a failure) if it is still running after STOP_WITHIN_MS. */
  async stop (): Promise<number | null> {
    if (this.running) this.child.kill('SIGINT')
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => { resolve('late') }, STOP_WITHIN_MS) })
    const code = await Promise.race([this.exited, late])
    clearTimeout(timer)
    if (code === 'late') {
      this.child.kill('SIGKILL')
      await this.exited
      assert.fail(`still running ${STOP_WITHIN_MS} ms after SIGINT: ${this.describe()}`)
    }
    return code
  }
}

/** A scenario's state: where it runs, what it started, and the last address a listener printed. */
class Session {
  readonly background: Proc[] = []
  readonly done: Proc[] = []
  address: string | undefined

  constructor (readonly cwd: string, readonly env: NodeJS.ProcessEnv, readonly literalCli: boolean) {}

  /** The README's words with the only substitutions this test makes. */
  substitute (words: string[]): string[] {
    return words.map(w => {
      if (w === DEMO_DIR) return TESTNET_DIR
      if (/^\/onion3\/<|^<that address>$|^<the mailbox address>$/.test(w)) {
        assert.ok(this.address != null, `${w} stands for an address, but no command before it printed one`)
        return this.address
      }
      assert.ok(!/[<…]/.test(w), `"${w}" is a placeholder this test cannot fill in`)
      return w
    })
  }

  start (cmd: CommandLine): Proc {
    const cli = cliArgs(cmd)
    const env = { ...this.env, ...cmd.env }
    if (cli != null && !this.literalCli) return new Proc(cmd, [BIN, ...this.substitute(cli)], process.execPath, this.cwd, env)
    const [file, ...args] = this.substitute(cmd.argv)
    return new Proc(cmd, args, file, this.cwd, env)
  }

  /** Runs one line: a serving command until it is ready, any other until it exits (with 0). */
  async run (cmd: CommandLine): Promise<Proc> {
    const cli = cliArgs(cmd) ?? []
    if (cli[0] === 'testnet' && cli[1] === 'stop') await this.stopAll()
    const serving = SERVING.has(cli[0]) && !(cli[0] === 'chat' && ['send', 'inbox', 'invite'].includes(cli[1])) && !cli.includes('--help')
    const proc = this.start(cmd)
    if (serving) {
      this.background.push(proc)
      if (['listen', 'hub', 'mailbox'].includes(cli[0])) {
        await proc.until('address on stdout', () => proc.lines.some(l => ONION_MA.test(l)), READY_WITHIN_MS)
        this.address = ONION_MA.exec(proc.lines.find(l => ONION_MA.test(l)) as string)?.[0]
      } else if (cli[0] === 'subscribe') {
        await proc.until('"subscribed to" on stderr', () => proc.stderr.includes(`subscribed to ${cli[1]}`), READY_WITHIN_MS)
      } else {
        assert.fail(`${cmd.where}: this test does not know when "${cli[0]}" is ready; teach Session.run`)
      }
      return proc
    }
    await proc.until('exit', () => !proc.running, EXIT_WITHIN_MS, true)
    const code = await proc.exited
    assert.equal(code, 0, `exit code ${code}: ${proc.describe()}`)
    this.done.push(proc)
    return proc
  }

  /** Ctrl-C to every serving process, as the README says; each must exit 0. */
  async stopAll (): Promise<void> {
    const procs = this.background.splice(0)
    const codes = await Promise.all(procs.map(async p => await p.stop()))
    codes.forEach((code, i) => { assert.equal(code, 0, `after Ctrl-C: exit code ${code}: ${procs[i].describe()}`) })
  }

  /** Cleanup: kill whatever is still running (no assertions). */
  async kill (): Promise<void> {
    for (const p of this.background.splice(0)) {
      if (p.running) p.child.kill('SIGKILL')
      await p.exited
    }
  }
}

/** Newest mtime and file count under dist/: any rebuild changes them. */
async function distSnapshot (): Promise<{ files: number, newest: number }> {
  let files = 0
  let newest = 0
  const walk = async (dir: string, depth: number): Promise<void> => {
    assert.ok(depth < 20, 'dist/ is nested deeper than expected')
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) await walk(p, depth + 1)
      else { files++; newest = Math.max(newest, (await stat(p)).mtimeMs) }
    }
  }
  await walk(path.join(ROOT, 'dist'), 0)
  return { files, newest }
}

describe('e2e: the README\'s and docs\' shell blocks, run', function () {
  this.timeout(300_000)
  const lines = new Map<Scenario, CommandLine[]>()
  let session: Session | undefined
  let temp: string | undefined

  before(async () => {
    for (const block of await documentBlocks()) {
      if (block.marker?.kind !== 'run') continue
      const scenario = block.marker.scenario as Scenario
      lines.set(scenario, [...(lines.get(scenario) ?? []), ...block.commands])
    }
  })

  beforeEach(async () => {
    temp = await mkdtemp(path.join(tmpdir(), 'p2p-tor-e2e-readme-'))
  })

  afterEach(async () => {
    await session?.kill()
    session = undefined
    if (temp != null) await rm(temp, { recursive: true, force: true })
  })

  it('has a test below for every scenario the docs mark "run"', () => {
    assert.deepEqual([...lines.keys()].sort(), [...SCENARIOS].sort())
  })

  it('path: npm link puts p2p-tor on PATH; the built file and npx run it without a rebuild', async () => {
    const commands = lines.get('path') ?? []
    assert.ok(commands.some(c => c.argv[0] === 'npm' && c.argv[1] === 'link'), 'the path block no longer runs npm link')
    const prefix = path.join(temp as string, 'npm-prefix')
    // npm link writes into npm's global prefix: a throw-away one here
    const env = { ...cliEnv(), npm_config_prefix: prefix, PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' }
    session = new Session(ROOT, env, true)
    const before = await distSnapshot()
    for (const cmd of commands) {
      const proc = await session.run(cmd)
      if (cmd.argv.includes('--help')) assert.match(proc.lines.join('\n'), /^Usage: p2p-tor /m, proc.describe())
    }
    assert.equal((await stat(path.join(prefix, 'bin', 'p2p-tor'))).isFile(), true, 'npm link made no p2p-tor in the prefix\'s bin')
    assert.deepEqual(await distSnapshot(), before, 'a command of the path block rebuilt dist/')
  })

  it('messaging: docs/messaging.md\'s three terminals (hub, subscriber, publisher)', async () => {
    await getTestnet()
    const commands = lines.get('messaging') ?? []
    session = new Session(temp as string, cliEnv(), false)
    const peers = new Map<string, string>()
    for (const cmd of commands) {
      const cli = cliArgs(cmd) ?? []
      if (cli[0] === 'hub') {
        // the README's "# write realm.json: ./pub may publish on "news.", ./sub may subscribe to "news.""
        const realm = { roles: [
          { name: 'pub', peers: [peers.get('./pub')], permissions: [{ uri: 'news.', match: 'prefix', allow: { publish: true } }] },
          { name: 'sub', peers: [peers.get('./sub')], permissions: [{ uri: 'news.', match: 'prefix', allow: { subscribe: true } }] }
        ] }
        assert.ok(realm.roles.every(r => r.peers[0] != null), `p2p-tor id did not run for ./pub and ./sub before the hub: ${JSON.stringify([...peers])}`)
        await writeFile(path.join(temp as string, cli[cli.indexOf('--realm') + 1]), JSON.stringify(realm))
      }
      const proc = await session.run(cmd)
      if (cli[0] === 'id') peers.set(cli[cli.indexOf('--data-dir') + 1], JSON.parse(proc.lines[0]).peerId)
    }
    const publish = commands.map(c => cliArgs(c) ?? []).find(a => a[0] === 'publish')
    assert.ok(publish != null, 'the block no longer publishes')
    const subscriber = session.background.find(p => p.args.includes('subscribe')) as Proc
    assert.ok(subscriber != null, 'the block no longer subscribes')
    await subscriber.until(`"${publish[2]}" on the subscriber's stdout`, () => subscriber.lines.some(l => l.endsWith(`: ${publish[2]}`)), 60_000)
    await session.stopAll()
  })

  // last: its `testnet stop` stops the fixture's network, which is started again after
  it('walkthrough: the README\'s offline listen and dial, then testnet stop', async () => {
    const net = await getTestnet()
    const commands = lines.get('walkthrough') ?? []
    session = new Session(temp as string, cliEnv(), false)
    try {
      for (const cmd of commands) {
        const cli = cliArgs(cmd) ?? []
        const proc = await session.run(cmd)
        if (cli[0] === 'testnet' && cli[1] === 'start') assert.match(proc.lines.join('\n'), /already running/, 'the fixture\'s network was running')
        if (cli[0] === 'listen') {
          // the line listen prints to paste is the README's dial line
          const dial = commands.map(c => cliArgs(c) ?? []).find(a => a[0] === 'dial')
          assert.ok(dial != null, 'the walkthrough no longer dials')
          const pasted = ['p2p-tor', ...session.substitute(dial)].join(' ')
          assert.ok(proc.lines.includes(pasted), `listen does not print the README's dial line "${pasted}":\n${proc.lines.join('\n')}`)
        }
        if (cli[0] === 'dial') assert.match(`${proc.lines.join('\n')}\n${proc.stderr}`, /\b[1-9]\d* received\b|received[^\n]*\b[1-9]/, proc.describe())
      }
      assert.equal(session.background.length, 0, 'the walkthrough ends with nothing running')
    } finally {
      // put the fixture's network back as fixture.ts started it, for the specs after this one
      await startTestnet({ dir: TESTNET_DIR, basePort: net.basePort, clients: TESTNET_CLIENTS, timeoutMs: 90_000 })
    }
  })
})
