export { DeviceKeys, loadMasterKey, MASTER_KEY_LABEL } from './deviceKeys';
export { buildEpoch, type EpochMaterial, type EpochSpec } from './epochBuilder';
export {
  DEFAULT_SHARD_POLICY,
  ShardGenerator,
  type ProvisionRequest,
  type ProvisionResult,
  type ShardGeneratorOptions,
  type ShardPolicy,
} from './shardGenerator';
export {
  ShardRotationScheduler,
  type FleetStepResult,
  type RotationSchedulerOptions,
} from './rotationScheduler';
