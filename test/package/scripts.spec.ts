/**
 * The test scripts in package.json: `npm run test:unit`, `test:fake`,
 * `test:e2e` and `test:package` each run only their own tier, and `npm test`
 * runs every tier in one mocha run (.mocharc.cjs). Each script's mocha
 * command line is run with --dry-run (its specs are loaded, no test or hook
 * runs), and the files of the tests it would run are compared with its
 * folder. Needs `npm run build` first.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const MOCHA = path.join(ROOT, 'node_modules/mocha/bin/mocha.js')
const CHILD_TIMEOUT_MS = 120_000
const MAX_BUFFER = 64 * 1024 * 1024
const TIERS = ['unit', 'package', 'fake', 'e2e'] as const

/** `npm run build && mocha a 'b c'` -> ['a', 'b c']: the arguments of the mocha command, shell quotes removed. */
export function mochaArgs (script: string): string[] {
  const commands = script.split('&&').map(c => c.trim())
  assert.equal(commands[0], 'npm run build', `"${script}" does not build first`)
  assert.equal(commands.length, 2, `"${script}" is not "npm run build && mocha …"`)
  const words = [...commands[1].matchAll(/'([^']*)'|(\S+)/g)].map(m => m[1] ?? m[2])
  assert.equal(words[0], 'mocha', `"${script}" does not run mocha`)
  return words.slice(1)
}

/** The spec files (relative to the root) of the tests that `mocha <args>` would run. */
async function filesRun (args: string[]): Promise<Set<string>> {
  const { stdout } = await run(process.execPath, [MOCHA, ...args, '--dry-run', '--reporter', 'json'], { cwd: ROOT, timeout: CHILD_TIMEOUT_MS, maxBuffer: MAX_BUFFER })
  // spec modules may print while loading; the json reporter's object is the last thing written
  const report = JSON.parse(stdout.slice(stdout.lastIndexOf('\n{\n') + 1))
  assert.ok(report.tests.length > 0, `mocha ${args.join(' ')} runs no test`)
  return new Set<string>(report.tests.map((t: { file: string }) => path.relative(ROOT, t.file)))
}

describe('the test scripts', function () {
  this.timeout(4 * CHILD_TIMEOUT_MS)
  let scripts: Record<string, string>

  before(async () => {
    scripts = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')).scripts
  })

  it('mochaArgs reads a script as the shell would', () => {
    assert.deepEqual(mochaArgs("npm run build && mocha --no-config -r x.js 'dist/a b/**/*.js'"), ['--no-config', '-r', 'x.js', 'dist/a b/**/*.js'])
    assert.throws(() => mochaArgs('mocha x'), /does not build first/)
  })

  for (const tier of TIERS) {
    it(`npm run test:${tier} runs the ${tier} tier and nothing else`, async () => {
      const args = mochaArgs(scripts[`test:${tier}`])
      // .mocharc.cjs lists every tier, and mocha adds a script's folder to that list
      assert.ok(args.includes('--no-config'), `test:${tier} reads .mocharc.cjs, which lists every tier`)
      const files = await filesRun(args)
      const other = [...files].filter(f => !f.startsWith(`dist/test/${tier}/`))
      assert.deepEqual(other, [], `test:${tier} also runs ${other.join(', ')}`)
    })
  }

  it('npm test runs every tier in one mocha run (.mocharc.cjs)', async () => {
    assert.deepEqual(mochaArgs(scripts.test), [])
    const files = await filesRun([])
    for (const tier of TIERS) assert.ok([...files].some(f => f.startsWith(`dist/test/${tier}/`)), `npm test skips the ${tier} tier`)
  })
})
