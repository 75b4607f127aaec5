/**
 * What a builder remembers across restarts, in one small JSON file in its
 * data directory: the id of the last message it has finished with (to
 * subscribe with `sinceId` and catch up from the hub's history), the
 * delivery ids it has built, and the signatures of the bodies it has built
 * (GitHub signs the body, not the delivery id: a relay or hub replaying an
 * old body under a new delivery id is caught by the signature). Both lists
 * are bounded, oldest forgotten first. Written
 * atomically (temporary file, fsync, rename), so a crash leaves the old or
 * the new state, never half of one.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { writeFileAtomically } from '../onion/atomic-file.js'
import { WebhookStateError } from './errors.js'

export const STATE_VERSION = 1

const StateFile = z.object({
  version: z.literal(STATE_VERSION),
  lastId: z.string().regex(/^[0-9a-f]{1,128}$/).optional(),
  built: z.array(z.string().max(128)).max(100_000),
  signatures: z.array(z.string().regex(/^sha256=[0-9a-f]{64}$/)).max(100_000).default([])
}).strict()

export interface BuilderStateData {
  lastId?: string
  built: string[]
  signatures: string[]
}

/** The state file for one subscription: topic and event, in a file-name-safe spelling. */
export function stateFileName (topic: string, event: string): string {
  return `webhook-builder-${`${topic}.${event}`.replace(/[^A-Za-z0-9._-]/g, '_')}.json`
}

/** Adds values to an insertion-ordered set (a re-added value moves to the end) and forgets the oldest past `max`. */
function remember (set: Set<string>, values: Iterable<string>, max: number): void {
  for (const v of values) {
    set.delete(v)
    set.add(v)
  }
  while (set.size > max) {
    const oldest = set.values().next().value
    if (oldest == null) break
    set.delete(oldest)
  }
}

export class BuilderState {
  readonly path: string
  private lastIdValue?: string
  private readonly builtIds = new Set<string>()
  private readonly builtSignatures = new Set<string>()
  private writing: Promise<void> = Promise.resolve()

  private constructor (path: string, private readonly maxBuilt: number) {
    this.path = path
  }

  /**
   * Loads the state (an absent file is an empty state).
   *
   * @throws {WebhookStateError} when the file cannot be read or is damaged
   */
  static async open (dataDir: string, fileName: string, maxBuilt: number): Promise<BuilderState> {
    const state = new BuilderState(join(dataDir, fileName), maxBuilt)
    let text: string | undefined
    try {
      text = await readFile(state.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new WebhookStateError(state.path, `cannot read ${state.path}: ${(err as Error).message}`, { cause: err })
    }
    if (text == null) return state
    let data: BuilderStateData
    try {
      data = StateFile.parse(JSON.parse(text))
    } catch (err) {
      throw new WebhookStateError(state.path, `${state.path} is damaged or from another version; move it away to start afresh (deliveries it listed may then build again)`, { cause: err })
    }
    state.lastIdValue = data.lastId
    for (const id of data.built.slice(-maxBuilt)) state.builtIds.add(id)
    for (const sig of data.signatures.slice(-maxBuilt)) state.builtSignatures.add(sig)
    return state
  }

  get lastId (): string | undefined {
    return this.lastIdValue
  }

  hasBuilt (delivery: string): boolean {
    return this.builtIds.has(delivery)
  }

  /** Was a body with this X-Hub-Signature-256 built already (under any delivery id)? */
  hasBuiltBody (signature: string): boolean {
    return this.builtSignatures.has(signature)
  }

  setLastId (id: string): void {
    this.lastIdValue = id
  }

  addBuilt (deliveries: Iterable<string>, signatures: Iterable<string>): void {
    remember(this.builtIds, deliveries, this.maxBuilt)
    remember(this.builtSignatures, signatures, this.maxBuilt)
  }

  /** Writes the current state; writes are queued one after another. */
  async save (): Promise<void> {
    const data: BuilderStateData & { version: number } = { version: STATE_VERSION, built: [...this.builtIds], signatures: [...this.builtSignatures] }
    if (this.lastIdValue != null) data.lastId = this.lastIdValue
    const bytes = new TextEncoder().encode(JSON.stringify(data) + '\n')
    const next = this.writing.catch(() => {}).then(async () => {
      try {
        await writeFileAtomically(this.path, bytes, { replace: true })
      } catch (err) {
        throw new WebhookStateError(this.path, `cannot write ${this.path}: ${(err as Error).message}; check the data directory's permissions and free space`, { cause: err })
      }
    })
    this.writing = next
    await next
  }

  /** Waits for queued writes (errors were reported to their callers). */
  async flush (): Promise<void> {
    await this.writing.catch(() => {})
  }
}
