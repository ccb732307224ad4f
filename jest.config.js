// One jest run over every package and app: `npm test`.
/** @type {import('jest').Config} */
export default {
  projects: [
    '<rootDir>/packages/*/jest.config.js',
    '<rootDir>/apps/*/jest.config.js',
    '<rootDir>/apps/web/test/jest.config.js',
    '<rootDir>/tools/*/jest.config.js',
  ],
  // Integration suites start real servers and databases; no test ever fails on a timing below this.
  testTimeout: 120000,
  reporters: ['default', '<rootDir>/scripts/summary-reporter.cjs'],
};
