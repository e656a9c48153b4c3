export { GovernanceContract } from './governance.contract';
export { tally, PROPOSAL_TTL_MILLIS } from './tally';
export type * from './types';
