export { LedgerLoop, type FollowOptions, type LedgerLoopOptions } from './ledgerLoop';
export {
  closeParticipant,
  openParticipant,
  startParticipant,
  type Participant,
  type ParticipantOptions,
} from './participant';
export { KeyedSerializer } from './serial';
