export { GovernanceContract } from './governanceContract';
export { tally, PROPOSAL_TTL_MILLIS } from './tally';
