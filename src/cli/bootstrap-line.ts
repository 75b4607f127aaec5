/**
 * The text of a bootstrap progress line: tor's summary, how long the CLI has
 * waited (on a launched tor's reminders), and tor's latest warning.
 */
import type { BootstrapStatus } from '../control/index.js'

export function bootstrapMessage (s: BootstrapStatus): string {
  const details = [
    ...(s.elapsedMs != null ? [`${Math.round(s.elapsedMs / 1000)} s`] : []),
    ...(s.warning != null ? [s.warning] : [])
  ]
  return details.length === 0 ? s.summary : `${s.summary} (${details.join('; ')})`
}
