import {
  CheckFailedError,
  defineCommand,
  defineGroup,
  formatFields,
  formatTime,
  integerOption,
  parseDuration,
  readAll,
  readFileOption,
  readInput,
  requiredOption,
  UsageError,
  type CommandGroup,
} from '../../command';

/*
 * `keyledger device …`: a device's own side (local: its token and its ledger identity) and verification of
 * its signatures (REST). The local work is imported when a command runs: the dispatcher stays light.
 */

const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;

const DEVICE_DIR = {
  type: 'string',
  value: 'DIR',
  description: 'the device directory `device init` made (required)',
} as const;

interface DeviceVerdict {
  readonly valid: boolean;
  readonly signatureValid: boolean;
  readonly deviceId: string;
  readonly epoch: number;
  readonly problem?: string;
  readonly epochStatus?: string;
  readonly validFrom?: number;
  readonly validUntil?: number;
  readonly invalidatedAt?: number;
  readonly invalidatedReason?: string;
  readonly validAtSigning: boolean;
  readonly reportedUses: number;
  readonly lastReportedUseIsThisMessage: boolean;
}

/** A token label from the device id: the characters a label allows, at most 32. */
function defaultTokenLabel(deviceId: string): string {
  return `device-${deviceId}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 32);
}

const init = defineCommand({
  name: 'init',
  summary: "set up a device directory and its token; prints the device's public key for `shards provision`",
  description:
    'Writes DIR/device.json (the id, the identity file of a member with role device, its SoftHSM directory ' +
    'DIR/hsm) and creates the token and its key-wrapping key pair. Running it again changes nothing.',
  options: {
    'device-id': { type: 'string', value: 'ID', description: 'the device id on the ledger (required)' },
    identity: {
      type: 'string',
      value: 'FILE',
      description: 'FabricConfig JSON of its ledger identity, role device (required)',
    },
    'data-dir': { type: 'string', value: 'DIR', description: 'default .keyledger/devices/ID' },
    'token-label': { type: 'string', value: 'LABEL', description: 'its SoftHSM token (default device-ID)' },
  },
  api: false,
  async run(context) {
    const o = context.options;
    const deviceId = requiredOption(o['device-id'], '--device-id');
    if (!DEVICE_ID.test(deviceId)) {
      throw new UsageError({
        message: `--device-id ${deviceId}: 1-128 characters of A-Z a-z 0-9 . _ : @ / - starting with a letter or digit`,
      });
    }
    const tokenLabel = o['token-label'] ?? defaultTokenLabel(deviceId);
    if (!/^[A-Za-z0-9._-]{1,32}$/.test(tokenLabel)) {
      throw new UsageError({ message: `--token-label ${tokenLabel}: 1-32 characters of A-Z a-z 0-9 . _ -` });
    }
    const { resolve } = await import('node:path');
    const { runDeviceInit } = await import('./deviceRun.js');
    const result = await runDeviceInit({
      deviceId,
      identityFile: resolve(context.io.cwd, requiredOption(o.identity, '--identity')),
      dataDir: resolve(context.io.cwd, o['data-dir'] ?? `.keyledger/devices/${deviceId}`),
      tokenLabel,
    });
    context.emit(result, () => result.publicKey);
  },
});

const key = defineCommand({
  name: 'key',
  summary: "the device's public key (base64url), as `shards provision --public-key` takes it",
  description:
    'With --request, one line of JSON {deviceId, devicePublicKey, owner} — an item of `shards provision-batch`, ' +
    'which reads it from stdin with --file -.',
  options: {
    device: DEVICE_DIR,
    request: {
      type: 'boolean',
      description: 'print the provisioning request (JSON) instead of the key alone',
    },
  },
  api: false,
  async run(context) {
    const { resolve } = await import('node:path');
    const { runDeviceKey } = await import('./deviceRun.js');
    const result = await runDeviceKey(
      resolve(context.io.cwd, requiredOption(context.options.device, '--device')),
    );
    if (context.options.request) {
      const request = { deviceId: result.deviceId, devicePublicKey: result.publicKey, owner: result.owner };
      context.emit(request, () => JSON.stringify(request));
      return;
    }
    context.emit(result, () => result.publicKey);
  },
});

const sign = defineCommand({
  name: 'sign',
  summary: 'sign a message with the active epoch key rebuilt from the ledger; prints the signature JSON',
  description:
    'Takes K_dev from the ledger on first use, rebuilds the epoch key from its shards, checks it, signs, wipes it ' +
    'and reports the use on the ledger (unless --no-report). One line of JSON on stdout: `> sig.json` keeps it. ' +
    'A refusal (revoked, expired, tampered shards, …) is exit code 6 with its reason.',
  options: {
    device: DEVICE_DIR,
    message: { type: 'string', value: 'TEXT', description: 'the message, as UTF-8 text' },
    'message-file': { type: 'string', value: 'FILE', description: 'the message, as the bytes of a file' },
    epoch: { type: 'string', value: 'N', description: 'sign with this epoch only (default the active one)' },
    'no-report': { type: 'boolean', description: 'do not report the use on the ledger' },
  },
  api: false,
  async run(context) {
    const o = context.options;
    const dir = requiredOption(o.device, '--device');
    if (o.message === undefined && o['message-file'] === undefined) {
      throw new UsageError({ message: 'give --message TEXT or --message-file FILE' });
    }
    const message = await readInput(context.io, {
      text: o.message,
      textOption: '--message',
      file: o['message-file'],
      fileOption: '--message-file',
    });
    const epoch = integerOption(o.epoch, '--epoch', { min: 1 });
    const { resolve } = await import('node:path');
    const { runDeviceSign } = await import('./deviceRun.js');
    const signature = await runDeviceSign(resolve(context.io.cwd, dir), message, {
      ...(epoch === undefined ? {} : { epoch }),
      reportUse: o['no-report'] !== true,
    });
    context.emit(signature, () => JSON.stringify(signature));
  },
});

const status = defineCommand({
  name: 'status',
  summary: 'the device as it stands: enrolled, active epoch, validity, reported uses (read as the device)',
  options: { device: DEVICE_DIR },
  api: false,
  async run(context) {
    const { resolve } = await import('node:path');
    const { runDeviceStatus } = await import('./deviceRun.js');
    const s = await runDeviceStatus(
      resolve(context.io.cwd, requiredOption(context.options.device, '--device')),
    );
    context.emit(s, () =>
      formatFields([
        ['device', s.deviceId],
        ['enrolled', s.enrolled ? 'yes (K_dev in its token)' : 'no'],
        ['revoked', s.revoked ? 'yes' : 'no'],
        ['active epoch', s.activeEpoch === undefined ? 'none' : String(s.activeEpoch)],
        ['algorithm', s.algorithm],
        [
          'valid',
          s.validFrom === undefined ? undefined : `${formatTime(s.validFrom)} – ${formatTime(s.validUntil)}`,
        ],
        ['uses', s.uses === undefined ? '0' : `${s.uses}, last ${formatTime(s.lastUsedAt)}`],
      ]),
    );
  },
});

const start = defineCommand({
  name: 'start',
  summary: "run the device's authentication cycle until Ctrl-C; picks up each new epoch",
  description:
    'Takes K_dev on first start, then on every ledger event about the device and every poll rebuilds and checks ' +
    'the active epoch (nothing is signed). Prints "device ID ready (epoch N)", then a line per epoch.',
  options: {
    device: DEVICE_DIR,
    poll: { type: 'string', value: '<dur>', description: 'poll the ledger this often (default 30s)' },
  },
  api: false,
  async run(context) {
    const dir = requiredOption(context.options.device, '--device');
    const poll = context.options.poll;
    const pollMs = poll === undefined ? undefined : parseDuration(poll, '--poll');
    if (pollMs === 0) {
      throw new UsageError({ message: '--poll must be more than 0' });
    }
    const { resolve } = await import('node:path');
    const { runDeviceStart } = await import('./deviceRun.js');
    await runDeviceStart(resolve(context.io.cwd, dir), pollMs, (line) =>
      context.io.stdout.write(`${line}\n`),
    );
  },
});

function renderVerdict(v: DeviceVerdict): string {
  return formatFields([
    ['valid', v.valid ? 'yes' : `no${v.problem ? `: ${v.problem}` : ''}`],
    ['signature', v.signatureValid ? 'verifies under the epoch key' : 'does not verify'],
    ['device', v.deviceId],
    ['epoch', String(v.epoch)],
    [
      'epoch now',
      v.epochStatus === undefined
        ? undefined
        : v.epochStatus +
          (v.invalidatedReason ? ` (${v.invalidatedReason}, ${formatTime(v.invalidatedAt)})` : ''),
    ],
    [
      'epoch validity',
      v.validFrom === undefined ? undefined : `${formatTime(v.validFrom)} – ${formatTime(v.validUntil)}`,
    ],
    ['valid at signing', v.validAtSigning ? 'yes' : 'no'],
    [
      'reported uses',
      `${v.reportedUses}${v.lastReportedUseIsThisMessage ? ' (the last one is this message)' : ''}`,
    ],
  ]);
}

const verify = defineCommand({
  name: 'verify',
  summary: "verify a device signature against its epoch's public key on the ledger; exit code 6 when invalid",
  options: {
    signature: {
      type: 'string',
      value: 'FILE|-',
      description: 'the signature JSON `device sign` printed (required)',
    },
    message: { type: 'string', value: 'TEXT', description: 'the message, as UTF-8 text' },
    'message-file': { type: 'string', value: 'FILE', description: 'the message, as the bytes of a file' },
  },
  fields: {
    'body.signature': '--signature',
    'body.signature.deviceId': '--signature',
    'body.signature.epoch': '--signature',
    'body.signature.algorithm': '--signature',
    'body.signature.signedAt': '--signature',
    'body.signature.messageDigest': '--signature',
    'body.signature.signature': '--signature',
    'body.message': '--message',
    'body.messageBase64': '--message-file',
  },
  api: true,
  async run(context) {
    const o = context.options;
    const from = requiredOption(o.signature, '--signature');
    if ((o.message === undefined) === (o['message-file'] === undefined)) {
      throw new UsageError({ message: 'give --message TEXT or --message-file FILE (one of them)' });
    }
    const text = (
      from === '-' ? await readAll(context.io.stdin) : readFileOption(context.io, from, '--signature')
    ).toString('utf8');
    let signature: unknown;
    try {
      signature = JSON.parse(text);
    } catch (error) {
      throw new UsageError({
        message: `--signature ${from}: not JSON: ${(error as Error).message}`,
        cause: error,
      });
    }
    const message =
      o.message !== undefined
        ? { message: o.message }
        : {
            messageBase64: (
              await readInput(context.io, {
                file: o['message-file'],
                fileOption: '--message-file',
                textOption: '--message',
              })
            ).toString('base64'),
          };
    const { body } = await context.client().request<DeviceVerdict>({
      method: 'POST',
      path: '/v1/shards/verify',
      body: { ...message, signature },
    });
    context.emit(body, () => renderVerdict(body));
    if (!body.valid) {
      throw new CheckFailedError(
        `the device signature is not valid: ${body.problem ?? (body.validAtSigning ? 'invalid' : 'the epoch was not valid when it was signed')}`,
      );
    }
  },
});

/** `keyledger device …`. */
export const deviceGroup: CommandGroup = defineGroup(
  'device',
  'a shard device: its directory and token, signing with its epoch key, its authentication cycle; verification',
  [init, key, sign, status, start, verify],
);
