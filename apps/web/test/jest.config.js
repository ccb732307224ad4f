import { preset } from '../../../jest.preset.js';

// Browser tests: the production build served by the real API (on a fresh database cloned from the
// template), driven by playwright-core in Debian's Chromium. The global setup and teardown are the
// API's own files, so when both projects run, jest runs them once and both share one template.
export default preset('web-e2e', {
  rootDir: '..',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/../api/test/global-setup.mjs',
  globalTeardown: '<rootDir>/../api/test/global-teardown.mjs',
  setupFiles: ['reflect-metadata'],
  moduleNameMapper: {
    '^#src/(.*)\\.js$': '<rootDir>/../api/src/$1',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
});
