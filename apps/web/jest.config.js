import { preset } from '../../jest.preset.js';

// Unit tests of the web app's pure modules (ECG measurement, multipart, pixels, i18n), in Node.
// The browser tests are the separate `web-e2e` project (test/jest.config.js).
export default preset('web', {
  testMatch: ['<rootDir>/src/**/*.test.ts'],
});
