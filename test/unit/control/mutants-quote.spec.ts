/**
 * Quoting and tokenizing details: the octal escape range of control-spec
 * 2.1.1, duplicate keys, positional words in keyValues(), the records it
 * returns, and the messages of refusals.
 */
import assert from 'node:assert/strict'
import { ControlProtocolError, InvalidControlArgumentError } from '../../../src/control/errors.js'
import { assertNoLineBreaks, keyValues, readQuoted, tokenize } from '../../../src/control/quote.js'

describe('control quoting: edge cases', () => {
  it('reads octal escapes up to \\377 and no further', () => {
    assert.equal(readQuoted('"\\377"', 0).value, '\xff')
    assert.equal(readQuoted('"\\0"', 0).value, '\0')
    // \400 is out of range: the backslash only escapes the "4"
    assert.equal(readQuoted('"\\400"', 0).value, '400')
  })

  it('says when a quoted string is not terminated', () => {
    for (const text of ['"abc', '"abc\\', '"abc\\"']) {
      assert.throws(() => readQuoted(text, 0), (err: Error) => err instanceof ControlProtocolError && /a quoted string is not terminated/.test(err.message), text)
    }
  })

  it('refuses line breaks with a message naming command injection', () => {
    assert.throws(() => { assertNoLineBreaks('path', 'a\nb') }, (err: Error) =>
      err instanceof InvalidControlArgumentError && err.argument === 'path' && /contains CR, LF or NUL, which would end the command line/.test(err.message))
  })

  it('keyValues keeps the first value of a repeated key and skips positional words', () => {
    const kv = keyValues(tokenize('first A=1 "quoted word" A=2 B=3 last'))
    assert.deepEqual(kv, { A: '1', B: '3' })
    assert.deepEqual(Object.keys(kv), ['A', 'B'])
  })

  it('keyValues returns ordinary records the caller may change', () => {
    const kv = keyValues(tokenize('REASON=NOT_FOUND REPLICA=1'))
    kv.REASON = 'changed'
    assert.equal(kv.REASON, 'changed')
    delete kv.REPLICA
    assert.deepEqual(kv, { REASON: 'changed' })
  })
})
