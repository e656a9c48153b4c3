export { RotationContract } from './rotationContract';
export { digestPayload, proposalDigest, sortWrappedKeys, type DigestInput } from './digest';
export { rotationDue } from './due';
export { tally } from './tally';
export * from './types';
