import { preset } from '../../jest.preset.js';

export default preset('architecture-rules', {
  testMatch: ['<rootDir>/*.spec.mjs'],
  moduleFileExtensions: ['mjs', 'js', 'ts'],
});
