/**
 * Sample summaries for the benchmark: median, min and max of a list of
 * numbers, and the ratio of two medians. Pure.
 */

export interface Summary {
  median: number
  min: number
  max: number
  n: number
  samples: number[]
}

export function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

export function summarize (samples: number[]): Summary {
  const finite = samples.filter(Number.isFinite)
  return {
    median: median(finite),
    min: finite.length > 0 ? Math.min(...finite) : NaN,
    max: finite.length > 0 ? Math.max(...finite) : NaN,
    n: finite.length,
    samples: finite.map(x => Math.round(x * 1000) / 1000)
  }
}

/** p2p median over raw median; NaN when either is missing or raw is 0. */
export function ratio (p2p: Summary, raw: Summary | undefined): number {
  if (raw == null || !(raw.median > 0)) return NaN
  return p2p.median / raw.median
}

/** The nearest-rank percentile (0 < p ≤ 100) of the finite samples; NaN when there are none. */
export function percentile (xs: number[], p: number): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b)
  if (s.length === 0) return NaN
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}
