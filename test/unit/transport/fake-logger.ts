/** A ComponentLogger that drops everything, for building a transport without libp2p. */
import type { ComponentLogger, Logger } from '@libp2p/interface'

export function fakeLogger (): ComponentLogger {
  const log = Object.assign(() => {}, { error: () => {}, trace: () => {}, newScope: () => log, enabled: false }) as unknown as Logger
  return { forComponent: () => log }
}
