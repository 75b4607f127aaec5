/**
 * Imported first by bin.ts: applies the DEBUG alias (debug.ts) before any
 * module loads @libp2p/logger, which reads DEBUG once, when it loads.
 */
import { aliasDebugNamespaces } from './debug.js'

const aliased = aliasDebugNamespaces(process.env.DEBUG)
if (aliased != null) process.env.DEBUG = aliased
