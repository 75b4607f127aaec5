/**
 * The one tiny protocol both sides of every pair speak, so the p2p-tor and
 * raw Tor numbers differ only in what carries the bytes: a libp2p stream
 * (noise + yamux over a Tor stream) or a plain Tor stream.
 *
 * A request is a 9-byte header, op + uint64 big-endian length:
 * - 'E' echo: the server writes back everything it reads until EOF.
 * - 'D' download: the server writes `length` bytes, then ends.
 * - 'U' upload: the server reads `length` bytes, then writes a 1-byte ack.
 */
import type { Socket } from 'node:net'
import { pEvent } from 'p-event'
import { Uint8ArrayList } from 'uint8arraylist'
import type { Stream } from '@libp2p/interface'

export type Op = 'E' | 'D' | 'U'
export const HEADER_BYTES = 9
/** Write size on both sides. */
export const CHUNK_BYTES = 64 * 1024
const PATTERN = new Uint8Array(CHUNK_BYTES).map((_, i) => (i * 131 + 7) & 0xff)

type Chunk = Uint8Array | Uint8ArrayList

/** A byte stream seen the same way whatever carries it. */
export interface Pipe {
  source: AsyncIterable<Chunk>
  /** Resolves once the bytes are queued and the carrier has room for more. */
  write: (buf: Uint8Array) => Promise<void>
  /** Half-close: no more writes. */
  end: () => Promise<void>
}

export function socketPipe (socket: Socket): Pipe {
  return {
    source: socket,
    async write (buf) {
      if (!socket.write(buf)) await pEvent(socket, 'drain', { rejectionEvents: ['close', 'error'] })
    },
    async end () {
      socket.end()
    }
  }
}

export function streamPipe (stream: Stream): Pipe {
  return {
    source: stream,
    async write (buf) {
      if (!stream.send(buf)) {
        await pEvent(stream, 'drain', { rejectionEvents: ['close'] }).catch((evt: { error?: Error }) => {
          throw evt?.error ?? new Error('the stream closed while waiting to write')
        })
      }
    },
    async end () {
      await stream.close()
    }
  }
}

export function header (op: Op, length = 0): Uint8Array {
  const h = new Uint8Array(HEADER_BYTES)
  h[0] = op.charCodeAt(0)
  new DataView(h.buffer).setBigUint64(1, BigInt(length))
  return h
}

/** Reads a pipe's source in exact-size pieces; one per pipe, kept across calls. */
export class Reader {
  private readonly it: AsyncIterator<Chunk>
  private readonly buf = new Uint8ArrayList()
  private done = false

  constructor (source: AsyncIterable<Chunk>) {
    this.it = source[Symbol.asyncIterator]()
  }

  private async fill (): Promise<boolean> {
    if (this.done) return false
    const r = await this.it.next()
    if (r.done === true) {
      this.done = true
      return false
    }
    this.buf.append(r.value)
    return true
  }

  async read (n: number): Promise<Uint8Array> {
    while (this.buf.byteLength < n) {
      if (!(await this.fill())) throw new Error(`stream ended after ${this.buf.byteLength} of ${n} bytes`)
    }
    const out = this.buf.subarray(0, n)
    this.buf.consume(n)
    return out
  }

  /** Everything until EOF (or until `limit` bytes), chunk by chunk. */
  async * rest (limit = Infinity): AsyncGenerator<Uint8Array> {
    let left = limit
    while (left > 0) {
      if (this.buf.byteLength === 0 && !(await this.fill())) return
      const n = Math.min(left, this.buf.byteLength)
      const out = this.buf.subarray(0, n)
      this.buf.consume(n)
      left -= n
      yield out
    }
  }
}

async function writeBytes (pipe: Pipe, total: number): Promise<void> {
  for (let sent = 0; sent < total; sent += CHUNK_BYTES) {
    await pipe.write(total - sent >= CHUNK_BYTES ? PATTERN : PATTERN.subarray(0, total - sent))
  }
}

/** The server side of one request on `pipe`. */
export async function serve (pipe: Pipe): Promise<void> {
  const reader = new Reader(pipe.source)
  const h = await reader.read(HEADER_BYTES)
  const op = String.fromCharCode(h[0])
  const length = Number(new DataView(h.buffer, h.byteOffset, HEADER_BYTES).getBigUint64(1))
  if (op === 'E') {
    for await (const chunk of reader.rest()) await pipe.write(chunk)
  } else if (op === 'D') {
    await writeBytes(pipe, length)
  } else if (op === 'U') {
    let got = 0
    for await (const chunk of reader.rest(length)) got += chunk.byteLength
    if (got === length) await pipe.write(new Uint8Array([1]))
  } else {
    throw new Error(`unknown op ${JSON.stringify(op)}`)
  }
  await pipe.end()
}

/** Client: one echo of `payload` on a pipe already in echo mode. Returns ms. */
export async function echo (pipe: Pipe, reader: Reader, payload: Uint8Array): Promise<number> {
  const t0 = performance.now()
  await pipe.write(payload)
  await reader.read(payload.byteLength)
  return performance.now() - t0
}

/** Client: ask for `length` bytes and read them all. Returns ms from request to last byte. */
export async function download (pipe: Pipe, length: number): Promise<number> {
  const reader = new Reader(pipe.source)
  const t0 = performance.now()
  await pipe.write(header('D', length))
  let got = 0
  for await (const chunk of reader.rest(length)) got += chunk.byteLength
  const ms = performance.now() - t0
  if (got !== length) throw new Error(`download ended after ${got} of ${length} bytes`)
  await pipe.end()
  return ms
}

/** Client: send `length` bytes and wait for the ack. Returns ms from first byte to ack. */
export async function upload (pipe: Pipe, length: number): Promise<number> {
  const reader = new Reader(pipe.source)
  const t0 = performance.now()
  await pipe.write(header('U', length))
  await writeBytes(pipe, length)
  await reader.read(1)
  const ms = performance.now() - t0
  await pipe.end()
  return ms
}

/**
 * Client: echo `data` whole on a fresh pipe and check it. Reads exactly what
 * was sent before closing: Tor streams cannot be half-closed (an EOF from one
 * side ends the stream both ways), so the client must not end first.
 */
export async function echoAll (pipe: Pipe, data: Uint8Array): Promise<void> {
  const reader = new Reader(pipe.source)
  const reading = reader.read(data.byteLength)
  reading.catch(() => {})
  await pipe.write(header('E'))
  for (let i = 0; i < data.byteLength; i += CHUNK_BYTES) await pipe.write(data.subarray(i, i + CHUNK_BYTES))
  const back = await reading
  if (Buffer.compare(back, data) !== 0) throw new Error(`echo returned ${back.byteLength} bytes that differ from the ${data.byteLength} sent`)
  await pipe.end()
}
