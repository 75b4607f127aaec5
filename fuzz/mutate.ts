/**
 * The mutator: turns seed-corpus entries into new inputs, AFL/libFuzzer
 * style (bit flips, byte insert/delete/duplicate, splices between corpus
 * entries, truncation, interesting values and dictionary tokens), and makes
 * fully random inputs and random chunk boundaries.
 *
 * Why a mutator of our own and not a coverage-guided fuzzer: none installs
 * for JavaScript here without a download of native parts (Jazzer.js builds a
 * libFuzzer addon), and the parsers under test are small enough that
 * mutating real replies and addresses reaches their branches; fast-check's
 * arbitraries generate well-formed values, not damaged wire bytes.
 */
import type { Rng } from './prng.js'

/** Bytes that sit on parser boundaries: separators, quotes, escapes, limits. */
const INTERESTING_BYTES = [
  0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x0d, 0x0a, 0x20, 0x09, 0x22, 0x5c, 0x3d, 0x3a, 0x2e, 0x2d, 0x2b,
  0x2f, 0x5b, 0x5d, 0x2c, 0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a, 0x32, 0x37, 0x05, 0x03, 0x04, 0x02, 0xf0, 0xf7
]

/** Number spellings that sit on range limits, for the ASCII digit runs of ports, codes and counts. */
const INTERESTING_NUMBERS = [
  '0', '1', '00', '01', '-1', '+1', '1.5', '1e3', ' 1', '1 ', '255', '256', '650', '250', '65535', '65536',
  '99999', '100000', '86400', '86401', '0.0001', '9007199254740993', '1'.repeat(400), 'NaN', 'Infinity', '0x10'
]

export interface MutateOptions {
  /** Tokens worth inserting for this parser ('250-', '.onion', ...). */
  dictionary?: readonly string[]
  /** Upper bound on the length of a mutated input. */
  maxLength: number
}

const enc = new TextEncoder()

function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Replaces bytes [from, to) of `b` with `insert`. */
function replace (b: Uint8Array, from: number, to: number, insert: Uint8Array): Uint8Array {
  return concat(b.subarray(0, from), insert, b.subarray(to))
}

/** The run of ASCII digits at or after a random place in `b` (wrapping), if `b` has one. */
function digitRun (rng: Rng, b: Uint8Array): [number, number] | undefined {
  const isDigit = (x: number): boolean => x >= 0x30 && x <= 0x39
  let i = rng.below(b.length)
  for (let n = 0; n < b.length && !isDigit(b[i]); n++) i = (i + 1) % b.length
  if (!isDigit(b[i])) return undefined
  let start = i
  let end = i
  while (start > 0 && isDigit(b[start - 1])) start--
  while (end < b.length && isDigit(b[end])) end++
  return [start, end]
}

/** One mutation of `b`; `corpus` supplies the other half of a splice. */
function mutateOnce (rng: Rng, b: Uint8Array, corpus: readonly Uint8Array[], opts: MutateOptions): Uint8Array {
  const at = rng.below(b.length + 1)
  switch (rng.below(12)) {
    case 0: { // flip one bit
      if (b.length === 0) return rng.bytes(1)
      const out = b.slice()
      out[rng.below(b.length)] ^= 1 << rng.below(8)
      return out
    }
    case 1: { // set a byte to a random or an interesting value
      if (b.length === 0) return Uint8Array.of(rng.pick(INTERESTING_BYTES))
      const out = b.slice()
      out[rng.below(b.length)] = rng.chance(0.5) ? rng.u32() & 0xff : rng.pick(INTERESTING_BYTES)
      return out
    }
    case 2: // insert random bytes
      return replace(b, at, at, rng.bytes(rng.between(1, 8)))
    case 3: // insert interesting bytes
      return replace(b, at, at, Uint8Array.from({ length: rng.between(1, 4) }, () => rng.pick(INTERESTING_BYTES)))
    case 4: { // delete a range
      if (b.length === 0) return b
      const from = rng.below(b.length)
      return replace(b, from, Math.min(b.length, from + rng.between(1, 16)), new Uint8Array(0))
    }
    case 5: { // duplicate a range
      if (b.length === 0) return b
      const from = rng.below(b.length)
      const piece = b.slice(from, Math.min(b.length, from + rng.between(1, 32)))
      const copies = rng.chance(0.1) ? rng.between(2, 64) : 1
      return replace(b, at, at, concat(...Array.from({ length: copies }, () => piece)))
    }
    case 6: // truncate
      return b.subarray(0, rng.below(b.length + 1))
    case 7: { // splice: our head, another entry's tail
      const other = rng.pick(corpus)
      return concat(b.subarray(0, at), other.subarray(rng.below(other.length + 1)))
    }
    case 8: { // insert a piece of another entry
      const other = rng.pick(corpus)
      const from = rng.below(other.length + 1)
      return replace(b, at, at, other.subarray(from, from + rng.between(1, 64)))
    }
    case 9: { // insert or overwrite with a dictionary token
      const dict = opts.dictionary ?? []
      if (dict.length === 0) return replace(b, at, at, Uint8Array.of(rng.pick(INTERESTING_BYTES)))
      const token = enc.encode(rng.pick(dict))
      return rng.chance(0.5) ? replace(b, at, at, token) : replace(b, at, Math.min(b.length, at + token.length), token)
    }
    case 10: { // replace a run of digits by an interesting number
      const run = digitRun(rng, b)
      const number = enc.encode(rng.pick(INTERESTING_NUMBERS))
      return run == null ? replace(b, at, at, number) : replace(b, run[0], run[1], number)
    }
    default: { // swap two bytes
      if (b.length < 2) return b
      const out = b.slice()
      const i = rng.below(b.length)
      const j = rng.below(b.length)
      const t = out[i]
      out[i] = out[j]
      out[j] = t
      return out
    }
  }
}

/** 1 to 8 stacked mutations of a corpus entry, fewer more often. */
export function mutate (rng: Rng, seed: Uint8Array, corpus: readonly Uint8Array[], opts: MutateOptions): Uint8Array {
  let out = seed
  const rounds = 1 + Math.min(7, Math.floor(-Math.log2(1 - rng.u32() / 0x1_0000_0000)))
  for (let i = 0; i < rounds; i++) {
    out = mutateOnce(rng, out, corpus, opts)
    if (out.length > opts.maxLength) out = out.subarray(0, opts.maxLength)
  }
  return out
}

/** A random input: raw bytes, or text made of dictionary tokens and printable ASCII. */
export function randomInput (rng: Rng, opts: MutateOptions): Uint8Array {
  const length = rng.below(Math.min(opts.maxLength, 300) + 1)
  if (rng.chance(0.4)) return rng.bytes(length)
  const parts: Uint8Array[] = []
  let total = 0
  while (total < length) {
    const dict = opts.dictionary ?? []
    const part = dict.length > 0 && rng.chance(0.3)
      ? enc.encode(rng.pick(dict))
      : Uint8Array.from({ length: rng.between(1, 8) }, () => rng.chance(0.9) ? rng.between(0x20, 0x7e) : rng.pick(INTERESTING_BYTES))
    parts.push(part)
    total += part.length
  }
  return concat(...parts).subarray(0, opts.maxLength)
}

/**
 * Where to cut an input into chunks, as a socket might deliver it: sorted
 * offsets strictly inside (0, length). Sometimes none, sometimes every byte.
 */
export function randomCuts (rng: Rng, length: number): number[] {
  if (length < 2 || rng.chance(0.15)) return []
  if (rng.chance(0.1)) return Array.from({ length: length - 1 }, (_, i) => i + 1)
  const n = rng.between(1, Math.min(length - 1, 12))
  const cuts = new Set<number>()
  for (let i = 0; i < n; i++) cuts.add(rng.between(1, length - 1))
  return [...cuts].sort((a, b) => a - b)
}

/** `input` cut at `cuts` (each within (0, length), sorted). */
export function split (input: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = []
  let from = 0
  for (const cut of cuts) {
    if (cut <= from || cut >= input.length) continue
    chunks.push(input.subarray(from, cut))
    from = cut
  }
  chunks.push(input.subarray(from))
  return chunks
}
