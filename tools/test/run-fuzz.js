#!/usr/bin/env node
/**
 * `npm run fuzz [-- RUNS]`: the fast-check properties (*.fuzz.* tests: filter parser and SQL
 * translation, PATCH engine, HTTP layer) with a long budget. RUNS (or FUZZ_RUNS) is the number of
 * generated cases per property; default 5000. `npm test` runs the same properties briefly.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const runs = process.argv[2] ?? process.env.FUZZ_RUNS ?? '5000';
if (!/^[1-9]\d*$/.test(runs)) {
  console.error(`fuzz: the budget must be a positive number of runs, got "${runs}"`);
  process.exit(2);
}
console.log(`fuzz: ${runs} runs per property`);
const result = spawnSync(process.execPath, [path.join(__dirname, 'run-tests.js'), '--testPathPatterns', '\\.fuzz\\.'], {
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: runs },
});
process.exit(result.status ?? 1);
