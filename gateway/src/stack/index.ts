export {
  CHAINCODE_DIR,
  CHAINCODE_NAME,
  startLocalStack,
  type LocalStack,
  type LocalStackOptions,
  type StackParticipant,
} from './localStack';
