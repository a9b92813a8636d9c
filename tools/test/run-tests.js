#!/usr/bin/env node
/**
 * Runs the whole jest suite and ends with the line CI reads: `N passed, N failed`.
 * Extra arguments go to jest (e.g. `npm test -- --selectProjects unit`).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const resultsFile = path.join(os.tmpdir(), `scim-jest-results-${process.pid}.json`);
const args = ['--json', `--outputFile=${resultsFile}`, ...process.argv.slice(2)];
const jest = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), ...args], { stdio: 'inherit' });

let passed = 0;
let failed = 0;
try {
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  passed = results.numPassedTests;
  failed = results.numFailedTests;
  // A suite that failed to run (syntax error, failing beforeAll) counts as a failure too.
  failed += results.testResults.filter((r) => r.status === 'failed' && r.assertionResults.length === 0).length;
  fs.rmSync(resultsFile, { force: true });
} catch (error) {
  console.error(`could not read jest results: ${error.message}`);
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(jest.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
