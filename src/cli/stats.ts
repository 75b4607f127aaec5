/**
 * Ping statistics for `dial`'s summary, as ping(8) reports them.
 */

export interface RttStats {
  sent: number
  received: number
  /** 0-100, rounded to 0.1. */
  lossPercent: number
  /** null when nothing was received. */
  min: number | null
  avg: number | null
  max: number | null
  median: number | null
}

/** The median of a list of numbers (the mean of the two middle ones for an even count); NaN when empty. */
export function median (xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** Stats of `sent` pings of which `rtts` came back. */
export function rttStats (sent: number, rtts: readonly number[]): RttStats {
  if (!Number.isInteger(sent) || sent < 0 || rtts.length > sent) {
    throw new RangeError(`cannot have ${rtts.length} replies to ${sent} pings`)
  }
  const received = rtts.length
  const lossPercent = sent === 0 ? 0 : Math.round(((sent - received) / sent) * 1000) / 10
  if (received === 0) {
    return { sent, received, lossPercent, min: null, avg: null, max: null, median: null }
  }
  return {
    sent,
    received,
    lossPercent,
    min: Math.min(...rtts),
    avg: rtts.reduce((a, b) => a + b, 0) / received,
    max: Math.max(...rtts),
    median: median(rtts)
  }
}
