/**
 * Fuzz targets with defects planted on purpose, so fuzz.spec.ts can show
 * that the harness reports each kind (and is not a loop that cannot fail).
 * Each defect fires on inputs of one length, which random inputs reach.
 */
import { FuzzInvariantError, check } from '../../../fuzz/target.js'
import type { FuzzTarget } from '../../../fuzz/target.js'

/** The error a planted parser is allowed to throw. */
export class PlantedParseError extends Error {
  static override name = 'PlantedParseError'

  constructor () {
    super('planted: rejected')
    this.name = 'PlantedParseError'
  }
}

const planted = (name: string, fire: () => never | void): FuzzTarget => ({
  name,
  corpus: 'none-such', // no seeds: random inputs only
  errors: [PlantedParseError],
  run ({ data }) {
    if (data.length % 5 === 1) fire()
    if (data.length % 5 === 2) throw new PlantedParseError()
    return data.length % 5 === 3 ? 'rejected' : 'accepted'
  }
})

export const TARGETS: readonly FuzzTarget[] = [
  planted('clean', () => {}),
  planted('untyped', () => { throw new TypeError('planted: not one of ours') }),
  planted('thrown-string', () => { throw 'planted: a string' as unknown as Error }), // eslint-disable-line no-throw-literal
  planted('invariant', () => check(false, 'planted: a broken round trip')),
  planted('invariant-class', () => { throw new FuzzInvariantError('planted') }),
  planted('hang', () => { for (;;) { /* a parser that never returns */ } }),
  planted('crash', () => { process.exit(7) })
]
