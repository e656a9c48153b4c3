import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { FabricConnection, readFabricConfigFile, readJsonFile, type FabricConfig } from '../../fabric';
import { HsmToken, LocalTokenStore, useSoftHsmDirectory } from '../../hsm';
import { defaultLogger } from '../../logging';
import type { Logger } from 'pino';
import { ShardsLedger } from '../ledger';
import { DeviceClient } from './deviceClient';

/** `<dir>/device.json`: how a device process finds its id, its ledger identity and its token. */
export const DEVICE_FILE_NAME = 'device.json';

const deviceFileSchema = z.strictObject({
  deviceId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/, 'must be a ledger id'),
  /** FabricConfig JSON of the device's member (role device); relative to the device file. */
  identityFile: z.string().min(1),
  /** The SoftHSM directory holding the device's token (its pins.json beside); relative to the device file. */
  hsmDir: z.string().min(1),
  tokenLabel: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'must be a token label'),
});

export type DeviceFile = z.infer<typeof deviceFileSchema>;

/** The device file of a device directory, with its paths made absolute. */
export function readDeviceFile(dir: string): DeviceFile {
  const path = join(resolve(dir), DEVICE_FILE_NAME);
  const file = readJsonFile(path, deviceFileSchema, 'device file');
  return {
    ...file,
    identityFile: resolve(dirname(path), file.identityFile),
    hsmDir: resolve(dirname(path), file.hsmDir),
  };
}

export function writeDeviceFile(dir: string, file: DeviceFile): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, DEVICE_FILE_NAME);
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  return path;
}

/** An opened device: its token, its ledger connection as itself and its client. `close` releases both. */
export interface OpenedDevice {
  readonly file: DeviceFile;
  readonly fabric: FabricConfig;
  readonly token: HsmToken;
  readonly connection: FabricConnection;
  readonly client: DeviceClient;
  readonly logger: Logger;
  close(): void;
}

/**
 * Opens the device of a device directory. The process's SoftHSM directory becomes the device's (PKCS#11 reads
 * its configuration once per process, so one process serves the devices of one SoftHSM directory).
 */
export function openDevice(dir: string, logger: Logger = defaultLogger('device')): OpenedDevice {
  const file = readDeviceFile(dir);
  useSoftHsmDirectory(file.hsmDir);
  const { credentials } = new LocalTokenStore(file.hsmDir).ensure(file.tokenLabel);
  const fabric = readFabricConfigFile(file.identityFile);
  const token = HsmToken.open({ label: credentials.label, pin: credentials.pin });
  let connection: FabricConnection | undefined;
  try {
    connection = FabricConnection.open(fabric);
    const deviceLogger = logger.child({ device: file.deviceId });
    const client = new DeviceClient({
      deviceId: file.deviceId,
      token,
      ledger: new ShardsLedger(connection),
      logger: deviceLogger,
    });
    const opened = connection;
    return {
      file,
      fabric,
      token,
      connection: opened,
      client,
      logger: deviceLogger,
      close(): void {
        try {
          opened.close();
        } finally {
          token.close();
        }
      },
    };
  } catch (error) {
    connection?.close();
    token.close();
    throw error;
  }
}
