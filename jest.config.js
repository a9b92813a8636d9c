/**
 * One jest configuration for the three tiers of STYLE.md:
 *   *.spec.ts      pure unit tests beside the code
 *   *.int-spec.ts  against real Postgres and Redis (fresh database, unique queue prefix)
 *   *.e2e-spec.ts  drive the built apps over HTTP (tools/test starts them)
 * Tests never load NestJS itself (it is ESM-only; Node 20's require(esm) is not available inside
 * jest): apps are exercised as real processes.
 */
const moduleNameMapper = {
  '^@scim/directory/testing$': '<rootDir>/libs/directory/src/testing/index.ts',
  '^@scim/(scim|directory|notifications|queue|config|admin-api|telemetry)$': '<rootDir>/libs/$1/src/index.ts',
};
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
};
const common = { rootDir: __dirname, moduleNameMapper, transform, testEnvironment: 'node' };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs,tools}/**/*.int-spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
