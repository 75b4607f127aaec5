/**
 * Shared helpers for the end-to-end tier: how a node reaches a testnet
 * client tor, a test protocol that echoes or hashes, and socket counting.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { pEvent } from 'p-event'
import type { TestnetClient } from '../../src/testnet/index.js'
import type { Libp2p, Stream } from '@libp2p/interface'

export const ECHO = '/p2p-tor-test/echo/1.0.0'
export const SHA256 = '/p2p-tor-test/sha256/1.0.0'

/** Attach options for one testnet client tor. */
export function torOptions (c: TestnetClient): { control: string, socks: string, cookieFile: string } {
  return { control: `127.0.0.1:${c.controlPort}`, socks: `127.0.0.1:${c.socksPort}`, cookieFile: c.cookieFile }
}

async function send (stream: Stream, data: Uint8Array, chunk = 16 * 1024): Promise<void> {
  for (let i = 0; i < data.byteLength; i += chunk) {
    if (!stream.send(data.subarray(i, i + chunk))) {
      await pEvent(stream, 'drain', { rejectionEvents: ['close'] })
    }
  }
}

/** Registers an echo protocol and a "hash what you receive" protocol. */
export async function handleTestProtocols (node: Libp2p): Promise<void> {
  await node.handle(ECHO, async (stream) => {
    for await (const buf of stream) {
      await send(stream, buf.subarray())
    }
    await stream.close()
  }, { maxInboundStreams: 256, maxOutboundStreams: 256 })

  await node.handle(SHA256, async (stream) => {
    const hash = createHash('sha256')
    for await (const buf of stream) hash.update(buf.subarray())
    stream.send(hash.digest())
    await stream.close()
  })
}

/** Writes `data`, closes the write side, and returns everything read back. */
export async function roundTrip (stream: Stream, data: Uint8Array): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  const reading = (async () => {
    for await (const buf of stream) chunks.push(buf.subarray())
  })()
  await send(stream, data)
  await stream.close()
  await reading
  return Buffer.concat(chunks)
}

/** How many TCP sockets this process has open to 127.0.0.1:<port> (any state). */
export function socketsTo (port: number): number {
  const out = execFileSync('ss', ['-tnpH', 'dst', `127.0.0.1:${port}`], { encoding: 'utf8' })
  return out.split('\n').filter(l => l.includes(`pid=${process.pid},`)).length
}

export function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
