/**
 * The published package, as a user gets it: `npm pack` of the built dist/,
 * unpacked into node_modules/p2p-tor of a throwaway app, then imported by a
 * child `node` through the package's own "exports". No network and no
 * `npm install`: the app's node_modules links exactly the dependencies and
 * peer dependencies that package.json declares (the peers as the app's own
 * dependencies, as a user installs them) to the repo's own copies, so a
 * missing dependency fails here too. Then the README's createTorNode example
 * runs in the app against a fake Tor on loopback (test/fixtures/fake-tor.ts).
 * Needs `npm run build` first (npm test does it).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createTorNode, generateOnionKey } from '../../src/index.js'
import { startFakeTor } from '../fixtures/fake-tor.js'
import type { FakeTor } from '../fixtures/fake-tor.js'
import type { TorNode } from '../../src/node.js'

const run = promisify(execFile)

/** dist/test/package -> the repository root. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const CHILD_TIMEOUT_MS = 60_000
const MAX_BUFFER = 16 * 1024 * 1024

/** What the package root exports: what a libp2p user needs, and not one name more. */
const ROOT_EXPORTS = [
  'AGENT_VERSION', 'BadOnionAddressError', 'ControlConnectionClosedError', 'ControlReplyError', 'ControlUnreachableError',
  'InvalidOnionAddressError', 'InvalidOnionKeyError', 'KeyFileError', 'MissingOnionKeyError', 'NoControlPortError', 'Onion3',
  'OnionAlreadyListeningError', 'OnionClientAuthBadError', 'OnionClientAuthMissingError', 'OnionDescriptorInvalidError',
  'OnionInUseError', 'OnionIntroFailedError', 'OnionIntroTimeoutError', 'OnionPublishFailedError', 'OnionPublishTimeoutError',
  'OnionRendezvousFailedError', 'OnionServiceNotFoundError', 'SocksError', 'SocksReplyError', 'TOR_CONNECTION_DEFAULTS', 'TOR_PING_DEFAULTS',
  'TorBootstrapTimeoutError', 'TorExitedError', 'TorNotFoundError', 'TorNotInstalledError', 'createTorNode',
  'formatOnionHostPort', 'generateOnionKey', 'isValidOnion3Multiaddr', 'isValidServiceId', 'loadOnionKeyFile',
  'loadOrCreateOnionKeyFile', 'onionAddressFromMultiaddr', 'onionAddressFromMultiaddrString', 'onionAddressToMultiaddr',
  'explainOnionMultiaddr', 'isValidOnionDialMultiaddr', 'onionAddressFromDialMultiaddr',
  'onionKeyFromSeed', 'onionListenAddress', 'onionOnly', 'parseOnionHostPort', 'saveOnionKeyFile', 'serviceIdFromBytes',
  'serviceIdToBytes', 'tor', 'validateServiceId', 'ListenerClosedError', 'TorStreamError', 'InvalidTorOptionsError', 'torNodeOptions', 'TorUnavailableError'
].sort()

/** Per entry point, names that must be there; the root must lack the layer internals. */
const SUBPATHS: Record<string, string[]> = {
  'p2p-tor/tor': ['attachTor', 'launchTor', 'getTor', 'planTor', 'openTor', 'TorNotFoundError'],
  'p2p-tor/control': ['ControlClient', 'ReplyParser', 'buildAddOnion', 'ControlReplyError', 'watchUploads', 'parseAddOnionReply'],
  'p2p-tor/socks': ['socksConnect', 'SocksClientHandshake', 'OnionServiceNotFoundError'],
  'p2p-tor/onion': ['serviceIdFromPublicKey', 'onionKeyFromAddOnionBlob', 'Onion3', 'InvalidOnionAddressError'],
  'p2p-tor/testnet': ['startTestnet', 'stopTestnet', 'testnetStatus', 'testnetEnv'],
  'p2p-tor/messaging': ['Hub', 'Member', 'createHubNode', 'createMemberNode', 'parseRealm', 'loadRealm', 'NotAuthorizedError', 'RpcError', 'HUB_PROTOCOL', 'Sealing'],
  'p2p-tor/seal': ['seal', 'open', 'makeCard', 'verifyCard', 'importCard', 'exportCard', 'cardFingerprint', 'ReplayGuard'],
  'p2p-tor/chat': ['ChatClient', 'ChatStore', 'loadStoreKey', 'MailboxServer', 'encodeInvite', 'decodeInvite', 'safetyNumber', 'sanitizeFilename', 'receiveFile', 'FileServer'],
  'p2p-tor/webhook': ['createRelayHandler', 'startRelayServer', 'runBuilder', 'verifySignature', 'encodeRecord', 'decodeRecord', 'WebhookStateError']
}
/** Shared with the app (instances and types cross our API): peers, never hard dependencies. */
const PEERS = ['libp2p', '@libp2p/interface', '@multiformats/multiaddr']
const NOT_AT_ROOT = ['Hub', 'Member', 'ReplyParser', 'ControlClient', 'socksConnect', 'attachTor', 'launchTor', 'getTor', 'startTestnet', 'buildAddOnion', 'serviceIdFromPublicKey']

/** Run in the app: import every entry point and report its export names, and whether a deep import is refused. */
const CHECK = `
const out = {}
for (const spec of ['p2p-tor', ...${JSON.stringify(Object.keys(SUBPATHS))}]) out[spec] = Object.keys(await import(spec)).sort()
try { await import('p2p-tor/dist/src/control/parser.js'); out.deep = 'allowed' } catch (err) { out.deep = err.code }
process.stdout.write(JSON.stringify(out))
`

/** Type-checked in the app: each entry point's declarations resolve through "exports" "types". */
const TYPES_CHECK = `
import { tor, createTorNode, type TorTransportInit, type TorNodeOptions, type TorHandle } from 'p2p-tor'
// @ts-expect-error the control-reply parser is not part of the root
import { ReplyParser } from 'p2p-tor'
import { attachTor } from 'p2p-tor/tor'
import { ControlClient } from 'p2p-tor/control'
import { socksConnect } from 'p2p-tor/socks'
import { serviceIdFromPublicKey } from 'p2p-tor/onion'
import { startTestnet } from 'p2p-tor/testnet'
import { Hub, Member, type Realm } from 'p2p-tor/messaging'
const init: TorTransportInit = { socks: '127.0.0.1:9050' }
const opts: TorNodeOptions = init
export const used = [tor, createTorNode, opts, ReplyParser, attachTor, ControlClient, socksConnect, serviceIdFromPublicKey, startTestnet, Hub, Member]
export type Handle = TorHandle
export type R = Realm
`

interface PackedFile { path: string, size: number }
interface Packed { filename: string, size: number, unpackedSize: number, entryCount: number, files: PackedFile[] }

/** Only built JavaScript with its declarations and source maps, the README, the licence and package.json. */
function userNeeds (file: string): boolean {
  if (['package.json', 'README.md', 'LICENSE'].includes(file)) return true
  return /^dist\/(src|transports)\/.+\.(js|js\.map|d\.ts)$/.test(file)
}

describe('the npm package', function () {
  this.timeout(4 * CHILD_TIMEOUT_MS)
  let tmp: string
  let packed: Packed
  let app: string

  before(async () => {
    assert.ok(existsSync(path.join(ROOT, 'dist/src/index.js')), 'build first (npm run build)')
    tmp = await mkdtemp(path.join(tmpdir(), 'p2p-tor-pack-'))
    const { stdout } = await run('npm', ['pack', '--pack-destination', tmp, '--ignore-scripts', '--json', '--loglevel=error'], { cwd: ROOT, timeout: CHILD_TIMEOUT_MS, maxBuffer: MAX_BUFFER })
    packed = JSON.parse(stdout)[0]
    await run('tar', ['-xzf', path.join(tmp, packed.filename), '-C', tmp], { timeout: CHILD_TIMEOUT_MS })
    app = path.join(tmp, 'app')
    await mkdir(path.join(app, 'node_modules'), { recursive: true })
    await rename(path.join(tmp, 'package'), path.join(app, 'node_modules', 'p2p-tor'))
    const pkg = JSON.parse(await readFile(path.join(app, 'node_modules/p2p-tor/package.json'), 'utf8'))
    // the app depends on p2p-tor and on its peers (one libp2p, the app's own)
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { 'p2p-tor': pkg.version, ...pkg.peerDependencies } }))
    // the declared dependencies and peers, and only those, from the repository's node_modules
    for (const dep of [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]) {
      const link = path.join(app, 'node_modules', dep)
      await mkdir(path.dirname(link), { recursive: true })
      await symlink(path.join(ROOT, 'node_modules', dep), link, 'dir')
    }
  })

  after(async () => {
    if (tmp != null) await rm(tmp, { recursive: true, force: true })
  })

  it('holds only what a user needs: no tests, benches, examples or .ts sources', () => {
    const files = packed.files.map(f => f.path)
    const extra = files.filter(f => !userNeeds(f))
    assert.deepEqual(extra, [], `files a user does not need: ${extra.join(', ')}`)
    assert.ok(!files.some(f => /(^|\/)(test|bench|examples)\//.test(f)))
    assert.ok(!files.some(f => f.endsWith('.ts') && !f.endsWith('.d.ts')))
    // every .js comes with its declarations
    for (const f of files.filter(f => f.endsWith('.js'))) assert.ok(files.includes(f.replace(/\.js$/, '.d.ts')), `${f} has no .d.ts`)
  })

  it('source maps work from the tarball alone: each sourceMappingURL names a shipped map that carries its sources', async () => {
    const files = new Set(packed.files.map(f => f.path))
    const pkgDir = path.join(app, 'node_modules/p2p-tor')
    let checked = 0
    for (const file of [...files].filter(f => f.endsWith('.js'))) {
      const js = await readFile(path.join(pkgDir, file), 'utf8')
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(js)?.[1]
      assert.ok(url != null, `${file} has no sourceMappingURL`)
      const mapFile = path.posix.join(path.posix.dirname(file), url)
      assert.ok(files.has(mapFile), `${file} points at ${mapFile}, which is not in the tarball`)
      const map = JSON.parse(await readFile(path.join(pkgDir, mapFile), 'utf8'))
      assert.ok(Array.isArray(map.sources) && map.sources.length > 0, `${mapFile} names no sources`)
      // the .ts files are not shipped, so the map must carry them (tsconfig inlineSources)
      assert.equal(map.sourcesContent?.length, map.sources.length, `${mapFile} lacks sourcesContent`)
      for (const content of map.sourcesContent) assert.equal(typeof content, 'string', `${mapFile} has an empty source`)
      checked++
    }
    assert.ok(checked > 50, `only ${checked} .js files were checked`)
    for (const f of [...files].filter(f => f.endsWith('.map'))) assert.ok(files.has(f.replace(/\.map$/, '')), `${f} maps no shipped file`)
  })

  it('a stack trace through the installed package points at the TypeScript source (node --enable-source-maps)', async () => {
    const script = "import { validateServiceId } from 'p2p-tor'\ntry { validateServiceId('not-an-onion') } catch (err) { process.stdout.write(err.stack) }\n"
    await writeFile(path.join(app, 'stack.mjs'), script)
    const { stdout } = await run(process.execPath, ['--enable-source-maps', 'stack.mjs'], { cwd: app, timeout: CHILD_TIMEOUT_MS, maxBuffer: MAX_BUFFER })
    assert.match(stdout, /InvalidOnionAddressError/)
    assert.match(stdout, /src\/onion\/[\w-]+\.ts:\d+:\d+/, stdout)
  })

  it('runs no script when installed: no prepare, preinstall, install or postinstall in the packed manifest (it builds in prepack)', async () => {
    const pkg = JSON.parse(await readFile(path.join(app, 'node_modules/p2p-tor/package.json'), 'utf8'))
    for (const hook of ['prepare', 'preinstall', 'install', 'postinstall']) {
      assert.equal(pkg.scripts?.[hook], undefined, `the packed package.json has a "${hook}" script: npm warns every installer about it, and a user's install would run tsc`)
    }
    assert.match(pkg.scripts?.prepack ?? '', /tsc/, 'npm pack and publish must build dist/ first')
  })

  it('libp2p, @libp2p/interface and @multiformats/multiaddr are peer dependencies, so an app has one copy of each', async () => {
    const pkg = JSON.parse(await readFile(path.join(app, 'node_modules/p2p-tor/package.json'), 'utf8'))
    for (const name of PEERS) {
      assert.ok(pkg.peerDependencies?.[name] != null, `${name} is not a peer dependency`)
      assert.equal(pkg.dependencies?.[name], undefined, `${name} is also a hard dependency: an app would get a second copy`)
    }
    // the repo's own copy (what the tests ran against) is in the peer range: same major, at least the floor
    for (const name of PEERS) {
      const installed = JSON.parse(await readFile(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version as string
      const floor = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(pkg.peerDependencies[name])
      assert.ok(floor != null, `${name}: the peer range ${pkg.peerDependencies[name]} is not a plain caret range`)
      const [maj, min, pat] = installed.split('.').map(n => parseInt(n, 10))
      const [fMaj, fMin, fPat] = floor.slice(1).map(n => parseInt(n, 10))
      assert.ok(maj === fMaj && (min > fMin || (min === fMin && pat >= fPat)), `${name} ${installed} is outside ${pkg.peerDependencies[name]}`)
    }
  })

  describe('the README\'s createTorNode example, in the app, against a fake Tor', () => {
    let fake: FakeTor | undefined
    let peer: TorNode | undefined

    afterEach(async () => {
      await peer?.stop()
      peer = undefined
      await fake?.stop()
      fake = undefined
    })

    it('type-checks as the README prints it and pings a peer', async () => {
      const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8')
      const blocks = [...readme.matchAll(/```(?:ts|js|typescript|javascript)\n([\s\S]*?)```/g)].map(m => m[1])
      const example = blocks.find(b => /\bcreateTorNode\(/.test(b) && /from 'p2p-tor'/.test(b))
      assert.ok(example != null, 'the README has no ts block that imports createTorNode from p2p-tor')
      const call = /createTorNode\(\{/
      const target = /(['"])\/onion3\/[^'"]*\1/
      assert.match(example, call, 'the example no longer calls createTorNode({ … })')
      assert.match(example, target, 'the example no longer pings an /onion3 address')

      fake = await startFakeTor()
      const torOptions = { control: fake.control, socks: `${fake.socks.host}:${fake.socks.port}` }
      peer = await createTorNode({ ...torOptions, key: generateOnionKey() })
      const address = peer.getMultiaddrs()[0].toString()
      // only the tor to attach to and the placeholder address change; the imports and calls are the README's
      const program = example
        .replace(call, `createTorNode({ control: ${JSON.stringify(torOptions.control)}, socks: ${JSON.stringify(torOptions.socks)}, `)
        .replace(target, JSON.stringify(address)) +
        '\nprocess.stdout.write(JSON.stringify({ rtt, peers: node.getPeers().map(String) }))\nawait node.stop()\n'
      const dir = await mkdtemp(path.join(app, 'readme-'))
      await writeFile(path.join(dir, 'example.ts'), program)
      const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc')
      const args = ['--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules/@types'), 'example.ts']
      await run(process.execPath, [tsc, ...args], { cwd: dir, timeout: CHILD_TIMEOUT_MS, maxBuffer: MAX_BUFFER }).catch((err: { stdout?: string }) => {
        assert.fail(`the README's example does not type-check: ${err.stdout ?? String(err)}`)
      })
      const { stdout } = await run(process.execPath, ['example.js'], { cwd: dir, timeout: CHILD_TIMEOUT_MS, maxBuffer: MAX_BUFFER })
      const result = JSON.parse(stdout)
      assert.equal(typeof result.rtt, 'number')
      assert.deepEqual(result.peers, [peer.peerId.toString()])
    })
  })

  it('ships the MIT licence that package.json names', async () => {
    assert.ok(packed.files.some(f => f.path === 'LICENSE'), 'LICENSE is not in the tarball')
    const pkg = JSON.parse(await readFile(path.join(app, 'node_modules/p2p-tor/package.json'), 'utf8'))
    assert.equal(pkg.license, 'MIT')
    const text = await readFile(path.join(app, 'node_modules/p2p-tor/LICENSE'), 'utf8')
    assert.match(text, /^MIT License\n/)
    assert.match(text, /Copyright \(c\) \d{4} p2p-tor contributors/)
  })

  it('every "exports" target, "bin" and "types" is in the tarball', async () => {
    const files = new Set(packed.files.map(f => f.path))
    const pkg = JSON.parse(await readFile(path.join(app, 'node_modules/p2p-tor/package.json'), 'utf8'))
    const targets: string[] = [pkg.main, pkg.types, ...Object.values(pkg.bin as Record<string, string>)]
    for (const entry of Object.values(pkg.exports as Record<string, Record<string, string>>)) targets.push(entry.types, entry.import)
    assert.equal(Object.keys(pkg.exports).length, 1 + Object.keys(SUBPATHS).length)
    for (const t of targets) assert.ok(files.has(path.posix.normalize(t)), `${t} is missing from the tarball`)
  })

  it('imports p2p-tor and each subpath by name; the root exports the narrow list; deep imports are refused', async () => {
    await writeFile(path.join(app, 'check.mjs'), CHECK)
    const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: app, timeout: CHILD_TIMEOUT_MS, maxBuffer: MAX_BUFFER })
    const names: Record<string, string[] | string> = JSON.parse(stdout)
    assert.deepEqual(names['p2p-tor'], ROOT_EXPORTS)
    for (const name of NOT_AT_ROOT) assert.ok(!names['p2p-tor'].includes(name), `the root still exports ${name}`)
    for (const [spec, wanted] of Object.entries(SUBPATHS)) {
      for (const name of wanted) assert.ok(names[spec].includes(name), `${spec} lacks ${name}`)
    }
    assert.equal(names.deep, 'ERR_PACKAGE_PATH_NOT_EXPORTED')
  })

  it('type-checks against each entry point\'s declarations, and the root lacks the layer internals there too', async () => {
    await writeFile(path.join(app, 'check.ts'), TYPES_CHECK)
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc')
    const args = ['--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules/@types'), 'check.ts']
    await run(process.execPath, [tsc, ...args], { cwd: app, timeout: CHILD_TIMEOUT_MS, maxBuffer: MAX_BUFFER }).catch((err: { stdout?: string }) => {
      assert.fail(`tsc: ${err.stdout ?? String(err)}`)
    })
  })

  it('the installed CLI runs and finds its own version', async () => {
    const pkg = JSON.parse(await readFile(path.join(app, 'node_modules/p2p-tor/package.json'), 'utf8'))
    const { stdout } = await run(process.execPath, [path.join(app, 'node_modules/p2p-tor', pkg.bin['p2p-tor']), '--version'], { cwd: app, timeout: CHILD_TIMEOUT_MS })
    assert.equal(stdout.trim(), pkg.version)
  })
})
