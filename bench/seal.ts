/**
 * Micro-benchmark of src/seal: median time to seal and to open one message
 * at 1 KiB and 1 MiB, to 1 and 10 recipients, with and without padding,
 * after a warm-up; then where the time goes (one HPKE wrap, one X25519, the
 * payload AEAD) so a slow row can be explained.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/seal.js [--json] [--quick]
 *
 * The machine is shared: the load average is printed with the results, and
 * medians (not means) are reported.
 */
import { createCipheriv, createHash, webcrypto } from 'node:crypto'
import { loadavg } from 'node:os'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { makeCard } from '../src/seal/card.js'
import { open, seal } from '../src/seal/envelope.js'
import { generateSealKeyPair, SealKeyRing } from '../src/seal/keys.js'
import { ReplayGuard } from '../src/seal/replay.js'
import { importPrivateKey, importPublicKey, makeSuite } from '../src/seal/suite.js'
import { median } from './stats.js'
import type { KeyCard } from '../src/seal/card.js'
import type { SuiteImplementation } from '../src/seal/suite.js'
import type { PeerId } from '@libp2p/interface'

const quick = process.argv.includes('--quick')
const asJson = process.argv.includes('--json')
const KIB = 1024
const MIB = 1024 * 1024

interface Party { peerId: PeerId, keys: SealKeyRing, card: KeyCard }

async function party (): Promise<Party> {
  const identity = await generateKeyPair('Ed25519')
  const keys = new SealKeyRing(generateSealKeyPair())
  return { peerId: peerIdFromPrivateKey(identity), keys, card: await makeCard(identity, keys.current) }
}

/** CPU ms (user + system, all threads of this process) per call of the last `time()` run. */
let lastCpuMs = NaN

/**
 * Median wall-clock ms of `fn` over `runs` calls, after `warmup` calls; also
 * sets lastCpuMs. On a shared, loaded machine wall time waits for the CPU
 * and CPU time does not, so both are reported.
 */
async function time (fn: () => Promise<unknown> | unknown, warmup: number, runs: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn()
  const samples: number[] = []
  const cpu = process.cpuUsage()
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    await fn()
    samples.push(performance.now() - t)
  }
  const used = process.cpuUsage(cpu)
  lastCpuMs = (used.user + used.system) / 1000 / runs
  return median(samples)
}

interface Row { size: number, recipients: number, pad: boolean, suite: SuiteImplementation, sealMs: number, sealCpuMs: number, openMs: number, openCpuMs: number, bytes: number }

async function row (sender: Party, recipients: Party[], size: number, pad: boolean, impl: SuiteImplementation): Promise<Row> {
  const suite = makeSuite(impl)
  const payload = new Uint8Array(size).map((_, i) => i & 0xff)
  const context = { kind: 'topic' as const, name: 'bench/seal' }
  const cards = recipients.map(r => r.card)
  const big = size >= MIB
  const [warm, runs] = big ? (quick ? [1, 5] : [3, 15]) : (quick ? [10, 50] : [50, 300])
  let seq = 1
  const doSeal = async (): Promise<Uint8Array> => await seal({ payload, context, sender: { peerId: sender.peerId, keys: sender.keys }, recipients: cards, seq: seq++, pad, suite })
  const sealMs = await time(doSeal, warm, runs)
  const sealCpuMs = lastCpuMs
  const sealed = await doSeal()
  const me = recipients[0]
  const openMs = await time(async () => await open(sealed, { context, me: { peerId: me.peerId, keys: me.keys }, senderCard: () => sender.card, replay: new ReplayGuard(), suite }), warm, runs)
  return { size, recipients: recipients.length, pad, suite: impl, sealMs, sealCpuMs, openMs, openCpuMs: lastCpuMs, bytes: sealed.length }
}

interface Part { what: string, ms: number }

/** Where the time of a 1 KiB, 1-recipient seal goes. */
async function parts (sender: Party, recipient: Party): Promise<Part[]> {
  const out: Part[] = []
  const [warm, runs] = quick ? [20, 100] : [100, 500]
  const key = new Uint8Array(32)
  const aad = new Uint8Array(300)
  for (const impl of ['webcrypto', 'noble'] as SuiteImplementation[]) {
    const suite = makeSuite(impl)
    const sk = await importPrivateKey(suite, sender.keys.current.privateKey, sender.keys.current.publicKey)
    const rk = await importPrivateKey(suite, recipient.keys.current.privateKey, recipient.keys.current.publicKey)
    const pk = await importPublicKey(suite, recipient.card.publicKey)
    const spk = await importPublicKey(suite, sender.card.publicKey)
    out.push({ what: `HPKE Auth seal of a 32-byte key (${impl})`, ms: await time(async () => await suite.seal({ recipientPublicKey: pk, senderKey: sk }, key, aad), warm, runs) })
    const w = await suite.seal({ recipientPublicKey: pk, senderKey: sk }, key, aad)
    out.push({ what: `HPKE Auth open of a 32-byte key (${impl})`, ms: await time(async () => await suite.open({ recipientKey: rk, enc: w.enc, senderPublicKey: spk }, w.ct, aad), warm, runs) })
  }
  const a = await webcrypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']) as CryptoKeyPair
  out.push({ what: 'X25519 shared secret, WebCrypto (one async call)', ms: await time(async () => await webcrypto.subtle.deriveBits({ name: 'X25519', public: a.publicKey }, a.privateKey, 256), warm, runs) })
  out.push({ what: 'X25519 key pair, WebCrypto', ms: await time(async () => await webcrypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']), warm, runs) })
  const hmacKey = await webcrypto.subtle.importKey('raw', new Uint8Array(32), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  out.push({ what: 'HMAC-SHA256 of 64 B, WebCrypto (HKDF does ~10 per wrap)', ms: await time(async () => await webcrypto.subtle.sign('HMAC', hmacKey, new Uint8Array(64)), warm, runs) })
  out.push({ what: 'empty await (event-loop turn)', ms: await time(async () => await Promise.resolve(), warm, runs) })
  const s = x25519.utils.randomSecretKey()
  const p = x25519.getPublicKey(x25519.utils.randomSecretKey())
  out.push({ what: 'X25519 shared secret, @noble/curves (pure JS)', ms: await time(() => x25519.getSharedSecret(s, p), 10, quick ? 30 : 100) })
  for (const size of [KIB, MIB]) {
    const buf = new Uint8Array(size)
    const big = size >= MIB
    const [w2, r2] = big ? [3, quick ? 5 : 15] : [warm, runs]
    out.push({ what: `ChaCha20-Poly1305 ${size === KIB ? '1 KiB' : '1 MiB'}, @noble/ciphers (used)`, ms: await time(() => chacha20poly1305(key, new Uint8Array(12), aad).encrypt(buf), w2, r2) })
    out.push({ what: `ChaCha20-Poly1305 ${size === KIB ? '1 KiB' : '1 MiB'}, node:crypto (not used; for comparison)`, ms: await time(() => { const c = createCipheriv('chacha20-poly1305', key, new Uint8Array(12), { authTagLength: 16 }); c.setAAD(aad, { plaintextLength: buf.length }); c.update(buf); c.final(); c.getAuthTag() }, w2, r2) })
    out.push({ what: `SHA-256 ${size === KIB ? '1 KiB' : '1 MiB'} (ciphertext hash bound into the wraps)`, ms: await time(() => createHash('sha256').update(buf).digest(), w2, r2) })
  }
  return out
}

const fmt = (ms: number): string => ms < 1 ? ms.toFixed(3) : ms < 100 ? ms.toFixed(2) : ms.toFixed(0)

async function main (): Promise<void> {
  const sender = await party()
  const recipients: Party[] = []
  for (let i = 0; i < 10; i++) recipients.push(await party())
  const load = loadavg()
  const rows: Row[] = []
  for (const size of [KIB, MIB]) {
    for (const n of [1, 10]) {
      for (const pad of [false, true]) {
        rows.push(await row(sender, recipients.slice(0, n), size, pad, 'webcrypto'))
      }
    }
  }
  // the pure-JS KEM, for the explanation only
  rows.push(await row(sender, recipients.slice(0, 1), KIB, false, 'noble'))
  rows.push(await row(sender, recipients.slice(0, 10), KIB, false, 'noble'))
  const breakdown = await parts(sender, recipients[0])
  const loadAfter = loadavg()
  if (asJson) {
    console.log(JSON.stringify({ node: process.version, loadavg: { before: load, after: loadAfter }, rows, breakdown }, null, 2))
    return
  }
  console.log(`seal micro-benchmark, node ${process.version}, load average ${load.map(l => l.toFixed(2)).join(' ')} (after: ${loadAfter.map(l => l.toFixed(2)).join(' ')})`)
  console.log('median wall-clock ms per message (after warm-up), and mean CPU ms per message (all threads)\n')
  console.log('| payload | recipients | padding | KEM | seal ms | seal CPU ms | open ms | open CPU ms | sealed bytes |')
  console.log('|---|---|---|---|---|---|---|---|---|')
  for (const r of rows) {
    console.log(`| ${r.size === KIB ? '1 KiB' : '1 MiB'} | ${r.recipients} | ${r.pad ? 'yes' : 'no'} | ${r.suite} | ${fmt(r.sealMs)} | ${fmt(r.sealCpuMs)} | ${fmt(r.openMs)} | ${fmt(r.openCpuMs)} | ${r.bytes} |`)
  }
  console.log('\nwhere the time goes (median ms per call)\n')
  console.log('| operation | ms |')
  console.log('|---|---|')
  for (const p of breakdown) console.log(`| ${p.what} | ${fmt(p.ms)} |`)
}

await main()
