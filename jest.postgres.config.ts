// `npm run test:postgres`: the API suites whose every assertion holds for both stores, again on PostgreSQL.
// A config file rather than `TEST_STORE=postgres jest ...`, which Windows' default shell cannot run.
import type { Config } from 'jest';
import base from './jest.config';

const SUITES_FOR_BOTH_STORES = [
  'saldo-mutasi',
  'protocol',
  'bank-invariant',
  'tabung-tarik',
  'idempotency',
  'daftar',
  'hostile-input',
  'logging-health',
  'security',
];

const config: Config = {
  ...base,
  testMatch: SUITES_FOR_BOTH_STORES.map((suite) => `**/tests/${suite}.test.ts`),
  setupFiles: ['<rootDir>/tests/on-postgres.ts'],
};

export default config;
