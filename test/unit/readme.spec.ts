/**
 * The README's and docs' shell blocks cannot rot: every `p2p-tor …` line
 * parses with the real program (commander with its option parsers, choices,
 * required options and argument counts; only the actions are swapped for a
 * recorder), every `npm run X` names a script of package.json, every `npx X`
 * an installed bin, and every block is either run by test/e2e/readme.spec.ts
 * or marked as not run, with the reason. Pure: nothing is started.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { CommanderError, type Command } from 'commander'
import { buildProgram } from '../../src/cli/program.js'
import { cliArgs, documentBlocks, ROOT, SCENARIOS, shellBlocks, tokenize, type CommandLine, type ShellBlock } from '../fixtures/readme.js'
import type { CliContext } from '../../src/cli/context.js'

const sink = { write: () => true, isTTY: false } as unknown as CliContext['stdout']

/** Commands a README may name besides p2p-tor, node, npm and npx (none of them is run by the unit tier). */
const OTHER_COMMANDS = new Set(['git', 'cd'])
/** npm's own commands used in the docs. */
const NPM_COMMANDS = new Set(['ci', 'install', 'link', 'test'])

interface DryParse { ok: boolean, command?: string, error?: string }

/** Every command of the tree, depth first. */
function allCommands (cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)]
}

/** The full name of a command: `testnet start`. */
function commandPath (cmd: Command): string {
  const names: string[] = []
  for (let c: Command | null = cmd; c?.parent != null; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

/**
 * Parses `argv` as `p2p-tor` would, with every action replaced by one that
 * records which command ran; commander throws instead of exiting and writes
 * nowhere. `--help` and `--version` count as parsed.
 */
async function dryParse (argv: string[]): Promise<DryParse> {
  const ctx: CliContext = { env: { HOME: '/nonexistent' }, stdout: sink, stderr: sink, signal: new AbortController().signal }
  const program = buildProgram(ctx, () => {})
  let ran: string | undefined
  for (const cmd of allCommands(program)) {
    cmd.exitOverride()
    cmd.configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    if ((cmd as unknown as { _actionHandler: unknown })._actionHandler != null) {
      cmd.action(() => { ran = commandPath(cmd) })
    }
  }
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError && err.exitCode === 0) return { ok: true, command: '--help' }
    return { ok: false, error: (err as Error).message }
  }
  return ran == null ? { ok: false, error: 'no command ran' } : { ok: true, command: ran }
}

/** What is wrong with one command line, or undefined. */
async function problemWith (cmd: CommandLine, scripts: Record<string, string>): Promise<string | undefined> {
  const args = cliArgs(cmd)
  if (args != null) {
    const r = await dryParse(args)
    return r.ok ? undefined : `does not parse: ${r.error}`
  }
  const [first, second] = cmd.argv
  if (first === 'npm') {
    if (second === 'run') return cmd.argv[2] in scripts ? undefined : `package.json has no script "${cmd.argv[2]}"`
    return NPM_COMMANDS.has(second) ? undefined : `"npm ${second}" is not an npm command this test knows`
  }
  if (first === 'npx') {
    return existsSync(path.join(ROOT, 'node_modules/.bin', second)) ? undefined : `npx ${second}: no such bin in node_modules/.bin`
  }
  if (first === 'sudo' || first === 'brew') return undefined
  return OTHER_COMMANDS.has(first) ? undefined : `"${first}" is a command this test does not know; add it to OTHER_COMMANDS if it belongs`
}

describe('README and docs: shell blocks', () => {
  let blocks: ShellBlock[]
  let scripts: Record<string, string>

  before(async () => {
    blocks = await documentBlocks()
    scripts = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts
  })

  describe('the parser', () => {
    it('keeps placeholders whole, drops quotes and trailing comments, and splits at &&', () => {
      assert.deepEqual(tokenize('p2p-tor dial <that address> --testnet .testnet/demo   # ping it'), ['p2p-tor', 'dial', '<that address>', '--testnet', '.testnet/demo'])
      assert.deepEqual(tokenize('p2p-tor publish news.today "hello there" --hub /onion3/<id>:7777/p2p/12D3KooW…'), ['p2p-tor', 'publish', 'news.today', 'hello there', '--hub', '/onion3/<id>:7777/p2p/12D3KooW…'])
      const [block] = shellBlocks('x.md', '<!-- readme-test: not run: example -->\n```sh\ngit clone <this repo> p2p-tor && cd p2p-tor\nSTRYKER_STATIC=1 npm run mutate\np2p-tor chat \\\n  --name bob\n> /add p2ptor:x bob   # typed\n```\n')
      assert.deepEqual(block.marker, { kind: 'not-run', reason: 'example' })
      assert.deepEqual(block.commands.map(c => c.argv), [['git', 'clone', '<this repo>', 'p2p-tor'], ['cd', 'p2p-tor'], ['npm', 'run', 'mutate'], ['p2p-tor', 'chat', '--name', 'bob']])
      assert.deepEqual(block.commands[2].env, { STRYKER_STATIC: '1' })
      assert.deepEqual(block.commands[3].input, ['/add p2ptor:x bob'])
    })

    it('reports a block without a marker, and an unknown marker', () => {
      const blocks = shellBlocks('x.md', '```sh\nnpm test\n```\n\n<!-- readme-test: maybe -->\n```sh\nnpm test\n```\n')
      assert.equal(blocks[0].marker, undefined)
      assert.match(blocks[1].markerError ?? '', /unknown readme-test marker "maybe"/)
    })

    it('the dry parse refuses what the CLI refuses', async () => {
      assert.deepEqual(await dryParse(['dial', '/onion3/x:7777', '--testnet', 'd']), { ok: true, command: 'dial' })
      assert.deepEqual(await dryParse(['testnet', 'start', '--dir', 'd']), { ok: true, command: 'testnet start' })
      assert.equal((await dryParse(['dial'])).ok, false, 'a missing argument')
      assert.equal((await dryParse(['listen', '--port', '0'])).ok, false, 'an option parser')
      assert.equal((await dryParse(['listen', '--no-such-option'])).ok, false, 'an unknown option')
      assert.equal((await dryParse(['testnet', 'start', '--scheduler', 'FIFO'])).ok, false, 'a choice')
      assert.equal((await dryParse(['hub'])).ok, false, 'a required option')
      assert.equal((await dryParse(['chat', 'send', 'alice'])).ok, false, 'chat send needs its text')
    })
  })

  it('README.md has shell blocks, and each docs block has a marker that this suite knows', () => {
    assert.ok(blocks.filter(b => b.file === 'README.md').length >= 4, 'README.md has fewer shell blocks than expected')
    const bad = blocks.filter(b => b.marker == null || b.markerError != null || (b.marker.kind === 'run' && !(SCENARIOS as readonly string[]).includes(b.marker.scenario)))
    assert.deepEqual(bad.map(b => `${b.file}:${b.line} ${b.markerError ?? (b.marker == null ? 'has no <!-- readme-test: … --> marker on the line before' : `names scenario "${(b.marker as { scenario: string }).scenario}", which test/e2e/readme.spec.ts does not run`)}`), [])
  })

  it('every scenario the e2e tier runs has blocks, and the README has the path and walkthrough ones', () => {
    for (const s of SCENARIOS) {
      assert.ok(blocks.some(b => b.marker?.kind === 'run' && b.marker.scenario === s), `no block is marked "run ${s}"`)
    }
    for (const s of ['path', 'walkthrough']) {
      assert.ok(blocks.some(b => b.file === 'README.md' && b.marker?.kind === 'run' && b.marker.scenario === s), `README.md has no "run ${s}" block`)
    }
  })

  it('the offline walkthrough starts a network, listens, dials and stops, all with --testnet', () => {
    const commands = blocks.filter(b => b.file === 'README.md' && b.marker?.kind === 'run' && b.marker.scenario === 'walkthrough').flatMap(b => b.commands).map(c => cliArgs(c) ?? [])
    assert.deepEqual(commands.map(a => a.slice(0, a[0] === 'testnet' ? 2 : 1).join(' ')), ['testnet start', 'listen', 'dial', 'testnet stop'])
    assert.ok(commands.slice(1, 3).every(a => a.includes('--testnet')), 'listen and dial run on the private network')
  })

  it('every command line in a block parses or names something that exists', async function () {
    this.timeout(30_000)
    const problems: string[] = []
    let checked = 0
    for (const block of blocks.filter(b => b.marker?.kind !== 'synopsis')) {
      for (const cmd of block.commands) {
        checked++
        const problem = await problemWith(cmd, scripts)
        if (problem != null) problems.push(`${cmd.where}: ${cmd.text}\n    ${problem}`)
      }
    }
    assert.ok(checked >= 30, `only ${checked} command lines found`)
    assert.deepEqual(problems, [])
  })

  it('synopsis lines name real commands and options', async () => {
    const synopses = blocks.filter(b => b.marker?.kind === 'synopsis')
    assert.ok(synopses.length > 0, 'docs/cli.md has no synopsis block')
    const ctx: CliContext = { env: {}, stdout: sink, stderr: sink, signal: new AbortController().signal }
    const program = buildProgram(ctx, () => {})
    const problems: string[] = []
    for (const cmd of synopses.flatMap(b => b.commands)) {
      const args = cliArgs(cmd) ?? []
      let target: Command | undefined = program.commands.find(c => c.name() === args[0])
      if (target == null) { problems.push(`${cmd.where}: no command "${args[0]}"`); continue }
      // `testnet start|stop|status|env`: each alternative must be a subcommand, and the options are checked on each
      const subs = target.commands.length > 0 && args[1] != null && !args[1].startsWith('-') && !args[1].startsWith('[')
        ? args[1].split('|').map(n => target?.commands.find(c => c.name() === n))
        : [target]
      for (const [i, sub] of subs.entries()) {
        if (sub == null) { problems.push(`${cmd.where}: "${args[0]}" has no subcommand "${args[1].split('|')[i]}"`); continue }
        const known = new Set(sub.options.flatMap(o => [o.long, o.short]).filter((f): f is string => f != null))
        for (const flag of cmd.text.match(/--[a-z][a-z0-9-]*/g) ?? []) {
          if (!known.has(flag)) problems.push(`${cmd.where}: ${commandPath(sub)} has no option ${flag}`)
        }
      }
      target = undefined
    }
    assert.deepEqual(problems, [])
  })
})
