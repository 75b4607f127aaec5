/**
 * Assertions shared by the onion specs: the error class, its name, and the
 * typed field that says what failed.
 */
import assert from 'node:assert/strict'
import { InvalidOnionAddressError, InvalidOnionKeyError } from '../../../src/onion/index.js'
import type { OnionAddressCheck, OnionKeyProblem } from '../../../src/onion/index.js'

function throwsTyped<E extends Error> (fn: () => unknown, type: new (...args: any[]) => E, field: keyof E, expected: unknown): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`)
    assert.equal(err.name, type.name)
    assert.equal(err[field], expected)
    return true
  })
}

export function rejectsAddress (fn: () => unknown, check: OnionAddressCheck): void {
  throwsTyped(fn, InvalidOnionAddressError, 'check', check)
}

export function rejectsKey (fn: () => unknown, problem: OnionKeyProblem): void {
  throwsTyped(fn, InvalidOnionKeyError, 'problem', problem)
}
