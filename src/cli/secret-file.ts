/**
 * The webhook secret as the relay and the builder read it: one file, read
 * once, trimmed (an editor's trailing newline is not part of the secret
 * GitHub was given). Refused when empty, too large to be a secret, or
 * readable by group or others (the same rule as key files). The secret itself
 * never appears in a message.
 */
import { open } from 'node:fs/promises'
import { assertOwnerOnlyMode } from '../onion/keyfile.js'
import { UsageError } from './errors.js'

/** A webhook secret is a short string; anything bigger is the wrong file. */
export const MAX_SECRET_FILE_BYTES = 4096

export async function readSecretFile (path: string | undefined, option = '--secret-file'): Promise<string> {
  if (path == null || path === '') throw new UsageError(`${option} <file> is required: a file holding the webhook secret set in GitHub's webhook settings (chmod 600)`)
  let text: string
  try {
    // one open, then stat and read that same file: no window for a swap between the check and the read
    const handle = await open(path, 'r')
    try {
      const st = await handle.stat()
      if (!st.isFile()) throw new UsageError(`${option} ${path} is not a regular file`)
      assertOwnerOnlyMode(path, st.mode, 'webhook secret file')
      if (st.size > MAX_SECRET_FILE_BYTES) throw new UsageError(`${option} ${path} holds ${st.size} bytes: a webhook secret is at most ${MAX_SECRET_FILE_BYTES}; check the path`)
      const buf = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1)
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0)
      if (bytesRead > MAX_SECRET_FILE_BYTES) throw new UsageError(`${option} ${path} holds more than ${MAX_SECRET_FILE_BYTES} bytes: a webhook secret is at most ${MAX_SECRET_FILE_BYTES}; check the path`)
      text = buf.subarray(0, bytesRead).toString('utf8')
    } finally {
      await handle.close()
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new UsageError(`${option} ${path} does not exist: write the webhook secret there (chmod 600)`)
    if (code === 'EACCES') throw new UsageError(`${option} ${path} cannot be read by this user; check its owner and mode`)
    throw err
  }
  const secret = text.trim()
  if (secret === '') throw new UsageError(`${option} ${path} is empty: write the webhook secret there, the same as in GitHub's webhook settings`)
  return secret
}
