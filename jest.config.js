// One jest run over every package and app: `npm test`.
/** @type {import('jest').Config} */
export default {
  projects: ['<rootDir>/packages/*/jest.config.js', '<rootDir>/apps/*/jest.config.js'],
  reporters: ['default', '<rootDir>/scripts/summary-reporter.cjs'],
};
