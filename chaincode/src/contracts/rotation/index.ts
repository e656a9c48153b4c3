export { RotationContract } from './rotationContract';
export {
  digestPayload,
  proposalDigest,
  sortWrappedKeys,
  type DigestInput,
} from '../../protocol/rotationDigest';
export { rotationDue } from './due';
export { tally } from './tally';
