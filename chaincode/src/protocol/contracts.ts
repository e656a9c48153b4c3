/**
 * The chaincode's contracts as clients call them: the contract name (transactions are `Contract:Function`),
 * which functions change state (submit) and which only read (evaluate), and the events each one emits.
 *
 * This is the one list both sides use. The chaincode's unit tests check every contract class against it
 * (names, and `@Transaction()` vs `@Transaction(false)`), and the gateway's typed contract clients accept
 * only these names, so a function renamed on one side fails to compile or to test on the other.
 */
export interface ContractProtocol {
  readonly name: string;
  /** Functions that change state: endorsed, ordered and committed. */
  readonly submit: readonly string[];
  /** Read-only functions: evaluated on one peer, never ordered. */
  readonly evaluate: readonly string[];
  /** Chaincode event names the contract emits (one per state-changing transaction at most). */
  readonly events: readonly string[];
}

export const GOVERNANCE = {
  name: 'Governance',
  submit: [
    'Bootstrap',
    'RegisterMember',
    'UpdateMember',
    'SetPublicKey',
    'RevokeMember',
    'SetQuorumRule',
    'ProposeGovernanceChange',
    'ApproveGovernanceChange',
    'RejectGovernanceChange',
    'ExpireGovernanceChange',
  ],
  evaluate: [
    'GetMember',
    'WhoAmI',
    'ListMembers',
    'ListValidators',
    'GetQuorum',
    'GetConfig',
    'GetMemberHistory',
    'GetGovernanceProposal',
    'ListGovernanceProposals',
  ],
  events: [
    'Bootstrapped',
    'MemberRegistered',
    'MemberUpdated',
    'MemberPublicKeySet',
    'MemberRevoked',
    'QuorumRuleSet',
    'GovernanceChangeProposed',
    'GovernanceChangeApplied',
    'GovernanceChangeApproved',
    'GovernanceChangeRejected',
    'GovernanceChangeExpired',
  ],
} as const satisfies ContractProtocol;

export const ROTATION = {
  name: 'KeyRotation',
  submit: [
    'SetKeyPolicy',
    'ProposeRotation',
    'ApproveRotation',
    'RejectRotation',
    'ExpireRotation',
    'ReportCompromise',
    'ReportMessageVolume',
  ],
  evaluate: [
    'GetKeyPolicy',
    'ListQueues',
    'IsRotationDue',
    'GetPendingRotation',
    'ListPendingRotations',
    'GetRotation',
    'GetActiveKey',
    'GetWrappedKey',
    'GetRotationsSince',
    'GetKeyHistory',
  ],
  events: [
    'KeyPolicySet',
    'RotationProposed',
    'RotationApproved',
    'RotationCommitted',
    'RotationRejected',
    'RotationExpired',
    'KeyCompromised',
    'MessageVolumeReported',
  ],
} as const satisfies ContractProtocol;

export const PROVIDERS = {
  name: 'KeyProviders',
  submit: [
    'RegisterProvider',
    'UpdateProvider',
    'SuspendProvider',
    'ResumeProvider',
    'RecordOutcomes',
    'CreateKey',
    'DisableKey',
    'EnableKey',
    'GrantKeyUse',
    'RevokeKeyGrant',
  ],
  evaluate: ['GetProvider', 'ListProviders', 'GetScore', 'GetKey', 'ListKeys', 'AuthorizeKeyUse'],
  events: [
    'ProviderRegistered',
    'ProviderUpdated',
    'ProviderSuspended',
    'ProviderResumed',
    'OutcomesRecorded',
    'KeyCreated',
    'KeyUpdated',
    'KeyGrantChanged',
  ],
} as const satisfies ContractProtocol;

export const SIGNING = {
  name: 'SigningKeys',
  submit: ['RegisterSigningKey', 'ActivateSigningKey', 'RetireSigningKey', 'RevokeSigningKey'],
  evaluate: ['GetSigningKey', 'GetSigningKeyStatusAt', 'ListSigningKeys', 'GetJwks'],
  events: [
    'SigningKeyRegistered',
    'SigningKeyPublished',
    'SigningKeyActivated',
    'SigningKeyRetired',
    'SigningKeyRevoked',
  ],
} as const satisfies ContractProtocol;

export const SHARDS = {
  name: 'ShardMaps',
  submit: [
    'PublishShardMap',
    'PublishEpoch',
    'PutEncryptedShard',
    'InvalidateEpoch',
    'RecordShardUse',
    'RevokeDevice',
    'GarbageCollectShards',
    'GarbageCollectShardsBefore',
  ],
  evaluate: [
    'GetEncryptedShard',
    'GetActiveShardMap',
    'GetShardMap',
    'GetShardBundle',
    'GetDeviceEnrollment',
    'GetDevice',
    'GetShardUse',
  ],
  events: [
    'ShardMapPublished',
    'EncryptedShardStored',
    'EpochInvalidated',
    'ShardKeyUsed',
    'DeviceRevoked',
    'ShardsCollected',
  ],
} as const satisfies ContractProtocol;

export const THRESHOLD = {
  name: 'TrustDomain',
  submit: [
    'RegisterModule',
    'SubmitAttestation',
    'ReportTamper',
    'ClearQuarantine',
    'ReportAnomaly',
    'RecordParticipation',
    'SetThresholdPolicy',
    'PublishCommitments',
    'OpenSession',
    'RecordResponse',
    'CloseSession',
    'AcknowledgeShare',
    'IssueAttestationNonce',
    'ExpireSession',
  ],
  evaluate: [
    'GetModule',
    'ListModules',
    'GetTrustScore',
    'ListTrustEvents',
    'GetThresholdPolicy',
    'GetCommitments',
    'GetSession',
    'GetShareAcknowledgements',
  ],
  events: [
    'ModuleRegistered',
    'AttestationSubmitted',
    'TamperReported',
    'QuarantineCleared',
    'AnomalyReported',
    'ParticipationRecorded',
    'ThresholdPolicySet',
    'CommitmentsPublished',
    'SessionOpened',
    'SessionResponseRecorded',
    'SessionClosed',
    'ModuleUpdated',
    'ShareAcknowledged',
    'AttestationNonceIssued',
  ],
} as const satisfies ContractProtocol;

/** Every contract of the chaincode, in deployment order. */
export const CONTRACTS = [GOVERNANCE, ROTATION, PROVIDERS, SIGNING, SHARDS, THRESHOLD] as const;

/** The state-changing functions of a contract. */
export type SubmitFunction<C extends ContractProtocol> = C['submit'][number];
/** The read-only functions of a contract. */
export type EvaluateFunction<C extends ContractProtocol> = C['evaluate'][number];
/** The event names of a contract. */
export type EventName<C extends ContractProtocol> = C['events'][number];
/** Every event name the chaincode emits. */
export type ChaincodeEventName = EventName<(typeof CONTRACTS)[number]>;

/**
 * The chaincode's built-in metadata transaction (fabric-contract-api): what any Fabric tool asks a contract for,
 * and the readiness query of a deploy.
 */
export const METADATA_TRANSACTION = 'org.hyperledger.fabric:GetMetadata';
