import * as devnet from '../../src';
import type {
  ChaincodeDefinition,
  ConflictInfo,
  Devnet,
  DevnetOptions,
  DevnetStatus,
  DevnetOwner,
  DeployResult,
  IdentityFiles,
  NetworkMaterial,
  OrgMaterial,
  TransactionDetail,
} from '../../src';

/** What other packages import from '@keyledger/devnet' (the stack, the end-to-end fixture, the bench). */
describe("the package's exports", () => {
  it('keep the functions other packages call', () => {
    for (const name of [
      'startDevnet',
      'issueIdentity',
      'nativeSigner',
      'clientConnection',
      'readConnectionProfile',
    ])
      expect(typeof (devnet as Record<string, unknown>)[name]).toBe('function');
    expect(devnet.DEFAULT_DATA_DIR).toEqual(expect.any(String));
  });

  it('keep the types other packages name (checked by the compiler)', () => {
    type Named = [
      Devnet,
      DevnetOptions,
      DevnetStatus,
      DevnetOwner,
      DeployResult,
      IdentityFiles,
      NetworkMaterial,
      OrgMaterial,
      ChaincodeDefinition,
      TransactionDetail,
      ConflictInfo,
    ];
    const names: (keyof Named)[] = [];
    expect(names).toEqual([]);
  });
});
