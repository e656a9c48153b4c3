// Runs this folder's tests on their own until the gateway project in /jest.config.js lets ts-jest transform the
// ESM-only packages pkijs loads (pkijs 4, asn1js 4, @peculiar/utils, bytestreamjs, @noble/hashes 2):
//   npx jest -c gateway/test/signing/ca/jest.config.js
// The same two keys added to the gateway project make this file unnecessary.
const ESM_ONLY = ['pkijs', 'asn1js', '@peculiar/utils', 'pvtsutils', 'pvutils', 'bytestreamjs', '@noble'];

/** @type {import('jest').Config} */
module.exports = {
  displayName: 'gateway-signing-ca',
  rootDir: '../../..',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/signing/ca/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/softhsmGlobalSetup.js',
  globalTeardown: '<rootDir>/test/support/softhsmGlobalTeardown.js',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json', isolatedModules: false }],
    '^.+\\.js$': [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
};
