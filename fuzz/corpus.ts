/**
 * The checked-in seed corpus: fuzz/corpus/<folder>/* , one input per file,
 * raw bytes (CRLF kept; see fuzz/corpus/.gitattributes). Read from the source
 * tree, so dist/ needs no copy of it.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** fuzz/corpus in the source tree (this file runs from dist/fuzz/). */
export const CORPUS_DIR = fileURLToPath(new URL('../../fuzz/corpus/', import.meta.url))

/** Every seed in fuzz/corpus/<folder>, in file-name order. Files whose names start with '.' or end in '.md' are skipped. */
export function loadCorpus (folder: string, root: string = CORPUS_DIR): Uint8Array[] {
  const dir = join(root, folder)
  let names: string[]
  try {
    names = readdirSync(dir).filter(n => !n.startsWith('.') && !n.endsWith('.md')).sort()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  return names.map(n => Uint8Array.from(readFileSync(join(dir, n))))
}
