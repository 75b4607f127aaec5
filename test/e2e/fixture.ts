// Placeholder until the private-network fixture lands (issue 3): it exports
// the mocha root hooks object that .mocharc.cjs requires.
export const mochaHooks = {}
