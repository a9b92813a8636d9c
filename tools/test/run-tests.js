#!/usr/bin/env node
/**
 * Runs the whole suite, both runners, and ends with the one line CI reads: `N passed, N failed`.
 *   jest: the unit, integration and e2e tiers (jest.config.js);
 *   node:test: the app tier, test/app/*.app-spec.ts compiled to dist/ by `npm run build:tests`
 *   (NestJS 12 is ESM-only; plain Node 20.19+ requires it, jest cannot).
 * Extra arguments go to jest (e.g. `npm test -- --selectProjects unit`); `--selectProjects` without
 * `app` skips the app tier, and `--selectProjects app` alone runs only it.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const APP_TIER_DIR = path.join(ROOT, 'dist', 'test', 'app');

function selectedProjects(args) {
  const index = args.indexOf('--selectProjects');
  if (index === -1) return undefined;
  const projects = [];
  for (const arg of args.slice(index + 1)) {
    if (arg.startsWith('-')) break;
    projects.push(arg);
  }
  return projects;
}

/** Removes `app` from --selectProjects, which jest does not know. */
function jestArgs(args) {
  const projects = selectedProjects(args);
  if (!projects) return args;
  const index = args.indexOf('--selectProjects');
  const rest = args.slice(index + 1 + projects.length);
  const jestProjects = projects.filter((p) => p !== 'app');
  return [...args.slice(0, index), ...(jestProjects.length ? ['--selectProjects', ...jestProjects] : []), ...rest];
}

function runJest(args) {
  const resultsFile = path.join(os.tmpdir(), `scim-jest-results-${process.pid}.json`);
  const jest = spawnSync(
    process.execPath,
    [require.resolve('jest/bin/jest'), '--json', `--outputFile=${resultsFile}`, ...args],
    { stdio: 'inherit', cwd: ROOT },
  );
  try {
    const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    fs.rmSync(resultsFile, { force: true });
    // A suite that failed to run (syntax error, failing beforeAll) counts as a failure too.
    const unrun = results.testResults.filter((r) => r.status === 'failed' && r.assertionResults.length === 0).length;
    return { passed: results.numPassedTests, failed: results.numFailedTests + unrun, ok: jest.status === 0 };
  } catch (error) {
    console.error(`could not read jest results: ${error.message}`);
    return { passed: 0, failed: 1, ok: false };
  }
}

/** The app tier under node:test: a spec report on the terminal, TAP in a file whose totals are counted. */
function runAppTier() {
  const files = fs.existsSync(APP_TIER_DIR)
    ? fs
        .readdirSync(APP_TIER_DIR)
        .filter((name) => name.endsWith('.app-spec.js'))
        .map((name) => path.join(APP_TIER_DIR, name))
    : [];
  if (files.length === 0) {
    console.error(`no app tier tests in ${APP_TIER_DIR}: run \`npm run build:tests\` first`);
    return { passed: 0, failed: 1, ok: false };
  }
  const tapFile = path.join(os.tmpdir(), `scim-app-tier-${process.pid}.tap`);
  const run = spawnSync(
    process.execPath,
    [
      '--test',
      // A hung test fails instead of hanging the run.
      '--test-timeout=120000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      ...files,
    ],
    { stdio: 'inherit', cwd: ROOT },
  );
  let tap = '';
  try {
    tap = fs.readFileSync(tapFile, 'utf8');
    fs.rmSync(tapFile, { force: true });
  } catch (error) {
    console.error(`could not read the app tier's TAP report: ${error.message}`);
  }
  // The TAP reporter ends with the run's totals: `# pass N`, `# fail N`, `# cancelled N`, …
  const total = (name) => Number((new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap) ?? [])[1] ?? 0);
  const passed = total('pass');
  const failed = total('fail') + total('cancelled');
  if (!/^# pass \d+$/m.test(tap)) return { passed, failed: failed + 1, ok: false };
  return { passed, failed, ok: run.status === 0 };
}

const args = process.argv.slice(2);
const projects = selectedProjects(args);
const runs = [];
if (!projects || projects.some((p) => p !== 'app')) runs.push({ tier: 'jest', ...runJest(jestArgs(args)) });
if (!projects || projects.includes('app')) runs.push({ tier: 'app', ...runAppTier() });

let passed = 0;
let failed = 0;
for (const run of runs) {
  passed += run.passed;
  failed += run.failed;
  // Each runner must have run something and passed: a zero-test tier is a broken tier.
  if (run.passed === 0 && run.failed === 0) failed += 1;
  if (!run.ok && run.failed === 0) failed += 1;
  console.log(`${run.tier}: ${run.passed} passed, ${run.failed} failed`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
