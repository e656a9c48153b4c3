import { apiPath } from '../../client';
import {
  CheckFailedError,
  defineCommand,
  defineGroup,
  formatFields,
  formatTable,
  formatTime,
  integerOption,
  parseDuration,
  readAll,
  readFileOption,
  requiredOption,
  UsageError,
  type CommandGroup,
} from '../../command';

/*
 * `keyledger shards …`: the shard generator's REST API. Only types come from the shards code: the dispatcher
 * must not load the HSM or Fabric layers for a REST command.
 */

const ALGORITHMS = ['Ed25519', 'ES256'] as const;
type Algorithm = (typeof ALGORITHMS)[number];

interface MapView {
  readonly deviceId: string;
  readonly epoch: number;
  readonly n: number;
  readonly status: string;
  readonly validFrom: number;
  readonly validUntil: number;
  readonly algorithm?: string;
  readonly publicKey?: string;
}

interface ProvisionView {
  readonly deviceId: string;
  readonly epoch: number;
  readonly replay: boolean;
  readonly map: MapView;
}

interface BatchView {
  readonly provisioned: number;
  readonly replayed: number;
  readonly failed: number;
  readonly results: readonly {
    readonly deviceId: string;
    readonly epoch?: number;
    readonly replay?: boolean;
    readonly error?: { readonly type: string; readonly detail: string };
  }[];
}

interface DeviceListView {
  readonly devices: readonly {
    readonly deviceId: string;
    readonly activeEpoch?: number;
    readonly latestEpoch: number;
    readonly validUntil?: number;
    readonly rotateAt?: number;
    readonly collectAt?: number;
    readonly revoked: boolean;
  }[];
  readonly total: number;
}

interface DeviceView {
  readonly head: {
    readonly deviceId: string;
    readonly latestEpoch: number;
    readonly activeEpoch?: number;
    readonly publisherMspId: string;
    readonly enrolled?: boolean;
    readonly deviceOwner?: { readonly mspId: string; readonly fingerprint: string };
    readonly revoked?: { readonly at: number; readonly reason: string };
  };
  readonly epochs: readonly {
    readonly epoch: number;
    readonly status: string;
    readonly validFrom: number;
    readonly validUntil: number;
    readonly invalidatedAt?: number;
    readonly invalidatedReason?: string;
    readonly collectedAt?: number;
    readonly collectedShards?: number;
  }[];
  readonly schedule: { readonly rotateAt?: number; readonly collectAt?: number } | null;
  readonly activeUse: { readonly uses: number; readonly lastUsedAt: number } | null;
}

function algorithmOption(value: string | undefined): Algorithm | undefined {
  if (value === undefined) return undefined;
  if (!(ALGORITHMS as readonly string[]).includes(value)) {
    throw new UsageError({ message: `--algorithm must be ${ALGORITHMS.join(' or ')}, got '${value}'` });
  }
  return value as Algorithm;
}

/** `MSPID:FINGERPRINT` → the owner the API takes; the API checks the parts. */
function ownerOption(value: string | undefined): { mspId: string; fingerprint: string } | undefined {
  if (value === undefined) return undefined;
  const at = value.lastIndexOf(':');
  if (at <= 0 || at === value.length - 1) {
    throw new UsageError({ message: `--owner ${value}: expected MSPID:FINGERPRINT` });
  }
  return { mspId: value.slice(0, at), fingerprint: value.slice(at + 1) };
}

function renderMap(map: MapView): string {
  return formatFields([
    ['device', map.deviceId],
    ['epoch', String(map.epoch)],
    ['status', map.status],
    ['shards', String(map.n)],
    ['algorithm', map.algorithm],
    ['valid', `${formatTime(map.validFrom)} – ${formatTime(map.validUntil)}`],
    ['public key', map.publicKey],
  ]);
}

const DEVICE_ARG = { name: '<deviceId>', description: 'the device id on the ledger' } as const;

const provision = defineCommand({
  name: 'provision',
  summary: 'provision a device: K_dev wrapped to its key, epoch 1 published (role admin or provider)',
  description:
    'The public key is what `keyledger device init` printed. A retry with the same key says "already ' +
    'provisioned" and changes nothing; another key for the same id is refused.',
  args: [DEVICE_ARG],
  options: {
    'public-key': {
      type: 'string',
      value: 'B64URL',
      description: "the device's P-256 public point (required)",
    },
    owner: {
      type: 'string',
      value: 'MSPID:FINGERPRINT',
      description: "the device's ledger identity: only it may read its maps",
    },
    n: { type: 'string', value: 'N', description: 'shards per epoch, 1-32 (default the policy)' },
    algorithm: { type: 'string', value: ALGORITHMS.join('|'), description: 'epoch key algorithm' },
  },
  fields: {
    'body.deviceId': '<deviceId>',
    'body.devicePublicKey': '--public-key',
    'body.owner': '--owner',
    'body.owner.mspId': '--owner',
    'body.owner.fingerprint': '--owner',
    'body.n': '--n',
    'body.algorithm': '--algorithm',
  },
  api: true,
  async run(context) {
    const [deviceId = ''] = context.args;
    const o = context.options;
    const owner = ownerOption(o.owner);
    const n = integerOption(o.n, '--n');
    const algorithm = algorithmOption(o.algorithm);
    const { body } = await context.client().request<ProvisionView>({
      method: 'POST',
      path: '/v1/shards/devices',
      body: {
        deviceId,
        devicePublicKey: requiredOption(o['public-key'], '--public-key'),
        ...(owner === undefined ? {} : { owner }),
        ...(n === undefined ? {} : { n }),
        ...(algorithm === undefined ? {} : { algorithm }),
      },
    });
    context.emit(body, () =>
      [
        body.replay
          ? `device ${body.deviceId} was already provisioned (epoch ${body.epoch}); nothing changed`
          : `device ${body.deviceId} provisioned (epoch ${body.epoch})`,
        renderMap(body.map),
      ].join('\n'),
    );
  },
});

/** The batch file: a JSON array of items, or one JSON object per line. */
function batchItems(text: string, file: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed;
    } catch (error) {
      throw new UsageError({
        message: `--file ${file}: not JSON: ${(error as Error).message}`,
        cause: error,
      });
    }
  }
  return trimmed
    .split('\n')
    .map((line, index) => ({ line: line.trim(), index }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, index }) => {
      try {
        return JSON.parse(line) as unknown;
      } catch (error) {
        throw new UsageError({
          message: `--file ${file}: line ${index + 1} is not JSON: ${(error as Error).message}`,
          cause: error,
        });
      }
    });
}

const provisionBatch = defineCommand({
  name: 'provision-batch',
  summary: 'provision up to 1000 devices from a file; exit code 6 when any failed',
  description:
    'FILE: a JSON array of {deviceId, devicePublicKey, owner?, n?, algorithm?}, or one such object per line. ' +
    'An invalid item refuses the whole batch (nothing provisioned); otherwise each device is provisioned on ' +
    'its own and the table says which were provisioned, already provisioned or failed.',
  options: {
    file: {
      type: 'string',
      value: 'FILE',
      description: 'the devices: a JSON array or JSON lines (required; - reads stdin)',
    },
  },
  fields: { 'body.devices': '--file' },
  api: true,
  async run(context) {
    const file = requiredOption(context.options.file, '--file');
    const bytes = file === '-' ? await readAll(context.io.stdin) : readFileOption(context.io, file, '--file');
    const devices = batchItems(bytes.toString('utf8'), file === '-' ? 'stdin' : file);
    const { body } = await context.client().request<BatchView>({
      method: 'POST',
      path: '/v1/shards/devices/batch',
      body: { devices },
    });
    context.emit(body, () =>
      [
        formatTable(
          ['DEVICE', 'RESULT', 'EPOCH', 'DETAIL'],
          body.results.map((r) => [
            r.deviceId,
            r.error ? `failed (${r.error.type})` : r.replay ? 'already provisioned' : 'provisioned',
            r.epoch === undefined ? '-' : String(r.epoch),
            r.error?.detail ?? '',
          ]),
        ),
        `${body.provisioned} provisioned, ${body.replayed} already provisioned, ${body.failed} failed`,
      ].join('\n'),
    );
    if (body.failed > 0) {
      throw new CheckFailedError(`${body.failed} of ${body.results.length} devices were not provisioned`);
    }
  },
});

const devices = defineCommand({
  name: 'devices',
  summary: 'the devices the generator holds a key for: epochs, validity and schedule',
  options: {
    limit: { type: 'string', value: 'N', description: 'at most N devices (default 100)' },
    offset: { type: 'string', value: 'N', description: 'skip N devices' },
  },
  fields: { 'query.limit': '--limit', 'query.offset': '--offset' },
  api: true,
  async run(context) {
    const { body } = await context.client().request<DeviceListView>({
      method: 'GET',
      path: '/v1/shards/devices',
      query: {
        limit: integerOption(context.options.limit, '--limit'),
        offset: integerOption(context.options.offset, '--offset'),
      },
    });
    context.emit(body, () =>
      [
        formatTable(
          ['DEVICE', 'ACTIVE', 'LATEST', 'VALID UNTIL', 'ROTATES', 'COLLECTS', 'REVOKED'],
          body.devices.map((d) => [
            d.deviceId,
            d.activeEpoch === undefined ? '-' : String(d.activeEpoch),
            String(d.latestEpoch),
            formatTime(d.validUntil),
            formatTime(d.rotateAt),
            formatTime(d.collectAt),
            d.revoked ? 'yes' : 'no',
          ]),
        ),
        `${body.devices.length} of ${body.total} devices`,
      ].join('\n'),
    );
  },
});

function renderDevice(view: DeviceView): string {
  const { head } = view;
  const summary = formatFields([
    ['device', head.deviceId],
    ['active epoch', head.activeEpoch === undefined ? 'none' : String(head.activeEpoch)],
    ['latest epoch', String(head.latestEpoch)],
    ['publisher', head.publisherMspId],
    ['owner', head.deviceOwner ? `${head.deviceOwner.mspId}:${head.deviceOwner.fingerprint}` : undefined],
    ['enrolled', head.enrolled ? 'yes' : 'no'],
    ['revoked', head.revoked ? `${formatTime(head.revoked.at)}: ${head.revoked.reason}` : 'no'],
    ['next rotation', view.schedule?.rotateAt === undefined ? undefined : formatTime(view.schedule.rotateAt)],
    [
      'next collection',
      view.schedule?.collectAt === undefined ? undefined : formatTime(view.schedule.collectAt),
    ],
    [
      'uses (active)',
      view.activeUse ? `${view.activeUse.uses}, last ${formatTime(view.activeUse.lastUsedAt)}` : 'none',
    ],
  ]);
  const epochs = formatTable(
    ['EPOCH', 'STATUS', 'VALID FROM', 'VALID UNTIL', 'INVALIDATED', 'COLLECTED'],
    view.epochs.map((e) => [
      String(e.epoch),
      e.status + (e.invalidatedReason ? ` (${e.invalidatedReason})` : ''),
      formatTime(e.validFrom),
      formatTime(e.validUntil),
      formatTime(e.invalidatedAt),
      e.collectedAt === undefined ? '-' : `${e.collectedShards ?? 0} shards`,
    ]),
  );
  return `${summary}\n\n${epochs}`;
}

const device = defineCommand({
  name: 'device',
  summary: 'one device as the ledger has it (read as you): epochs, schedule, uses',
  args: [DEVICE_ARG],
  options: {},
  fields: { 'path.deviceId': '<deviceId>' },
  api: true,
  async run(context) {
    const [deviceId = ''] = context.args;
    const { body } = await context
      .client()
      .request<DeviceView>({ method: 'GET', path: apiPath`/v1/shards/devices/${deviceId}` });
    context.emit(body, () => renderDevice(body));
  },
});

const rotate = defineCommand({
  name: 'rotate',
  summary: "publish the device's next epoch now; the active one is invalidated (role admin or provider)",
  args: [DEVICE_ARG],
  options: {
    n: { type: 'string', value: 'N', description: 'shards of the new epoch, 1-32 (default the policy)' },
    algorithm: { type: 'string', value: ALGORITHMS.join('|'), description: 'epoch key algorithm' },
  },
  fields: { 'path.deviceId': '<deviceId>', 'body.n': '--n', 'body.algorithm': '--algorithm' },
  api: true,
  async run(context) {
    const [deviceId = ''] = context.args;
    const n = integerOption(context.options.n, '--n');
    const algorithm = algorithmOption(context.options.algorithm);
    const { body } = await context.client().request<MapView>({
      method: 'POST',
      path: apiPath`/v1/shards/devices/${deviceId}/rotate`,
      body: { ...(n === undefined ? {} : { n }), ...(algorithm === undefined ? {} : { algorithm }) },
    });
    context.emit(body, () => renderMap(body));
  },
});

const revoke = defineCommand({
  name: 'revoke',
  summary: 'revoke a device (as you, on the ledger) and destroy its K_dev in the generator; final',
  args: [DEVICE_ARG],
  options: {
    reason: { type: 'string', value: 'TEXT', description: 'why, recorded on the ledger (required)' },
  },
  fields: { 'path.deviceId': '<deviceId>', 'body.reason': '--reason' },
  api: true,
  async run(context) {
    const [deviceId = ''] = context.args;
    const reason = requiredOption(context.options.reason, '--reason');
    const { body } = await context.client().request<{
      head: { deviceId: string; revoked?: { at: number; reason: string } };
      keyDestroyed: boolean;
    }>({ method: 'POST', path: apiPath`/v1/shards/devices/${deviceId}/revoke`, body: { reason } });
    context.emit(body, () =>
      formatFields([
        ['revoked', body.head.deviceId],
        ['at', formatTime(body.head.revoked?.at)],
        ['reason', body.head.revoked?.reason ?? reason],
        ['K_dev destroyed', body.keyDestroyed ? 'yes' : 'no (this generator did not hold it)'],
      ]),
    );
  },
});

const collect = defineCommand({
  name: 'collect',
  summary: "delete the shards of the device's epochs invalidated at least the retention ago",
  args: [DEVICE_ARG],
  options: {
    retention: { type: 'string', value: '<dur>', description: 'e.g. 0, 1h, 7d (default the policy)' },
  },
  fields: { 'path.deviceId': '<deviceId>', 'body.retentionMs': '--retention' },
  api: true,
  async run(context) {
    const [deviceId = ''] = context.args;
    const { retention } = context.options;
    const retentionMs = retention === undefined ? undefined : parseDuration(retention, '--retention');
    const { body } = await context.client().request<{
      deviceId: string;
      deleted: number;
      epochs: number[];
      invalidatedBefore: number;
    }>({
      method: 'POST',
      path: apiPath`/v1/shards/devices/${deviceId}/collect`,
      body: retentionMs === undefined ? {} : { retentionMs },
    });
    context.emit(body, () =>
      formatFields([
        ['device', body.deviceId],
        ['shards deleted', String(body.deleted)],
        ['epochs', body.epochs.join(', ') || 'none'],
        ['invalidated before', formatTime(body.invalidatedBefore)],
      ]),
    );
  },
});

/** `keyledger shards …`. */
export const shardsGroup: CommandGroup = defineGroup(
  'shards',
  'device key shards: provision, list, rotate, revoke and collect devices of the shard generator',
  [provision, provisionBatch, devices, device, rotate, revoke, collect],
);
