/** Option checks shared by the relay and the builder. */

/** `value`, or `fallback` when undefined; a TypeError naming the option when not a positive number. */
export function positive (name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback
  if (!Number.isFinite(v) || v <= 0) throw new TypeError(`${name} must be a positive number, got ${String(value)}`)
  return v
}
