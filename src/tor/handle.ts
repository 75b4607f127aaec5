import type { ControlClient, ControlEndpoint, WaitForBootstrapOptions } from '../control/index.js'
import type { SocksEndpoint } from './endpoints.js'

/** A tor a node uses, attached or managed: the same interface either way. */
export interface TorHandle {
  readonly mode: 'attach' | 'managed'
  /** Where to send SOCKS5 CONNECTs. */
  readonly socks: SocksEndpoint
  /** An authenticated control connection. */
  readonly control: ControlClient
  readonly controlEndpoint: ControlEndpoint
  /** One line for humans, e.g. 'attached to tor: control 127.0.0.1:9051 (SAFECOOKIE), socks 127.0.0.1:9050'. */
  readonly description: string
  /** The tor process, managed mode only. */
  readonly pid?: number
  /** The control authentication tor accepted: SAFECOOKIE, COOKIE, HASHEDPASSWORD or NULL. */
  readonly authMethod?: string
  waitForBootstrap: (opts?: WaitForBootstrapOptions) => Promise<void>
  /**
   * attach: close the control connection. managed: close it too (tor exits,
   * since we own it), then wait for the process to go, SIGTERM/SIGKILL as a
   * bounded fallback. Safe to call more than once.
   */
  close: () => Promise<void>
}

export interface HandleInit {
  mode: 'attach' | 'managed'
  socks: SocksEndpoint
  control: ControlClient
  controlEndpoint: ControlEndpoint
  description: string
  pid?: number
  authMethod?: string
  /** Runs once, after the control connection is closed. */
  afterClose?: () => Promise<void>
}

export function createHandle (init: HandleInit): TorHandle {
  let closing: Promise<void> | undefined
  const { afterClose, ...fields } = init
  return {
    ...fields,
    async waitForBootstrap (opts = {}) {
      await init.control.waitForBootstrap(opts)
    },
    async close () {
      closing ??= (async () => {
        await init.control.close()
        await afterClose?.()
      })()
      await closing
    }
  }
}
