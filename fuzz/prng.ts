/**
 * A small seeded PRNG (sfc32) and the per-input seeding that makes every
 * fuzz input reproducible from (seed, parser, index) alone, so a failure can
 * be replayed without replaying the inputs before it.
 */

/** A 32-bit FNV-1a hash of a string, for mixing names into seeds. */
export function hash32 (s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export class Rng {
  #a: number
  #b: number
  #c: number
  #d: number

  constructor (a: number, b: number, c: number, d: number) {
    this.#a = a >>> 0
    this.#b = b >>> 0
    this.#c = c >>> 0
    this.#d = d >>> 0
    // sfc32 wants a few rounds before its output is well mixed
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** The generator of input number `index` of `parser` under `seed`. */
  static forInput (seed: number, parser: string, index: number): Rng {
    return new Rng(seed, hash32(parser), index, 0x9e3779b9 ^ index)
  }

  u32 (): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0
    this.#d = (this.#d + 1) >>> 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) >>> 0
    this.#c = (this.#c << 21) | (this.#c >>> 11)
    this.#c = (this.#c + t) >>> 0
    return t
  }

  /** An integer in [0, n). */
  below (n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 0x1_0000_0000) * n)
  }

  /** An integer in [min, max]. */
  between (min: number, max: number): number {
    return min + this.below(max - min + 1)
  }

  chance (p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p
  }

  pick<T> (items: readonly T[]): T {
    return items[this.below(items.length)]
  }

  bytes (n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff
    return out
  }
}
