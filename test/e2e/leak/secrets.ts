/**
 * Guarantee 4: logs never hold keys, cookies or passwords. The secrets a
 * node had are turned into every text form a log could carry them in.
 */
import type { Finding } from './findings.js'
import type { OnionKey } from '../../../src/onion/index.js'

export interface Secret {
  what: string
  /** The text forms the secret could take in a log, by name ('hex', 'base64', ...). */
  forms: Array<{ form: string, text: string }>
}

/** A binary secret in every text form a log could carry it in: hex (either case), base64 (padded or not), base64url. */
export function bytesSecret (what: string, bytes: Uint8Array): Secret {
  const b = Buffer.from(bytes)
  const hex = b.toString('hex')
  const b64 = b.toString('base64')
  return {
    what,
    forms: [
      { form: 'hex', text: hex },
      { form: 'upper-case hex', text: hex.toUpperCase() },
      { form: 'base64', text: b64 },
      { form: 'unpadded base64', text: b64.replace(/=+$/, '') },
      { form: 'base64url', text: b.toString('base64url') }
    ]
  }
}

/** A text secret (a password), as itself and as bytes. */
export function textSecret (what: string, text: string): Secret {
  return { what, forms: [{ form: 'plain text', text }, ...bytesSecret(what, Buffer.from(text, 'utf8')).forms] }
}

export function onionKeySecret (name: string, key: OnionKey): Secret {
  return bytesSecret(`${name}'s onion key`, key.expandedSecretKey)
}

/** Shapes of auth material in any log line, whoever's it is. */
const SHAPES: Array<[RegExp, string]> = [
  [/ED25519-V3:[A-Za-z0-9+/]{16,}/, 'an ADD_ONION key blob'],
  // [ \t], not \s: "sending AUTHENTICATE" at a line's end is fine, the argument is not
  [/AUTHENTICATE[ \t]+\S{8,}/, 'a control-port AUTHENTICATE argument'],
  [/AUTHCHALLENGE[ \t]+SAFECOOKIE[ \t]+[0-9A-Fa-f]{8,}/, 'a SAFECOOKIE challenge'],
  [/HashedControlPassword|controlPassword["']?\s*[:=]\s*["']?[^"'\s]+/, 'a control password']
]

/** Finds each secret (in any form) and any auth-material shape in `log`. */
export function judgeLog (log: string, secrets: Secret[], label: string): Finding[] {
  const findings: Finding[] = []
  for (const s of secrets) {
    // the finding names the form, never any part of the secret: test output is a log too
    const hit = s.forms.find(f => log.includes(f.text))
    if (hit != null) findings.push({ kind: 'log', text: `${label} holds ${s.what} (as ${hit.form})` })
  }
  for (const [re, what] of SHAPES) {
    const m = re.exec(log)
    if (m != null) findings.push({ kind: 'log', text: `${label} holds ${what}, at offset ${m.index}` })
  }
  return findings
}
