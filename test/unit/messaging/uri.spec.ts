import assert from 'node:assert/strict'
import fc from 'fast-check'
import { InvalidUriError } from '../../../src/messaging/errors.js'
import {
  createUriMatcher, isValidUri, matchUri, MAX_URI_BYTES, uriProblem, validatePattern, validateUri
} from '../../../src/messaging/uri.js'
import type { Match, UriPattern } from '../../../src/messaging/uri.js'

function rejects (fn: () => unknown, uri: string, why: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidUriError, `expected InvalidUriError, got ${String(err)}`)
    assert.equal(err.name, 'InvalidUriError')
    assert.equal(err.uri, uri)
    assert.match(err.message, why)
    return true
  })
}

interface Entry extends UriPattern { name: string }

function entry (name: string, uri: string, match: Match): Entry {
  return { name, uri, match }
}

describe('messaging uri', () => {
  describe('validateUri (concrete URIs)', () => {
    it('accepts dotted components with Crossbar\'s loose characters and unicode', () => {
      for (const uri of ['a', 'com.example.topic', 'webhook.github.push', 'a-b.c_d.E9', 'x.y:z.@', 'héllo.wörld', '日本.語', 'emoji.🙂']) {
        assert.equal(validateUri(uri), uri)
        assert.equal(isValidUri(uri), true)
      }
    })

    it('refuses empty components: leading, trailing, doubled dots and a lone dot', () => {
      rejects(() => validateUri('a..b'), 'a..b', /component 1 is empty/)
      rejects(() => validateUri('.a'), '.a', /component 0 is empty/)
      rejects(() => validateUri('a.'), 'a.', /component 1 is empty/)
      rejects(() => validateUri('.'), '.', /component 0 is empty/)
    })

    it('refuses the empty string', () => {
      rejects(() => validateUri(''), '', /it is empty/)
    })

    it('refuses whitespace (ASCII and unicode), # and control characters', () => {
      rejects(() => validateUri('a b'), 'a b', /" " at index 1/)
      rejects(() => validateUri('a\tb'), 'a\tb', /"\\t" at index 1/)
      rejects(() => validateUri('a.b\n'), 'a.b\n', /"\\n" at index 3/)
      rejects(() => validateUri('a\u00a0b'), 'a\u00a0b', /at index 1/)
      rejects(() => validateUri('a\u2003b'), 'a\u2003b', /at index 1/)
      rejects(() => validateUri('a#b'), 'a#b', /"#" at index 1/)
      rejects(() => validateUri('a\u0000b'), 'a\u0000b', /at index 1/)
      rejects(() => validateUri('a\u007fb'), 'a\u007fb', /at index 1/)
      rejects(() => validateUri('a\u009bb'), 'a\u009bb', /at index 1/)
    })

    it('caps the length at 512 bytes of UTF-8, not 512 characters', () => {
      const max = 'a'.repeat(MAX_URI_BYTES)
      assert.equal(validateUri(max), max)
      rejects(() => validateUri(max + 'a'), max + 'a', /longer than 512 bytes/)
      const wide = 'é'.repeat(256) // 512 bytes
      assert.equal(validateUri(wide), wide)
      rejects(() => validateUri(wide + 'a'), wide + 'a', /longer than 512 bytes/)
      rejects(() => validateUri('é'.repeat(257)), 'é'.repeat(257), /longer than 512 bytes/)
    })

    it('refuses what is not a string', () => {
      assert.throws(() => validateUri(42 as any), (err: unknown) => err instanceof InvalidUriError && /expected a string, got number/.test(err.message))
      assert.equal(isValidUri(undefined as any), false)
    })
  })

  describe('validatePattern', () => {
    it('exact: the same rule as a URI', () => {
      assert.equal(validatePattern('a.b', 'exact'), 'a.b')
      rejects(() => validatePattern('a.', 'exact'), 'a.', /component 1 is empty/)
      rejects(() => validatePattern('a..b', 'exact'), 'a..b', /component 1 is empty/)
    })

    it('prefix: any non-empty string prefix, ending in a dot or mid-component (as Crossbar allows)', () => {
      assert.equal(validatePattern('com.myapp.', 'prefix'), 'com.myapp.')
      assert.equal(validatePattern('com.my', 'prefix'), 'com.my')
      assert.equal(validatePattern('c', 'prefix'), 'c')
    })

    it('prefix: refuses the empty prefix and empty components before the last', () => {
      rejects(() => validatePattern('', 'prefix'), '', /it is empty/)
      rejects(() => validatePattern('.', 'prefix'), '.', /component 0 is empty; a prefix may end with a dot/)
      rejects(() => validatePattern('a..', 'prefix'), 'a..', /component 1 is empty/)
      rejects(() => validatePattern('.com', 'prefix'), '.com', /component 0 is empty/)
    })

    it('wildcard: empty components anywhere, but not the empty string', () => {
      for (const p of ['com..create', '.b', 'a.', 'a..c.', '.', '..']) {
        assert.equal(validatePattern(p, 'wildcard'), p)
      }
      rejects(() => validatePattern('', 'wildcard'), '', /it is empty/)
      rejects(() => validatePattern('a. .b', 'wildcard'), 'a. .b', /" " at index 2/)
    })

    it('refuses an unknown match policy', () => {
      rejects(() => validatePattern('a', 'glob' as Match), 'a', /unknown match "glob"/)
      assert.equal(uriProblem('a', 'glob' as Match), 'unknown match "glob"; expected "exact", "prefix" or "wildcard"')
    })

    it('uriProblem says why, or undefined', () => {
      assert.equal(uriProblem('a.b'), undefined)
      assert.equal(uriProblem('a.', 'prefix'), undefined)
      assert.equal(uriProblem('a.'), 'component 1 is empty; components are separated by single dots and may not be empty')
    })
  })

  describe('matchUri', () => {
    it('exact matches only the same string', () => {
      assert.equal(matchUri('a.b', 'exact', 'a.b'), true)
      assert.equal(matchUri('a.b', 'exact', 'a.b.c'), false)
      assert.equal(matchUri('a.b', 'exact', 'a'), false)
      assert.equal(matchUri('a.b', 'exact', 'A.b'), false)
    })

    it('prefix compares strings, so "a.b" matches "a.bc" as Crossbar\'s StringTrie does', () => {
      assert.equal(matchUri('a.b', 'prefix', 'a.b'), true)
      assert.equal(matchUri('a.b', 'prefix', 'a.b.c'), true)
      assert.equal(matchUri('a.b', 'prefix', 'a.bc'), true)
      assert.equal(matchUri('a.b.', 'prefix', 'a.bc'), false)
      assert.equal(matchUri('a.b.', 'prefix', 'a.b'), false)
      assert.equal(matchUri('a.b.', 'prefix', 'a.b.c'), true)
      assert.equal(matchUri('com.my', 'prefix', 'com.myapp.x'), true)
      assert.equal(matchUri('a.b', 'prefix', 'x.a.b'), false)
    })

    it('wildcard: an empty component matches any one component, and the arity must be equal', () => {
      assert.equal(matchUri('com..create', 'wildcard', 'com.x.create'), true)
      assert.equal(matchUri('com..create', 'wildcard', 'com.x.y.create'), false)
      assert.equal(matchUri('com..create', 'wildcard', 'com.create'), false)
      assert.equal(matchUri('com..create', 'wildcard', 'com.x.delete'), false)
      assert.equal(matchUri('.b', 'wildcard', 'a.b'), true)
      assert.equal(matchUri('.b', 'wildcard', 'a.c'), false)
      assert.equal(matchUri('a.', 'wildcard', 'a.z'), true)
      assert.equal(matchUri('a.', 'wildcard', 'a'), false)
      assert.equal(matchUri('..', 'wildcard', 'x.y.z'), true)
      assert.equal(matchUri('..', 'wildcard', 'x.y'), false)
      assert.equal(matchUri('a.b', 'wildcard', 'a.b'), true)
      assert.equal(matchUri('a.b', 'wildcard', 'a.bc'), false)
      assert.equal(matchUri('日..語', 'wildcard', '日.本.語'), true)
    })

    it('an unknown match never matches', () => {
      assert.equal(matchUri('a', 'glob' as Match, 'a'), false)
    })

    it('property: a concrete URI matches itself exactly, as a wildcard, and under every string prefix', () => {
      const component = fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' }).filter(s => isValidUri(s))
      const uri = fc.array(component, { minLength: 1, maxLength: 6 }).map(parts => parts.join('.')).filter(u => isValidUri(u))
      fc.assert(fc.property(uri, (u) => {
        assert.equal(matchUri(u, 'exact', u), true)
        assert.equal(matchUri(u, 'wildcard', u), true)
        for (let end = 1; end <= u.length; end++) {
          const prefix = u.slice(0, end)
          if (uriProblem(prefix, 'prefix') === undefined) {
            assert.equal(matchUri(prefix, 'prefix', u), true)
          }
        }
        // ... and every dotted prefix ("a.", "a.b.") is a valid prefix pattern that matches.
        const parts = u.split('.')
        for (let n = 1; n < parts.length; n++) {
          const dotted = parts.slice(0, n).join('.') + '.'
          assert.equal(uriProblem(dotted, 'prefix'), undefined)
          assert.equal(matchUri(dotted, 'prefix', u), true)
        }
      }), { numRuns: 300 })
    })

    it('property: blanking any components gives a wildcard that matches, and one more component never does', () => {
      const parts = fc.array(fc.stringMatching(/^[a-z0-9]{1,5}$/), { minLength: 1, maxLength: 6 })
      fc.assert(fc.property(parts, fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), (p, blank) => {
        const pattern = p.map((c, i) => blank[i] ? '' : c).join('.')
        assert.equal(matchUri(pattern, 'wildcard', p.join('.')), true)
        assert.equal(matchUri(pattern, 'wildcard', [...p, 'x'].join('.')), false)
      }), { numRuns: 200 })
    })
  })

  describe('createUriMatcher: Crossbar precedence', () => {
    // The permissions of crossbar's TestRouterRoleStaticAuthWild (test_authorize.py).
    const crossbar = createUriMatcher([
      entry('wild', 'com..private', 'wildcard'),
      entry('exact', 'com.something_specific.private', 'exact'),
      entry('prefix', 'com.', 'prefix')
    ])

    it('exact beats wildcard (test_exact_before_wildcard)', () => {
      assert.equal(crossbar.lookup('com.something_specific.private')?.name, 'exact')
    })

    it('wildcard beats prefix (test_wildcard_before_prefix)', () => {
      assert.equal(crossbar.lookup('com.foo.private')?.name, 'wild')
    })

    it('the prefix decides where neither exact nor wildcard matches (test_prefix)', () => {
      assert.equal(crossbar.lookup('com.whatever')?.name, 'prefix')
      assert.equal(crossbar.lookup('com.foo.bar.private')?.name, 'prefix')
    })

    it('nothing matches: undefined (deny)', () => {
      assert.equal(crossbar.lookup('org.foo'), undefined)
      assert.equal(createUriMatcher<Entry>([]).lookup('a'), undefined)
    })

    it('the longer prefix beats the shorter, whatever the order in the file', () => {
      const a = createUriMatcher([entry('short', 'a.', 'prefix'), entry('long', 'a.b.', 'prefix')])
      const b = createUriMatcher([entry('long', 'a.b.', 'prefix'), entry('short', 'a.', 'prefix')])
      for (const m of [a, b]) {
        assert.equal(m.lookup('a.b.c')?.name, 'long')
        assert.equal(m.lookup('a.c')?.name, 'short')
        assert.equal(m.lookup('a.bc')?.name, 'short')
      }
    })

    it('exact beats a prefix that equals it', () => {
      const m = createUriMatcher([entry('prefix', 'a.b', 'prefix'), entry('exact', 'a.b', 'exact')])
      assert.equal(m.lookup('a.b')?.name, 'exact')
      assert.equal(m.lookup('a.bc')?.name, 'prefix')
    })

    it('a wildcard beats even a longer prefix', () => {
      const m = createUriMatcher([entry('prefix', 'a.b.c.', 'prefix'), entry('wild', 'a..c.d', 'wildcard')])
      assert.equal(m.lookup('a.b.c.d')?.name, 'wild')
      assert.equal(m.lookup('a.b.c.e')?.name, 'prefix')
    })

    it('among wildcards, the longer literal text before the first empty component wins', () => {
      const m = createUriMatcher([entry('short', 'a...d', 'wildcard'), entry('long', 'a.b..d', 'wildcard'), entry('none', '.b.c.d', 'wildcard')])
      assert.equal(m.lookup('a.b.c.d')?.name, 'long')
      assert.equal(m.lookup('a.x.c.d')?.name, 'short')
      assert.equal(m.lookup('z.b.c.d')?.name, 'none')
    })

    it('among wildcards with the same literal text, more fixed components win, then file order', () => {
      const m = createUriMatcher([entry('loose', 'a...', 'wildcard'), entry('fixed', 'a..c.', 'wildcard'), entry('fixed2', 'a...d', 'wildcard')])
      assert.equal(m.lookup('a.b.c.z')?.name, 'fixed')
      assert.equal(m.lookup('a.b.c.d')?.name, 'fixed')
      assert.equal(m.lookup('a.b.x.d')?.name, 'fixed2')
      assert.equal(m.lookup('a.b.x.y')?.name, 'loose')
    })

    it('unlike Crossbar, a non-matching longer exact entry does not hide a matching prefix', () => {
      const m = createUriMatcher([entry('exact', 'a.b', 'exact'), entry('prefix', 'a.', 'prefix')])
      assert.equal(m.lookup('a.bc')?.name, 'prefix')
    })

    it('a wildcard whose only empty component is the first or the last matches (Crossbar never matches these)', () => {
      const m = createUriMatcher([entry('lead', '.status', 'wildcard'), entry('trail', 'build.', 'wildcard')])
      assert.equal(m.lookup('ci.status')?.name, 'lead')
      assert.equal(m.lookup('build.42')?.name, 'trail')
      assert.equal(m.lookup('build.42.x'), undefined)
    })

    it('the first of two identical exact entries decides', () => {
      const m = createUriMatcher([entry('first', 'a', 'exact'), entry('second', 'a', 'exact')])
      assert.equal(m.lookup('a')?.name, 'first')
    })
  })
})
