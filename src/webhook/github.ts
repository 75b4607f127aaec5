/**
 * What a GitHub webhook delivery looks like on the wire, and the checks both
 * the relay and the builder make on it. Pure: no I/O, no libp2p.
 *
 * The signature check is `verify` from @octokit/webhooks-methods (an
 * HMAC-SHA256 compared in constant time); there is no HMAC code here.
 */
import { verify } from '@octokit/webhooks-methods'

/** The headers GitHub sends with each delivery (node:http lower-cases them). */
export const EVENT_HEADER = 'x-github-event'
export const DELIVERY_HEADER = 'x-github-delivery'
export const SIGNATURE_HEADER = 'x-hub-signature-256'

/** GitHub sends at most 25 MB per delivery; we take 25 MiB as the default cap. */
export const GITHUB_MAX_BODY_BYTES = 25 * 1024 * 1024

// GitHub's event names are lower-case words joined by '_' (push,
// pull_request, check_run). We accept a little more (digits, upper case, '-'),
// but never a '.', so `<topic>.<event>` is always one more URI component.
const EVENT_NAME = /^[A-Za-z0-9_-]{1,64}$/
// X-GitHub-Delivery is a GUID; we allow any short token of safe characters so
// an id can be printed in a log line and stored in a file as it is.
const DELIVERY_ID = /^[A-Za-z0-9._-]{1,128}$/
const SIGNATURE = /^sha256=[0-9a-f]{64}$/

/** An event name that is one URI component (no '.', no spaces), at most 64 characters. */
export function isEventName (event: unknown): event is string {
  return typeof event === 'string' && EVENT_NAME.test(event)
}

/** A delivery id of 1 to 128 characters from [A-Za-z0-9._-]. */
export function isDeliveryId (delivery: unknown): delivery is string {
  return typeof delivery === 'string' && DELIVERY_ID.test(delivery)
}

/** `sha256=` and 64 lower-case hex digits, as GitHub sends it. */
export function isSignatureHeader (signature: unknown): signature is string {
  return typeof signature === 'string' && SIGNATURE.test(signature)
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Does `signature` (X-Hub-Signature-256) match `body` under `secret`?
 *
 * `verify` takes the body as a string and hashes its UTF-8 encoding. Decoding
 * leniently would map different invalid byte sequences to the same U+FFFD
 * text, so a body GitHub never signed could pass; we decode strictly and
 * treat a body that is not UTF-8 (GitHub sends JSON, always UTF-8) as
 * unsigned. An empty body or a malformed header is unsigned too.
 */
export async function verifySignature (secret: string, body: Uint8Array, signature: string | undefined): Promise<boolean> {
  if (secret.length === 0) throw new TypeError('the webhook secret is empty; set the same secret as in the GitHub webhook settings')
  if (!isSignatureHeader(signature) || body.byteLength === 0) return false
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    return false
  }
  return await verify(secret, text, signature)
}

/**
 * The git ref an event is about, or undefined when it has none: `ref` for
 * push, create and delete (create/delete send a short name plus `ref_type`),
 * the base branch for pull_request.
 */
export function refOf (event: string, body: unknown): string | undefined {
  if (body == null || typeof body !== 'object') return undefined
  const b = body as Record<string, unknown>
  if (event === 'push') return typeof b.ref === 'string' ? b.ref : undefined
  if (event === 'create' || event === 'delete') {
    if (typeof b.ref !== 'string') return undefined
    if (b.ref_type === 'branch') return `refs/heads/${b.ref}`
    if (b.ref_type === 'tag') return `refs/tags/${b.ref}`
    return undefined
  }
  if (event === 'pull_request') {
    const base = (b.pull_request as { base?: { ref?: unknown } } | undefined)?.base?.ref
    return typeof base === 'string' ? `refs/heads/${base}` : undefined
  }
  return undefined
}

/** push's `after` commit (40 hex), or undefined. */
export function afterOf (event: string, body: unknown): string | undefined {
  if (event !== 'push' || body == null || typeof body !== 'object') return undefined
  const after = (body as Record<string, unknown>).after
  return typeof after === 'string' && /^[0-9a-f]{40,64}$/.test(after) ? after : undefined
}
