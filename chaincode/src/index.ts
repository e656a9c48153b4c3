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
