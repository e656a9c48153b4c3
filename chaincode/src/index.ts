/**
 * The KeyLedger chaincode: one contract per capability plus governance. fabric-chaincode-node loads this module
 * (package.json `main`) and serves every contract in `contracts`; transactions are named `Contract:Function`.
 */
import { GovernanceContract } from './contracts/governance';
import { ProvidersContract } from './contracts/providers';
import { RotationContract } from './contracts/rotation';
import { ShardMapsContract } from './contracts/shards';
import { SigningKeysContract } from './contracts/signing';
import { TrustDomainContract } from './contracts/threshold';

export const contracts: (new () => object)[] = [
  GovernanceContract,
  RotationContract,
  ProvidersContract,
  SigningKeysContract,
  ShardMapsContract,
  TrustDomainContract,
];

export {
  GovernanceContract,
  RotationContract,
  ProvidersContract,
  SigningKeysContract,
  ShardMapsContract,
  TrustDomainContract,
};

/** Record shapes, for clients (type-only imports; nothing here runs outside the chaincode). */
export type * as governance from './contracts/governance/types';
export type * as rotation from './contracts/rotation/types';
export type * as providers from './contracts/providers/types';
export type * as signing from './contracts/signing/types';
export type * as shards from './contracts/shards/types';
export type * as threshold from './contracts/threshold/types';
