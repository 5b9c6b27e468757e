import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // tsconfig's isolatedModules makes ts-jest only transpile; type-checking is `npm run lint`'s job (tsc --noEmit).
  transform: { '^.+\\.ts$': 'ts-jest' },
  testTimeout: 30_000,
};

export default config;
