/**
 * Where the CLI writes what. Human mode: results on stdout, progress and
 * notes on stderr. `--json` mode: only JSON lines (json.ts) on stdout, human
 * text on stderr. Colour only on a TTY, never with NO_COLOR or TERM=dumb.
 * Progress is a live bar on a TTY and plain lines otherwise.
 */
import { jsonLine } from './json.js'
import type { CliEvent, ProgressPhase } from './json.js'
import type { ClassifiedError } from './errors.js'
import type { Env } from './options.js'

/** The parts of a stream the CLI uses (process.stdout/stderr, or a test double). */
export interface OutStream {
  write: (chunk: string) => unknown
  isTTY?: boolean
  columns?: number
}

export interface OutputInit {
  json: boolean
  stdout: OutStream
  stderr: OutStream
  env: Env
}

/** Whether to colour a stream: a TTY, NO_COLOR unset or empty (no-color.org), TERM not "dumb". */
export function useColour (stream: OutStream, env: Env): boolean {
  return stream.isTTY === true && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb'
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const
export type Colour = keyof typeof CODES

export type Paint = (colour: Colour, text: string) => string

function painter (on: boolean): Paint {
  return (colour, text) => on ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text
}

const PHASE_NAMES: Record<ProgressPhase, string> = {
  tor: 'tor',
  bootstrap: 'tor bootstrap',
  publish: 'publishing onion service',
  connect: 'connecting',
  testnet: 'testnet'
}

const BAR_WIDTH = 24

/** `[#####-----]  50%`, or a bar without a percentage when it is unknown. */
export function progressBar (percent: number | null, width = BAR_WIDTH): string {
  if (percent == null) return `[${'·'.repeat(width)}]     `
  const p = Math.max(0, Math.min(100, percent))
  const filled = Math.round((p / 100) * width)
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(p)).padStart(3)}%`
}

export class Output {
  readonly json: boolean
  private readonly stdout: OutStream
  private readonly stderr: OutStream
  /** Colour for stdout / stderr text. */
  readonly out: Paint
  readonly err: Paint
  private readonly live: boolean
  private barShown = false
  private lastProgress = ''

  constructor (init: OutputInit) {
    this.json = init.json
    this.stdout = init.stdout
    this.stderr = init.stderr
    this.out = painter(useColour(init.stdout, init.env))
    this.err = painter(useColour(init.stderr, init.env))
    this.live = init.stderr.isTTY === true && init.env.TERM !== 'dumb'
  }

  /** A JSON event on stdout (`--json` only; ignored otherwise). */
  event (e: CliEvent): void {
    if (!this.json) return
    this.clearBar()
    this.stdout.write(jsonLine(e))
  }

  /** A result line: stdout in human mode, stderr in `--json` mode. */
  result (line: string): void {
    this.clearBar()
    if (this.json) this.stderr.write(line + '\n')
    else this.stdout.write(line + '\n')
  }

  /** A note for humans, always on stderr. */
  note (line: string): void {
    this.clearBar()
    this.stderr.write(line + '\n')
  }

  /**
   * Progress: the JSON event, plus a live bar on a TTY stderr or a plain
   * line otherwise; a repeat of the last report is dropped.
   */
  progress (phase: ProgressPhase, percent: number | null, message: string): void {
    const key = `${phase}\0${String(percent)}\0${message}`
    if (key === this.lastProgress) return
    this.lastProgress = key
    this.event({ event: 'progress', phase, percent, message })
    const name = PHASE_NAMES[phase]
    if (this.live) {
      const line = `${progressBar(percent)} ${name}: ${message}`
      // a terminal of unknown size reports 0 columns
      const width = (this.stderr.columns != null && this.stderr.columns > 0 ? this.stderr.columns : 80) - 1
      this.stderr.write(`\r\x1b[2K${this.err('cyan', line.slice(0, Math.max(20, width)))}`)
      this.barShown = true
      return
    }
    this.stderr.write(`${name}${percent == null ? '' : ` ${Math.round(percent)}%`}: ${message}\n`)
  }

  /** Removes a live bar so that the next line starts clean. */
  clearBar (): void {
    if (!this.barShown) return
    this.stderr.write('\r\x1b[2K')
    this.barShown = false
  }

  /** The one line a failing command ends with. */
  error (e: ClassifiedError): void {
    this.clearBar()
    if (this.json) {
      this.stdout.write(jsonLine({ event: 'error', code: e.code, exitCode: e.exitCode, message: e.message }))
    } else {
      this.stderr.write(`${this.err('red', 'error:')} ${e.message}\n`)
    }
  }
}
