export {
  DEVICE_KEY_LABEL,
  DEVICE_WRAPPING_KEY_LABEL,
  DeviceClient,
  type DeviceClientOptions,
  type SignOptions,
  type SignResult,
} from './deviceClient';
export { deviceSignatureSchema, messageDigestOf, type DeviceSignature } from './signature';
