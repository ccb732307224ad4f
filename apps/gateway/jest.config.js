import { preset } from '../../jest.preset.js';

export default preset('gateway', {
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
});
