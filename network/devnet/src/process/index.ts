export { processStartTime, hasProcStartTimes } from './start-time';
export { describeOwner, STANDALONE_OWNER, type DevnetOwner } from './owner';
export {
  writeRuntimeFile,
  runtimeState,
  isSameProcess,
  type RuntimeFile,
  type RuntimeState,
} from './pidfile';
export { bindServer, PortInUseError, ListenError } from './listen';
