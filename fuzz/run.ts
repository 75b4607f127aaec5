/**
 * `npm run fuzz`: every pure parser, at least 100,000 inputs each by default,
 * from the seed corpus in fuzz/corpus plus random inputs. Prints the seed,
 * a table of counts per parser, and every defect with the command that
 * replays it. Exit 0 when no defect was found, 1 when one was, 2 on bad usage.
 *
 *   npm run fuzz                                   every parser, 100000 inputs each, a random seed
 *   npm run fuzz -- --seed 7 --count 5000          reproducible, smaller
 *   npm run fuzz -- --parser control-reply,socks-handshake
 *   npm run fuzz -- --parser control-reply --input 3235302d... --cuts 3,17   replay one input
 *   npm run fuzz -- --list                         the parsers
 */
import { randomInt } from 'node:crypto'
import { parseArgs } from 'node:util'
import { DEFAULT_HANG_MS, fromHex, replayCommand, runOne } from './engine.js'
import type { Defect } from './engine.js'
import { fuzzTarget, loadTargets } from './runner.js'
import type { FuzzRunResult } from './runner.js'

const DEFAULT_COUNT = 100_000

function usage (problem: string): never {
  process.stderr.write(`fuzz: ${problem}\nusage: npm run fuzz -- [--parser a,b] [--count N] [--seed N] [--jobs N] [--hang-ms N] [--input HEX [--cuts a,b]] [--list]\n`)
  process.exit(2)
}

function wholeNumber (name: string, s: string | undefined, fallback: number, min: number): number {
  if (s == null) return fallback
  if (!/^[0-9]+$/.test(s) || !Number.isSafeInteger(Number(s)) || Number(s) < min) usage(`--${name} must be a whole number from ${min}`)
  return Number(s)
}

function printDefect (d: Defect): void {
  const shown = d.input.length > 2000 ? `${d.input.slice(0, 2000)}… (${d.input.length / 2} bytes)` : d.input
  process.stdout.write(`\nDEFECT ${d.kind} in ${d.parser} (seed ${d.seed}, input #${d.index}): ${d.error}\n`)
  if (d.stack != null) process.stdout.write(`${d.stack}\n`)
  process.stdout.write(`  input (hex): ${shown}\n  as text:     ${JSON.stringify(Buffer.from(d.input, 'hex').toString('utf8').slice(0, 300))}\n`)
  if (d.cuts.length > 0) process.stdout.write(`  chunk cuts:  ${d.cuts.join(',')}\n`)
  process.stdout.write(`  replay:      ${replayCommand(d)}\n`)
}

function table (results: FuzzRunResult[]): string {
  const rows = [['parser', 'inputs', 'accepted', 'rejected', 'defects', 'seconds']]
  for (const r of results) {
    rows.push([r.parser, String(r.counts.inputs), String(r.counts.accepted), String(r.counts.rejected), String(r.defects.length), (r.ms / 1000).toFixed(1)])
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)))
  return rows.map(r => r.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])).join('  ')).join('\n')
}

async function main (): Promise<number> {
  let args
  try {
    args = parseArgs({
      options: {
        parser: { type: 'string', multiple: true },
        count: { type: 'string' },
        seed: { type: 'string' },
        jobs: { type: 'string' },
        'hang-ms': { type: 'string' },
        input: { type: 'string' },
        cuts: { type: 'string' },
        list: { type: 'boolean' }
      }
    }).values
  } catch (err) {
    usage((err as Error).message)
  }
  const targets = await loadTargets()
  if (args.list === true) {
    process.stdout.write(`${targets.map(t => `${t.name}  (corpus: fuzz/corpus/${t.corpus}, typed errors: ${t.errors.map(e => e.name).join(', ') || 'none'})`).join('\n')}\n`)
    return 0
  }
  const names = (args.parser ?? []).flatMap(p => p.split(',')).filter(p => p !== '')
  for (const n of names) if (!targets.some(t => t.name === n)) usage(`no parser named ${n}; see --list`)
  const chosen = names.length > 0 ? targets.filter(t => names.includes(t.name)) : targets

  if (args.input != null) {
    if (chosen.length !== 1) usage('--input replays one input: name one --parser')
    let data
    try {
      data = fromHex(args.input)
    } catch (err) {
      usage((err as Error).message)
    }
    const cuts = args.cuts == null || args.cuts === '' ? [] : args.cuts.split(',').map(c => wholeNumber('cuts', c, 0, 1))
    const result = runOne(chosen[0], { data, cuts })
    process.stdout.write(`${chosen[0].name}: ${result.outcome}${result.outcome === 'defect' ? ` (${result.kind}) ${result.error}\n${result.stack ?? ''}` : ''}\n`)
    return result.outcome === 'defect' ? 1 : 0
  }

  const seed = wholeNumber('seed', args.seed, randomInt(0, 2 ** 31), 0)
  const count = wholeNumber('count', args.count, DEFAULT_COUNT, 1)
  const jobs = wholeNumber('jobs', args.jobs, 1, 1)
  const hangMs = wholeNumber('hang-ms', args['hang-ms'], DEFAULT_HANG_MS, 1)
  process.stdout.write(`fuzz: seed ${seed}, ${count} inputs per parser, ${chosen.length} parsers, ${jobs} at a time (rerun this exact run with --seed ${seed})\n`)

  const t0 = performance.now()
  const results: FuzzRunResult[] = []
  const queue = [...chosen]
  await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    for (let t = queue.shift(); t != null; t = queue.shift()) {
      const r = await fuzzTarget(t.name, { seed, count, hangMs })
      process.stdout.write(`  ${r.parser}: ${r.counts.inputs} inputs, ${r.defects.length} defects, ${(r.ms / 1000).toFixed(1)} s\n`)
      results.push(r)
    }
  }))
  const order = new Map(chosen.map((t, i) => [t.name, i]))
  results.sort((a, b) => (order.get(a.parser) ?? 0) - (order.get(b.parser) ?? 0))

  const defects = results.flatMap(r => r.defects)
  for (const d of defects) printDefect(d)
  const inputs = results.reduce((n, r) => n + r.counts.inputs, 0)
  process.stdout.write(`\n${table(results)}\n\n${inputs} inputs, ${defects.length} defects, ${((performance.now() - t0) / 1000).toFixed(1)} s wall, seed ${seed}\n`)
  return defects.length > 0 ? 1 : 0
}

process.exitCode = await main()
