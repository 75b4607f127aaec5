/**
 * Reference-counted event subscriptions for one control connection, as
 * txtorcon's add_event_listener keeps them. SETEVENTS replaces tor's whole
 * event set, so two users of one connection would overwrite each other;
 * here every user holds a subscription, and tor is sent the union (plus a
 * base set from setEvents()) whenever, and only when, it changes.
 * No I/O of its own: it sends through the client's `setEvents` function.
 */
import { InvalidControlArgumentError } from './errors.js'
import type { HsDescEvent, StatusClientEvent } from './events.js'
import type { ControlReply } from './parser.js'

/** Events whose handlers get the parsed event; any other name gets the raw 650 reply. */
export interface TypedControlEvents {
  HS_DESC: HsDescEvent
  STATUS_CLIENT: StatusClientEvent
}

/** Ends a subscription; resolves once tor no longer sends the event (unless others still hold it). */
export type Unsubscribe = () => Promise<void>

interface Subscriber {
  deliver: (reply: ControlReply, parsed: unknown) => void
}

const EVENT_NAME = /^[A-Z][A-Z0-9_]*$/
export const TYPED_EVENTS: ReadonlySet<string> = new Set<keyof TypedControlEvents>(['HS_DESC', 'STATUS_CLIENT'])

export class Subscriptions {
  /** Events set with setBase(): always part of what tor is asked for. */
  private base: string[] = []
  /** Users per event name, in first-subscription order. */
  private readonly users = new Map<string, Set<Subscriber>>()
  /** The event set tor last accepted. */
  private wire: string[] = []
  /** SETEVENTS updates, one at a time, in order. */
  private chain: Promise<unknown> = Promise.resolve()
  private inFlight = 0

  /** `sendSetEvents` sends SETEVENTS with exactly these names and throws if tor refuses. */
  constructor (private readonly sendSetEvents: (events: string[]) => Promise<void>, private readonly isClosed: () => boolean) {}

  /** The events tor currently sends (the last SETEVENTS it accepted). */
  get events (): readonly string[] {
    return this.wire
  }

  /** Replaces the base set and always sends SETEVENTS; on refusal the base set is restored. */
  async setBase (events: string[]): Promise<void> {
    const before = this.base
    this.base = [...events]
    try {
      await this.sync(true)
    } catch (err) {
      this.base = before
      throw err
    }
  }

  async subscribe (event: string, handler?: (e: any) => void): Promise<Unsubscribe> {
    if (typeof event !== 'string' || !EVENT_NAME.test(event)) {
      throw new InvalidControlArgumentError('event name', 'must be upper-case letters, digits and "_", e.g. HS_DESC')
    }
    const typed = TYPED_EVENTS.has(event)
    const sub: Subscriber = { deliver: (reply, parsed) => { handler?.(typed ? parsed : reply) } }
    let users = this.users.get(event)
    if (users == null) this.users.set(event, users = new Set())
    users.add(sub)
    const remove = (): void => {
      users.delete(sub)
      if (users.size === 0 && this.users.get(event) === users) this.users.delete(event)
    }
    try {
      await this.sync(false)
    } catch (err) {
      remove()
      throw err
    }
    let done: Promise<void> | undefined
    return async () => {
      done ??= (async () => {
        remove()
        if (!this.isClosed()) await this.sync(false)
      })()
      await done
    }
  }

  /**
   * Hands an event to its subscribers. A typed event that failed to parse
   * (`parsed` undefined) is not delivered; `guard` runs each handler so that
   * one throwing cannot stop the others.
   */
  dispatch (keyword: string, reply: ControlReply, parsed: unknown, guard: (fn: () => void) => void): void {
    if (TYPED_EVENTS.has(keyword) && parsed == null) return
    for (const sub of [...(this.users.get(keyword) ?? [])]) guard(() => { sub.deliver(reply, parsed) })
  }

  /** Sends SETEVENTS with the base set plus every subscribed event, when that differs from tor's (or always, with force). */
  private async sync (force: boolean): Promise<void> {
    const step = async (): Promise<void> => {
      const wanted = [...new Set([...this.base, ...this.users.keys()])]
      if (!force && wanted.length === this.wire.length && wanted.every((e, i) => e === this.wire[i])) return
      await this.sendSetEvents(wanted)
      this.wire = wanted
    }
    // With no update in flight the SETEVENTS is written now, in call order
    // with the commands around it; otherwise after the updates before it.
    const run = this.inFlight === 0 ? step() : this.chain.then(step)
    this.inFlight++
    this.chain = run.catch(() => {}).finally(() => { this.inFlight-- })
    await run
  }
}
