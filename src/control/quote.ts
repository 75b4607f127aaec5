/**
 * Quoting rules of the control protocol (control-spec 2.1 and 2.1.1). No I/O.
 *
 * Out: a QuotedString escapes backslash and double quote; we refuse CR, LF
 * and NUL outright, since Tor ends a command at the line break.
 *
 * In: Tor writes many "QuotedStrings" as C strings, so a value is read with
 * \n \t \r and octal \0..\377 as C escapes, and a backslash before any other
 * character as that character.
 *
 * Data (control-spec 2.2 and 2.4): the CmdData of a multi-line "+" command is
 * dot-stuffed, CRLF-terminated lines followed by "." CRLF.
 */
import { ControlProtocolError, InvalidControlArgumentError } from './errors.js'

// eslint-disable-next-line no-control-regex
const LINE_BREAKING = /[\r\n\u0000]/

/** Throws InvalidControlArgumentError if `value` holds CR, LF or NUL. */
export function assertNoLineBreaks (argument: string, value: string): void {
  if (LINE_BREAKING.test(value)) {
    throw new InvalidControlArgumentError(argument, 'contains CR, LF or NUL, which would end the command line (command injection)')
  }
}

// eslint-disable-next-line no-control-regex
const NUL = /\u0000/
const BARE_CR = /\r(?!\n)/

/**
 * Encodes text as the CmdData of a "+" command (control-spec 2.4:
 * `Data = *DataLine "." CRLF`): line breaks become CRLF (LF and CRLF are
 * both accepted), a line that starts with '.' gets a second '.', and the
 * block ends with "." CRLF. One trailing line break of `text` is not a line
 * of its own: "a" and "a\n" both encode as "a\r\n.\r\n", which tor reads
 * back as "a\n". Empty text encodes as ".\r\n". Refuses NUL and a CR that
 * is not followed by LF, which tor would read differently.
 */
export function encodeCmdData (argument: string, text: string): string {
  if (typeof text !== 'string') throw new InvalidControlArgumentError(argument, 'must be a string')
  if (NUL.test(text)) throw new InvalidControlArgumentError(argument, 'contains NUL, which the control protocol cannot carry')
  if (BARE_CR.test(text)) throw new InvalidControlArgumentError(argument, 'contains a CR that is not part of a CRLF line break')
  const normalised = text.replace(/\r\n/g, '\n')
  if (normalised === '') return '.\r\n'
  const lines = (normalised.endsWith('\n') ? normalised.slice(0, -1) : normalised).split('\n')
  return lines.map(l => `${l.startsWith('.') ? '.' : ''}${l}\r\n`).join('') + '.\r\n'
}

const LONE_CR_OR_LF = /\r(?!\n)|(?<!\r)\n/

/**
 * Throws InvalidControlArgumentError unless `data` is well-formed encoded
 * CmdData, as encodeCmdData returns it: CRLF-terminated lines, none of them
 * a lone '.', no bare CR or LF, and the closing ".\r\n" at the very end.
 * Anything else would end the data early, or never, and desynchronise the
 * connection.
 */
export function assertEncodedCmdData (argument: string, data: string): void {
  const body = typeof data === 'string' && data.endsWith('.\r\n') ? data.slice(0, -3) : undefined
  if (body == null || (body !== '' && !body.endsWith('\r\n')) || NUL.test(body) || LONE_CR_OR_LF.test(body) || body.split('\r\n').includes('.')) {
    throw new InvalidControlArgumentError(argument, 'is not dot-stuffed CRLF data ending in ".\\r\\n" (build it with encodeCmdData)')
  }
}

/** `he said "hi"` -> `"he said \"hi\""`. */
export function quoteString (argument: string, value: string): string {
  if (typeof value !== 'string') throw new InvalidControlArgumentError(argument, 'must be a string')
  assertNoLineBreaks(argument, value)
  return `"${value.replace(/[\\"]/g, c => `\\${c}`)}"`
}

/** One space-separated word of a reply line: `KEY=value`, `KEY="quoted"`, `word` or `"quoted"`. */
export interface Token {
  key?: string
  value: string
}

const C_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r' }
const KEY = /^[A-Za-z0-9_]+$/

/**
 * Reads a quoted string starting at text[start] === '"'. Returns the unescaped
 * value and the index just past the closing quote.
 */
export function readQuoted (text: string, start: number): { value: string, end: number } {
  let out = ''
  let i = start + 1
  while (i < text.length) {
    const c = text[i]
    if (c === '"') return { value: out, end: i + 1 }
    if (c !== '\\') {
      out += c
      i++
      continue
    }
    const next = text[i + 1]
    if (next === undefined) break
    const octal = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4))
    if (octal != null && Number.parseInt(octal[0], 8) <= 0o377) {
      out += String.fromCharCode(Number.parseInt(octal[0], 8))
      i += 1 + octal[0].length
    } else {
      out += C_ESCAPES[next] ?? next
      i += 2
    }
  }
  throw new ControlProtocolError('a quoted string is not terminated')
}

/** Splits `METHODS=COOKIE,SAFECOOKIE COOKIEFILE="/a b"` into tokens, unquoting quoted values. */
export function tokenize (text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    if (text[i] === ' ') {
      i++
      continue
    }
    if (text[i] === '"') {
      const q = readQuoted(text, i)
      tokens.push({ value: q.value })
      i = q.end
      continue
    }
    let j = i
    while (j < text.length && text[j] !== ' ' && text[j] !== '=') j++
    const word = text.slice(i, j)
    if (text[j] === '=' && KEY.test(word)) {
      if (text[j + 1] === '"') {
        const q = readQuoted(text, j + 1)
        tokens.push({ key: word, value: q.value })
        i = q.end
      } else {
        let k = j + 1
        while (k < text.length && text[k] !== ' ') k++
        tokens.push({ key: word, value: text.slice(j + 1, k) })
        i = k
      }
      continue
    }
    // a word with no key (it may still contain '=', like an old "$FP=nick")
    while (j < text.length && text[j] !== ' ') j++
    tokens.push({ value: text.slice(i, j) })
    i = j
  }
  return tokens
}

/** The KEY=value tokens of a line as a record (the first occurrence of a key wins). */
export function keyValues (tokens: Token[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const t of tokens) {
    if (t.key != null && !Object.prototype.hasOwnProperty.call(out, t.key)) setOwn(out, t.key, t.value)
  }
  return out
}

/** Sets an own property, even for keys like `__proto__` that Tor's data could carry. */
export function setOwn (record: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
}
