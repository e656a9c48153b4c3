export { LedgerLoop, type FollowOptions, type LedgerLoopOptions } from './ledgerLoop';
export {
  closeParticipant,
  openParticipant,
  startParticipant,
  type Participant,
  type ParticipantOptions,
} from './participant';
export { KeyedSerializer } from './serial';
export { WrappingKeyPublisher } from './publication';
export { loadWrappingKey, type WrappingKey } from './wrappingKey';
export { MemberGate, type MemberGateOptions } from './memberGate';
export { loadOrCreateTlsIdentity, type TlsIdentity } from './tlsIdentity';
