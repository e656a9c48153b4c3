import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { shards } from '@keyledger/chaincode/protocol';
import { pino, type Logger } from 'pino';
import { CheckFailedError, UsageError } from '../../command';
import { certificateFingerprint } from '../../fabric';
import { REDACT_PATHS } from '../../logging';
import { DeviceRefusalError } from '../errors';
import { ShardsLedger } from '../ledger';
import { DeviceAgent } from '../device/deviceAgent';
import type { DeviceSignature } from '../device/signature';
import {
  DEVICE_FILE_NAME,
  openDevice,
  readDeviceFile,
  writeDeviceFile,
  type OpenedDevice,
} from '../device/deviceFile';

/*
 * What the local `keyledger device …` commands do, loaded only when one of them runs: they open the device's
 * SoftHSM token and its ledger connection, which the dispatcher must not load for other commands.
 */

export interface DeviceInitInput {
  readonly deviceId: string;
  readonly identityFile: string;
  readonly dataDir: string;
  readonly tokenLabel: string;
}

export interface DeviceInitResult {
  readonly deviceId: string;
  readonly deviceFile: string;
  readonly publicKey: string;
  readonly created: boolean;
}

/**
 * The device's log on stderr: stdout carries what the command prints (a key, a signature that `> sig.json`
 * keeps). One-shot commands log warnings only unless KEYLEDGER_LOG_LEVEL says otherwise; `start` logs info.
 */
function deviceLogger(level: 'warn' | 'info'): Logger {
  return pino(
    {
      name: 'device',
      level: process.env['KEYLEDGER_LOG_LEVEL'] ?? level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}

function withDevice<T>(dir: string, run: (device: OpenedDevice) => Promise<T> | T): Promise<T> {
  const device = openDevice(dir, deviceLogger('warn'));
  return Promise.resolve()
    .then(() => run(device))
    .finally(() => device.close());
}

/** A refusal is the device saying "no" on purpose: exit code 6 with its reason, not an unexpected error. */
function refusalToCheck(error: unknown): never {
  if (error instanceof DeviceRefusalError) {
    throw new CheckFailedError(`device ${error.deviceId} refused: ${error.message} (${error.code})`);
  }
  throw error;
}

/**
 * Writes DIR/device.json and opens the device once, which makes its token and its key-wrapping key pair.
 * Run again with the same id, it changes nothing and prints the same key; another id in the same directory
 * is refused rather than silently repointing the device.
 */
export async function runDeviceInit(input: DeviceInitInput): Promise<DeviceInitResult> {
  const dir = resolve(input.dataDir);
  const path = join(dir, DEVICE_FILE_NAME);
  const created = !existsSync(path);
  if (!created) {
    const existing = readDeviceFile(dir);
    if (existing.deviceId !== input.deviceId) {
      throw new UsageError({
        message: `${path} is device ${existing.deviceId}'s; use another --data-dir for ${input.deviceId}`,
      });
    }
  } else {
    if (!existsSync(input.identityFile)) {
      throw new UsageError({ message: `--identity ${input.identityFile}: no such file` });
    }
    writeDeviceFile(dir, {
      deviceId: input.deviceId,
      identityFile: resolve(input.identityFile),
      hsmDir: 'hsm',
      tokenLabel: input.tokenLabel,
    });
  }
  const publicKey = await withDevice(dir, (device) => device.client.publicKey.toString('base64url'));
  return { deviceId: input.deviceId, deviceFile: path, publicKey, created };
}

export interface DeviceKeyView {
  readonly deviceId: string;
  readonly publicKey: string;
  /** The device's ledger identity: the owner its maps are bound to when it is provisioned. */
  readonly owner: { readonly mspId: string; readonly fingerprint: string };
}

export function runDeviceKey(dir: string): Promise<DeviceKeyView> {
  return withDevice(dir, (device) => ({
    deviceId: device.file.deviceId,
    publicKey: device.client.publicKey.toString('base64url'),
    owner: {
      mspId: device.fabric.mspId,
      fingerprint: certificateFingerprint(readFileSync(device.fabric.certPath, 'utf8')),
    },
  }));
}

export function runDeviceSign(
  dir: string,
  message: Uint8Array,
  options: Readonly<{ epoch?: number; reportUse: boolean }>,
): Promise<DeviceSignature> {
  return withDevice(dir, async (device) => {
    try {
      // The first use takes K_dev from the ledger; later ones find it in the token.
      await device.client.enrol();
      const { signature } = await device.client.sign(message, {
        ...(options.epoch === undefined ? {} : { epoch: options.epoch }),
        reportUse: options.reportUse,
      });
      return signature;
    } catch (error) {
      return refusalToCheck(error);
    }
  });
}

export interface DeviceStatus {
  readonly deviceId: string;
  readonly enrolled: boolean;
  readonly revoked: boolean;
  readonly activeEpoch?: number;
  readonly validFrom?: number;
  readonly validUntil?: number;
  readonly algorithm?: string;
  readonly uses?: number;
  readonly lastUsedAt?: number;
}

/** What the ledger says about the device, read as the device itself, and whether its token holds K_dev. */
export function runDeviceStatus(dir: string): Promise<DeviceStatus> {
  return withDevice(dir, async (device) => {
    const ledger = new ShardsLedger(device.connection);
    const deviceId = device.file.deviceId;
    const summary = await ledger.device(deviceId);
    const active = summary?.head.activeEpoch;
    const map = active === undefined ? undefined : await ledger.map(deviceId, active);
    const use = active === undefined ? undefined : await ledger.use(deviceId, active);
    return {
      deviceId,
      enrolled: device.client.enrolled,
      revoked: summary?.head.revoked !== undefined,
      ...(map === undefined
        ? {}
        : {
            activeEpoch: map.epoch,
            validFrom: map.validFrom,
            validUntil: map.validUntil,
            ...(map.algorithm === undefined ? {} : { algorithm: map.algorithm }),
          }),
      ...(use === undefined ? {} : { uses: use.uses, lastUsedAt: use.lastUsedAt }),
    };
  });
}

/**
 * Runs the device's authentication cycle until SIGINT/SIGTERM: prints `device ID ready (epoch N)` once the first
 * cycle ran, then a line per epoch it picks up.
 */
export async function runDeviceStart(
  dir: string,
  pollIntervalMs: number | undefined,
  print: (line: string) => void,
): Promise<void> {
  const device = openDevice(dir, deviceLogger('info'));
  let ready = false;
  const agent = new DeviceAgent({
    client: device.client,
    participant: { connection: device.connection, logger: device.logger },
    ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
    onEpoch: (map: shards.ReportedShardMap) => {
      if (ready) print(`device ${device.file.deviceId} picked up epoch ${map.epoch}`);
    },
  });
  try {
    await agent.start();
    const { epoch, problem } = agent.state;
    print(
      `device ${device.file.deviceId} ready (${epoch === undefined ? `no usable epoch: ${problem ?? 'unknown'}` : `epoch ${epoch}`})`,
    );
    ready = true;
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
  } finally {
    await agent.stop().catch(() => undefined);
    device.close();
  }
}
