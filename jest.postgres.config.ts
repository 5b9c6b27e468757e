// `npm run test:postgres`: the API suites whose every assertion holds for both stores, again on PostgreSQL.
// They are the files under tests/api/: a suite joins by living there, so none is forgotten in a list.
// A config file rather than `TEST_STORE=postgres jest ...`, which Windows' default shell cannot run.
import type { Config } from 'jest';
import base from './jest.config';

const config: Config = {
  ...base,
  testMatch: ['**/tests/api/**/*.test.ts'],
  setupFiles: ['<rootDir>/tests/on-postgres.ts'],
};

export default config;
