// One jest project per workspace so `npm test` runs them all and each uses its own tsconfig.
/** @type {(name: string, dir: string, extra?: object) => import('jest').Config} */
function project(name, dir, extra = {}) {
  return {
    displayName: name,
    rootDir: `<rootDir>/${dir}`,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.ts$': ['ts-jest', { tsconfig: `<rootDir>/tsconfig.test.json`, isolatedModules: false }],
    },
    ...extra,
  };
}

/**
 * jose, pkijs, @noble/curves 2 and their helpers are ESM-only: jest's CommonJS runtime cannot require them, so ts-jest transforms
 * them too (allowJs, to CommonJS) while every other package stays untransformed.
 */
const ESM_ONLY = [
  'jose',
  'pkijs',
  'asn1js',
  '@peculiar/utils',
  'pvtsutils',
  'pvutils',
  'bytestreamjs',
  '@noble/hashes',
  '@noble/curves',
];
const esmSupport = {
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
};
const esmTransform = {
  '^.+\\.js$': [
    'ts-jest',
    { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', isolatedModules: true } },
  ],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    project('chaincode', 'chaincode', { setupFiles: ['<rootDir>/test/support/setup.ts'] }),
    project('devnet', 'network/devnet'),
    project('gateway', 'gateway', {
      globalSetup: '<rootDir>/test/support/softhsmGlobalSetup.js',
      globalTeardown: '<rootDir>/test/support/softhsmGlobalTeardown.js',
      ...esmSupport,
      transform: {
        '^.+\\.ts$': ['ts-jest', { tsconfig: `<rootDir>/tsconfig.test.json`, isolatedModules: false }],
        ...esmTransform,
      },
    }),
    {
      ...project('e2e', 'test', {
        globalSetup: '<rootDir>/../gateway/test/support/softhsmGlobalSetup.js',
        globalTeardown: '<rootDir>/../gateway/test/support/softhsmGlobalTeardown.js',
      }),
      testMatch: ['<rootDir>/e2e/**/*.test.ts'],
      ...esmSupport,
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }], ...esmTransform },
    },
  ],
};
