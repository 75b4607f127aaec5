/**
 * The relay's node:http glue: one header, one JSON answer, one capped body
 * read with a deadline. No webhook logic here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** A header's value, or undefined when absent (node:http joins a repeated header with ', ', which the callers' format checks refuse). */
export function headerOf (req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? undefined : v
}

export function send (res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  if (res.headersSent) return
  const text = JSON.stringify(body)
  // Answered before the body was read in full: `Connection: close` makes
  // node:http close the socket once the answer is out, rather than keep the
  // connection and read (and discard) the rest of the body.
  const close: Record<string, string> = res.req?.complete === true ? {} : { Connection: 'close' }
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...close, ...headers })
  res.end(text)
}

export type BodyResult = { ok: true, body: Uint8Array } | { ok: false, why: 'tooLarge' | 'timeout' | 'aborted' }

/** Reads the body, counting bytes, and gives up past `max` bytes or `timeoutMs`. */
export async function readBody (req: IncomingMessage, max: number, timeoutMs: number): Promise<BodyResult> {
  return await new Promise<BodyResult>((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = (result: BodyResult): void => {
      clearTimeout(timer)
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onAbort)
      req.off('close', onClose)
      resolve(result)
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.byteLength
      if (size > max) {
        req.pause()
        done({ ok: false, why: 'tooLarge' })
        return
      }
      chunks.push(chunk)
    }
    const onEnd = (): void => { done({ ok: true, body: new Uint8Array(Buffer.concat(chunks, size)) }) }
    const onAbort = (): void => { done({ ok: false, why: 'aborted' }) }
    const onClose = (): void => { if (!req.complete) onAbort() }
    const timer = setTimeout(() => { req.pause(); done({ ok: false, why: 'timeout' }) }, timeoutMs)
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onAbort)
    req.on('close', onClose)
  })
}
