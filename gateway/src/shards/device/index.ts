export {
  DEVICE_KEY_LABEL,
  DEVICE_WRAPPING_KEY_LABEL,
  DeviceClient,
  type DeviceClientOptions,
  type SignOptions,
  type SignResult,
} from './deviceClient';
export { deviceSignatureSchema, messageDigestOf, type DeviceSignature } from './signature';
export { DeviceAgent, type DeviceAgentOptions, type DeviceState } from './deviceAgent';
export {
  DEVICE_FILE_NAME,
  openDevice,
  readDeviceFile,
  writeDeviceFile,
  type DeviceFile,
  type OpenedDevice,
} from './deviceFile';
