import assert from 'node:assert/strict'
import { EventEmitter, once } from 'node:events'
import { mkdtemp, readFile, rename, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RealmError } from '../../../src/messaging/errors.js'
import {
  DEFAULT_HISTORY_BYTES, DEFAULT_LIMITS, loadRealm, MAX_REALM_FILE_BYTES, parseRealm, watchRealm
} from '../../../src/messaging/realm.js'
import type { Realm } from '../../../src/messaging/realm.js'

/** test/fixtures/realms, from dist/test/unit/messaging. */
const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/realms/', import.meta.url))
const fixture = (name: string): string => join(FIXTURES, name)

// The PeerIds the fixtures name (freshly generated Ed25519 identities).
const GITHUB = '12D3KooWBVfAwvHQoo2xEo1bFTdbv8Jfw1iMfMxAkHDtvH2jpVXX'
const BUILDER = '12D3KooWBN2DLxKuwy26Mk26D7o679uWwEf3vLdn9ADjppNc9TMq'
const ADMIN = '12D3KooWCussrzsyAWsyfjvAWy19bSPCqNCsa2tiWLqQQxpHCrK6'
const HUB = '12D3KooWLSiwYtMtoMNmvbjBSEGbnzcAwXvXbNT6qk4X2bdLGfcE'
const STRANGER = '12D3KooWAEN7JvYhPdjn4tyEw782zdYLi5aEPYhQni9hJwjbVGa4'
const ONION = '25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid'

async function rejectsRealm (promise: Promise<unknown>, message: string, field?: string): Promise<RealmError> {
  let caught: unknown
  try {
    await promise
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof RealmError, `expected RealmError, got ${String(caught)}`)
  assert.equal(caught.name, 'RealmError')
  assert.equal(caught.message, message)
  assert.equal(caught.field, field)
  return caught
}

function throwsRealm (fn: () => unknown, message: string, field?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RealmError, `expected RealmError, got ${String(err)}`)
    assert.equal(err.message, message)
    assert.equal(err.field, field)
    return true
  })
}

const ACTIONS = ['publish', 'subscribe', 'call', 'register'] as const

/** The actions `peer` may do on `uri`, in a fixed order: easy to compare exactly. */
function rights (realm: Realm, peer: string, uri: string): string[] {
  return ACTIONS.filter(a => realm.may(peer, a, uri))
}

describe('messaging realm', () => {
  describe('the issue\'s example', () => {
    let realm: Realm
    before(async () => {
      realm = await loadRealm(fixture('issue-example.json'))
    })

    it('github may publish under webhook.github. and do nothing else', () => {
      assert.deepEqual(rights(realm, GITHUB, 'webhook.github.push'), ['publish'])
      assert.deepEqual(rights(realm, GITHUB, 'webhook.github.pull_request.opened'), ['publish'])
      assert.deepEqual(rights(realm, GITHUB, 'webhook.gitlab.push'), [])
      assert.deepEqual(rights(realm, GITHUB, 'webhook'), [])
    })

    it('builder may subscribe under webhook.github. and not publish', () => {
      assert.deepEqual(rights(realm, BUILDER, 'webhook.github.push'), ['subscribe'])
      assert.deepEqual(rights(realm, BUILDER, 'build.run'), [])
    })

    it('a peer no role names may do nothing and is not known', () => {
      assert.deepEqual(rights(realm, STRANGER, 'webhook.github.push'), [])
      assert.equal(realm.knows(STRANGER), false)
      assert.deepEqual(realm.rolesOf(STRANGER), [])
    })

    it('knows, rolesOf, peers, and the defaults for what the file leaves out', () => {
      assert.equal(realm.knows(GITHUB), true)
      assert.equal(realm.knows(BUILDER), true)
      assert.deepEqual(realm.rolesOf(GITHUB), ['github'])
      assert.deepEqual(realm.peers(), [GITHUB, BUILDER])
      assert.deepEqual(realm.hubs, [])
      assert.deepEqual(realm.limits, { ...DEFAULT_LIMITS })
      assert.deepEqual(DEFAULT_LIMITS, { maxPayloadBytes: 1048576, maxInflightCallsPerPeer: 64, callTimeoutMs: 60000 })
      assert.equal(realm.historyPolicy('webhook.github.push'), undefined)
      assert.equal(realm.source, fixture('issue-example.json'))
    })

    it('an invalid URI is never allowed', () => {
      assert.equal(realm.may(GITHUB, 'publish', 'webhook.github.'), false)
      assert.equal(realm.may(GITHUB, 'publish', 'webhook.github.a b'), false)
      assert.equal(realm.may(GITHUB, 'publish', ''), false)
      assert.equal(realm.may(GITHUB, 'bogus' as any, 'webhook.github.push'), false)
    })
  })

  describe('roles, hubs, history and limits (full.json)', () => {
    let realm: Realm
    before(async () => {
      realm = await loadRealm(fixture('full.json'))
    })

    it('inside one role the best permission decides: an exact entry with no rights denies what the prefix allows', () => {
      assert.deepEqual(rights(realm, BUILDER, 'webhook.github.push'), ['subscribe'])
      assert.deepEqual(rights(realm, BUILDER, 'webhook.github.secret'), [])
      assert.deepEqual(rights(realm, BUILDER, 'webhook.github.secrets'), ['subscribe'])
    })

    it('inside one role a wildcard beats a prefix and is not united with it', () => {
      assert.deepEqual(rights(realm, BUILDER, 'build.linux.status'), ['publish', 'register'])
      assert.deepEqual(rights(realm, BUILDER, 'build.linux.run'), ['register'])
      assert.deepEqual(rights(realm, BUILDER, 'build.linux.status.x'), ['register'])
    })

    it('across roles the rights are united: ADMIN is builder and ops', () => {
      assert.deepEqual(realm.rolesOf(ADMIN), ['builder', 'ops'])
      assert.deepEqual(rights(realm, ADMIN, 'build.linux.run'), ['call', 'register'])
      assert.deepEqual(rights(realm, ADMIN, 'build.linux.status'), ['publish', 'call', 'register'])
      // builder's exact entry denies it, ops' exact entry grants it: any role allowing is enough.
      assert.deepEqual(rights(realm, ADMIN, 'webhook.github.secret'), ['subscribe'])
      assert.deepEqual(rights(realm, BUILDER, 'build.linux.run'), ['register'])
    })

    it('a hub may publish and subscribe anything, and nothing more unless a role grants it', () => {
      assert.equal(realm.isHub(HUB), true)
      assert.equal(realm.isHub(ADMIN), false)
      assert.equal(realm.knows(HUB), true)
      assert.deepEqual(realm.rolesOf(HUB), [])
      assert.deepEqual(rights(realm, HUB, 'anything.at.all'), ['publish', 'subscribe'])
      assert.deepEqual(rights(realm, HUB, 'build.x'), ['publish', 'subscribe'])
      assert.deepEqual(realm.hubs, [{ peer: HUB, multiaddr: `/onion3/${ONION}:7777/p2p/${HUB}` }])
    })

    it('peers() lists every role member and hub once', () => {
      assert.deepEqual(realm.peers(), [GITHUB, BUILDER, ADMIN, HUB])
    })

    it('limits: the file\'s values, and the defaults for the rest', () => {
      assert.deepEqual(realm.limits, { maxPayloadBytes: 65536, maxInflightCallsPerPeer: 64, callTimeoutMs: 5000 })
    })

    it('historyPolicy: exact beats wildcard beats prefix; maxBytes defaults to 16 MiB', () => {
      assert.deepEqual(realm.historyPolicy('webhook.github.push'), { limit: 5, maxBytes: DEFAULT_HISTORY_BYTES })
      assert.equal(DEFAULT_HISTORY_BYTES, 16 * 1024 * 1024)
      assert.deepEqual(realm.historyPolicy('webhook.github.issues'), { limit: 100, maxBytes: 1048576, maxAgeSeconds: 86400 })
      assert.deepEqual(realm.historyPolicy('build.linux.status'), { maxBytes: DEFAULT_HISTORY_BYTES, maxAgeSeconds: 3600 })
      assert.equal(realm.historyPolicy('build.linux.run'), undefined)
      assert.equal(realm.historyPolicy('webhook.github.'), undefined)
    })

    it('the realm cannot be changed through what it returns', () => {
      assert.throws(() => { (realm.limits as any).maxPayloadBytes = 1 }, TypeError)
      assert.throws(() => { realm.hubs.push({ peer: STRANGER, multiaddr: '' }) }, TypeError)
    })
  })

  describe('bad files name the file, the field and what was expected', () => {
    it('a bad match', async () => {
      const file = fixture('bad-match.json')
      await rejectsRealm(loadRealm(file), `${file}: roles[1].permissions[0].match: expected "exact", "prefix" or "wildcard", got "glob"`, 'roles[1].permissions[0].match')
    })

    it('a bad PeerId', async () => {
      const file = fixture('bad-peer-id.json')
      await rejectsRealm(loadRealm(file), `${file}: roles[0].peers[1]: expected a PeerId such as "12D3KooW…" (p2p-tor id prints yours), got "12D3KooWnotapeerid"`, 'roles[0].peers[1]')
    })

    it('an unknown key in allow (a typo)', async () => {
      const file = fixture('unknown-allow-key.json')
      await rejectsRealm(loadRealm(file), `${file}: roles[0].permissions[0].allow.pubish: unknown key; expected only "publish", "subscribe", "call" or "register"`, 'roles[0].permissions[0].allow.pubish')
    })

    it('a duplicate role name', async () => {
      const file = fixture('duplicate-role.json')
      await rejectsRealm(loadRealm(file), `${file}: roles[2].name: expected a unique role name; roles[0] has the same name, got "builder"`, 'roles[2].name')
    })

    it('a hub whose multiaddr names another peer', async () => {
      const file = fixture('hub-mismatch.json')
      await rejectsRealm(loadRealm(file), `${file}: hubs[0].multiaddr: its /p2p/ part is ${STRANGER}, but "peer" is ${HUB}; they must name the same hub, got "/onion3/${ONION}:7777/p2p/${STRANGER}"`, 'hubs[0].multiaddr')
    })

    it('a hub that is not an onion3 address', async () => {
      const file = fixture('hub-not-onion.json')
      await rejectsRealm(loadRealm(file), `${file}: hubs[0].multiaddr: expected an /onion3/<56 characters>:<port>/p2p/<peer> address with a valid onion id and port, got "/ip4/127.0.0.1/tcp/7777/p2p/${HUB}"`, 'hubs[0].multiaddr')
    })

    it('a history entry bounded neither by count nor by age', async () => {
      const file = fixture('history-unbounded.json')
      await rejectsRealm(loadRealm(file), `${file}: history[1]: expected "limit" or "maxAgeSeconds" (or both), so the history is bounded`, 'history[1]')
    })

    it('not JSON: the line, column and position of the syntax error', async () => {
      const file = fixture('not-json.json')
      const text = await readFile(file, 'utf8')
      // The '}' after the trailing comma in `"peers": [], },` on line 2.
      const offset = text.indexOf('}', text.indexOf('[], '))
      assert.equal(offset, 48)
      assert.equal(offset - text.indexOf('\n'), 36)
      await rejectsRealm(loadRealm(file), `${file}: not valid JSON at line 2, column 36 (position 48): Expected double-quoted property name in JSON at position 48`)
    })
  })

  describe('parseRealm field checks', () => {
    const role = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'r', peers: [GITHUB], permissions: [], ...over })
    const perm = (over: Record<string, unknown>): Record<string, unknown> => ({ uri: 'a.b', allow: { publish: true }, ...over })

    it('without a source, messages start with "realm"', () => {
      throwsRealm(() => parseRealm({}), 'realm: roles: expected an array, it is missing', 'roles')
    })

    it('the top level must be an object with known keys', () => {
      throwsRealm(() => parseRealm([], 'r.json'), 'r.json: the top level: expected an object, got an array', '')
      throwsRealm(() => parseRealm({ roles: [], role: [] }, 'r.json'), 'r.json: role: unknown key; expected only "roles", "hubs", "history" or "limits"', 'role')
    })

    it('match defaults to exact, allow keys default to false', () => {
      const realm = parseRealm({ roles: [role({ permissions: [{ uri: 'a.b', allow: { call: true } }, { uri: 'c' }] })] })
      assert.deepEqual(rights(realm, GITHUB, 'a.b'), ['call'])
      assert.deepEqual(rights(realm, GITHUB, 'a.b.c'), [])
      assert.deepEqual(rights(realm, GITHUB, 'c'), [])
    })

    it('allow values must be booleans', () => {
      throwsRealm(() => parseRealm({ roles: [role({ permissions: [perm({ allow: { publish: 'yes' } })] })] }),
        'realm: roles[0].permissions[0].allow.publish: expected true or false, got "yes"', 'roles[0].permissions[0].allow.publish')
    })

    it('a permission uri is checked against its match', () => {
      throwsRealm(() => parseRealm({ roles: [role({ permissions: [perm({ uri: 'a.' })] })] }),
        'realm: roles[0].permissions[0].uri: expected an exact pattern, but component 1 is empty; components are separated by single dots and may not be empty, got "a."', 'roles[0].permissions[0].uri')
      throwsRealm(() => parseRealm({ roles: [role({ permissions: [perm({ uri: '', match: 'prefix' })] })] }),
        'realm: roles[0].permissions[0].uri: expected a prefix pattern, but it is empty; use dotted components such as "com.example.topic", got ""', 'roles[0].permissions[0].uri')
      const realm = parseRealm({ roles: [role({ permissions: [perm({ uri: 'a.', match: 'prefix' }), perm({ uri: 'x..z', match: 'wildcard' })] })] })
      assert.deepEqual(rights(realm, GITHUB, 'a.q'), ['publish'])
      assert.deepEqual(rights(realm, GITHUB, 'x.y.z'), ['publish'])
    })

    it('two permissions with the same uri and match in one role are refused', () => {
      throwsRealm(() => parseRealm({ roles: [role({ permissions: [perm({}), perm({ allow: {} })] })] }),
        'realm: roles[0].permissions[1].uri: expected one permission per uri and match; permissions[0] has the same, got "a.b"', 'roles[0].permissions[1].uri')
      // The same uri under another match is a different permission.
      parseRealm({ roles: [role({ permissions: [perm({}), perm({ match: 'prefix' })] })] })
    })

    it('role names: non-empty, at most 128 characters', () => {
      throwsRealm(() => parseRealm({ roles: [role({ name: '' })] }), 'realm: roles[0].name: expected at least 1 characters, got ""', 'roles[0].name')
      throwsRealm(() => parseRealm({ roles: [role({ name: 'x'.repeat(200) })] }), `realm: roles[0].name: expected at most 128 characters, got "${'x'.repeat(157)}"...`, 'roles[0].name')
    })

    it('PeerIds are stored in their canonical form', () => {
      // The same identity as GITHUB, written as a CIDv1 (base32 libp2p-key).
      const cid = 'bafzaajaiaejcaghmsb6mgcdn6m3ltpii3nji5o3ldpxxhwtd7qgcklpafk6l6yps'
      const realm = parseRealm({ roles: [role({ peers: [cid, GITHUB] })] })
      assert.deepEqual(realm.peers(), [GITHUB])
      assert.deepEqual(rights(realm, GITHUB, 'x'), [])
      assert.equal(realm.knows(GITHUB), true)
    })

    it('limits are bounded: maxPayloadBytes at most 16 MiB, integers only', () => {
      throwsRealm(() => parseRealm({ roles: [], limits: { maxPayloadBytes: 16 * 1024 * 1024 + 1 } }),
        'realm: limits.maxPayloadBytes: expected at most 16777216, got 16777217', 'limits.maxPayloadBytes')
      throwsRealm(() => parseRealm({ roles: [], limits: { callTimeoutMs: 1.5 } }),
        'realm: limits.callTimeoutMs: expected an integer, got 1.5', 'limits.callTimeoutMs')
      throwsRealm(() => parseRealm({ roles: [], limits: { maxInflightCallsPerPeer: 0 } }),
        'realm: limits.maxInflightCallsPerPeer: expected at least 1, got 0', 'limits.maxInflightCallsPerPeer')
      assert.deepEqual(parseRealm({ roles: [], limits: { maxPayloadBytes: 16 * 1024 * 1024 } }).limits.maxPayloadBytes, 16 * 1024 * 1024)
    })

    it('history entries are bounded: limit at most 100000, maxBytes at most 1 GiB', () => {
      throwsRealm(() => parseRealm({ roles: [], history: [{ uri: 'a', limit: 100001 }] }),
        'realm: history[0].limit: expected at most 100000, got 100001', 'history[0].limit')
      throwsRealm(() => parseRealm({ roles: [], history: [{ uri: 'a', limit: 1, maxBytes: 1024 ** 3 + 1 }] }),
        'realm: history[0].maxBytes: expected at most 1073741824, got 1073741825', 'history[0].maxBytes')
      throwsRealm(() => parseRealm({ roles: [], history: [{ uri: 'a', limit: 1 }, { uri: 'a', maxAgeSeconds: 5 }] }),
        'realm: history[1].uri: expected one history entry per uri and match; history[0] has the same, got "a"', 'history[1].uri')
      assert.deepEqual(parseRealm({ roles: [], history: [{ uri: 'a', limit: 100000, maxBytes: 1024 ** 3 }] }).historyPolicy('a'), { limit: 100000, maxBytes: 1024 ** 3 })
    })

    it('a hub listed twice is refused', () => {
      const hub = { peer: HUB, multiaddr: `/onion3/${ONION}:7777/p2p/${HUB}` }
      throwsRealm(() => parseRealm({ roles: [], hubs: [hub, hub] }),
        `realm: hubs[1].peer: expected each hub once; hubs[0] is the same peer, got "${HUB}"`, 'hubs[1].peer')
    })

    it('counts the further problems', () => {
      throwsRealm(() => parseRealm({ roles: [{ name: 1, peers: 'x' }] }),
        'realm: roles[0].name: expected a string, got 1 (and 1 more problem)', 'roles[0].name')
    })
  })

  describe('loadRealm file handling', () => {
    let dir: string
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'p2p-tor-realm-'))
    })
    after(async () => {
      await rm(dir, { recursive: true, force: true })
    })

    it('a missing file says so and how to create one', async () => {
      const file = join(dir, 'missing.json')
      const err = await rejectsRealm(loadRealm(file), `${file}: no such file; create it with at least {"roles": [{"name": "...", "peers": ["12D3KooW..."], "permissions": [...]}]} (docs/messaging.md has an example)`)
      assert.equal(err.source, file)
    })

    it('a file over 1 MiB is refused before parsing', async () => {
      const file = join(dir, 'big.json')
      // Not JSON at all: had it been parsed, the error would be a syntax error.
      await writeFile(file, 'x'.repeat(MAX_REALM_FILE_BYTES + 1))
      await rejectsRealm(loadRealm(file), `${file}: ${MAX_REALM_FILE_BYTES + 1} bytes is more than the ${MAX_REALM_FILE_BYTES} a realm file may have; split it or remove unused roles`)
    })

    it('a file of exactly 1 MiB is parsed', async () => {
      const file = join(dir, 'edge.json')
      const body = '{"roles": []}'
      await writeFile(file, body + ' '.repeat(MAX_REALM_FILE_BYTES - body.length))
      assert.deepEqual((await loadRealm(file)).peers(), [])
    })

    it('a directory is refused', async () => {
      const sub = join(dir, 'sub')
      await mkdir(sub)
      await rejectsRealm(loadRealm(sub), `${sub}: not a regular file; pass the path of the realm JSON file`)
    })

    it('text that is not UTF-8 is refused, a UTF-8 byte order mark is accepted', async () => {
      const bad = join(dir, 'latin1.json')
      await writeFile(bad, Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]))
      await rejectsRealm(loadRealm(bad), `${bad}: not UTF-8 text; save it as UTF-8 JSON`)
      const bom = join(dir, 'bom.json')
      await writeFile(bom, '\ufeff{"roles": []}')
      assert.deepEqual((await loadRealm(bom)).peers(), [])
    })

    it('a syntax error V8 gives no position for still names the problem', async () => {
      const file = join(dir, 'comma.json')
      await writeFile(file, '{"roles": [,]}')
      const err = await rejectsRealm(loadRealm(file), `${file}: not valid JSON: Unexpected token ',', "{"roles": [,]}" is not valid JSON`)
      assert.ok(err.cause instanceof SyntaxError)
    })
  })

  describe('watchRealm', () => {
    let dir: string
    let file: string
    const issueExample = async (): Promise<string> => readFile(fixture('issue-example.json'), 'utf8')
    const full = async (): Promise<string> => readFile(fixture('full.json'), 'utf8')

    /** Replaces the file the way many editors save: write a new one, rename it over. */
    async function replace (text: string): Promise<void> {
      const tmp = `${file}.tmp`
      await writeFile(tmp, text)
      await rename(tmp, file)
    }

    /** Collects the watcher's reports; next() waits for the next of a kind. */
    function recorder (): { onChange: (r: Realm) => void, onError: (e: RealmError) => void, next: (kind: 'change' | 'error') => Promise<any> } {
      const bus = new EventEmitter()
      return {
        onChange: (r) => bus.emit('change', r),
        onError: (e) => bus.emit('error-report', e),
        next: async (kind) => (await once(bus, kind === 'change' ? 'change' : 'error-report'))[0]
      }
    }

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'p2p-tor-watch-'))
      file = join(dir, 'realm.json')
      await writeFile(file, await issueExample())
    })
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true })
    })

    it('reloads when the file is replaced, reports a bad file and keeps watching, then reloads the fixed one', async () => {
      const controller = new AbortController()
      const rec = recorder()
      watchRealm(file, { signal: controller.signal, onChange: rec.onChange, onError: rec.onError, pollMs: 10 })
      try {
        const changed = rec.next('change')
        await replace(await full())
        const realm: Realm = await changed
        assert.equal(realm.isHub(HUB), true)
        assert.deepEqual(realm.rolesOf(ADMIN), ['builder', 'ops'])

        const failed = rec.next('error')
        await replace('{"roles": [{"name": "x", "peers": [], "permissions": [{"uri": "a", "match": "glob"}]}]}')
        const err: RealmError = await failed
        assert.ok(err instanceof RealmError)
        assert.equal(err.message, `${file}: roles[0].permissions[0].match: expected "exact", "prefix" or "wildcard", got "glob"`)

        const fixed = rec.next('change')
        await replace(await issueExample())
        const again: Realm = await fixed
        assert.equal(again.isHub(HUB), false)
        assert.deepEqual(again.rolesOf(GITHUB), ['github'])
      } finally {
        controller.abort()
      }
    })

    it('reloads after an in-place edit, and reports a deleted file as missing', async () => {
      const controller = new AbortController()
      const rec = recorder()
      watchRealm(file, { signal: controller.signal, onChange: rec.onChange, onError: rec.onError, pollMs: 10 })
      try {
        const changed = rec.next('change')
        await writeFile(file, await full())
        assert.equal((await changed as Realm).isHub(HUB), true)
        const failed = rec.next('error')
        await rm(file)
        assert.match((await failed as RealmError).message, /: no such file; create it/)
      } finally {
        controller.abort()
      }
    })

    it('reloads on SIGHUP, and removes its SIGHUP listener when the signal aborts', async () => {
      const before = process.listenerCount('SIGHUP')
      const controller = new AbortController()
      const rec = recorder()
      // A poll interval longer than the test: only SIGHUP can cause this reload.
      watchRealm(file, { signal: controller.signal, onChange: rec.onChange, onError: rec.onError, pollMs: 3_600_000 })
      assert.equal(process.listenerCount('SIGHUP'), before + 1)
      await replace(await full())
      const changed = rec.next('change')
      process.emit('SIGHUP', 'SIGHUP')
      assert.equal((await changed as Realm).isHub(HUB), true)
      controller.abort()
      assert.equal(process.listenerCount('SIGHUP'), before)
    })

    it('reports nothing once aborted: neither SIGHUP nor a change reloads', async () => {
      const controller = new AbortController()
      const reports: string[] = []
      watchRealm(file, { signal: controller.signal, onChange: () => reports.push('change'), onError: () => reports.push('error'), pollMs: 10 })
      controller.abort()
      process.emit('SIGHUP', 'SIGHUP')
      await replace(await full())
      // A second watcher on the same file sees the change; the aborted one stays silent.
      const witness = new AbortController()
      const rec = recorder()
      const seen = rec.next('change')
      watchRealm(file, { signal: witness.signal, onChange: rec.onChange, onError: rec.onError, pollMs: 10 })
      await replace(await issueExample())
      await seen
      witness.abort()
      assert.deepEqual(reports, [])
    })

    it('an already aborted signal adds no listener', () => {
      const before = process.listenerCount('SIGHUP')
      watchRealm(file, { signal: AbortSignal.abort(), onChange: () => {}, onError: () => {} })
      assert.equal(process.listenerCount('SIGHUP'), before)
    })
  })
})
