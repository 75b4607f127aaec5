/** Every fuzz target of `npm run fuzz`, by layer. Add the parsers of new work here. */
import { CLI_TARGETS } from './cli.js'
import { CONTROL_TARGETS } from './control.js'
import { ENDPOINT_TARGETS } from './endpoints.js'
import { ONION_TARGETS } from './onion.js'
import { SOCKS_TARGETS } from './socks.js'
import type { FuzzTarget } from '../target.js'

export const TARGETS: readonly FuzzTarget[] = [
  ...ONION_TARGETS,
  ...CONTROL_TARGETS,
  ...ENDPOINT_TARGETS,
  ...SOCKS_TARGETS,
  ...CLI_TARGETS
]
