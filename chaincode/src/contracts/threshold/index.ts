export { TrustDomainContract, ATTESTATION_SKEW_MS, SESSION_TTL_MS } from './trustDomainContract';
export * from './score';
export * from './coordinator';
