// Shared jest settings: TypeScript through SWC, native ESM (jest runs with --experimental-vm-modules).
/** @type {import('jest').Config} */
export const swcTransform = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true, tsx: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, react: { runtime: 'automatic' } },
        target: 'es2022',
        keepClassNames: true,
      },
      module: { type: 'es6' },
      sourceMaps: 'inline',
    },
  ],
};

/**
 * @param {string} displayName
 * @param {Partial<import('jest').Config>} overrides
 * @returns {import('jest').Config}
 */
export function preset(displayName, overrides = {}) {
  return {
    displayName,
    testEnvironment: 'node',
    transform: swcTransform,
    extensionsToTreatAsEsm: ['.ts', '.tsx'],
    moduleNameMapper: { '^#src/(.*)\\.js$': '<rootDir>/src/$1', '^(\\.{1,2}/.*)\\.js$': '$1' },
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    ...overrides,
  };
}
