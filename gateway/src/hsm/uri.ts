import { HsmError } from './errors';
import type { KeyClass } from './keys';

/** A key addressed by a PKCS#11 URI (RFC 7512), e.g. `pkcs11:token=validator1;object=fabric-id;type=private?pin-value=1234`. */
export interface Pkcs11Uri {
  readonly token?: string;
  readonly object?: string;
  readonly type?: KeyClass | 'cert' | 'data';
  readonly id?: Buffer;
  readonly pinValue?: string;
  readonly pinSource?: string;
  readonly modulePath?: string;
}

const pathAttributes = new Set([
  'token',
  'object',
  'type',
  'id',
  'manufacturer',
  'model',
  'serial',
  'library-description',
  'library-manufacturer',
  'library-version',
  'slot-description',
  'slot-id',
  'slot-manufacturer',
]);
const queryAttributes = new Set(['pin-value', 'pin-source', 'module-name', 'module-path']);
const types = new Set(['secret', 'private', 'public', 'cert', 'data']);

function decode(value: string, attribute: string): Buffer {
  if (/%(?![0-9a-fA-F]{2})/.test(value)) {
    throw new HsmError({ message: `PKCS#11 URI attribute ${attribute} has a bad percent-encoding` });
  }
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i += 1) {
    if (value[i] === '%') {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(value[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function encode(value: Uint8Array | string, all = false): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out +=
      !all && /[A-Za-z0-9\-._~:[\]@!$'()*+,=&]/.test(char) ? char : `%${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (!uri.startsWith('pkcs11:')) {
    throw new HsmError({ message: 'a PKCS#11 URI starts with "pkcs11:"' });
  }
  const [path = '', query = ''] = uri.slice('pkcs11:'.length).split('?', 2);
  const result: Record<string, string | Buffer> = {};
  for (const [part, separator, allowed] of [
    [path, ';', pathAttributes],
    [query, '&', queryAttributes],
  ] as const) {
    for (const pair of part.split(separator).filter(Boolean)) {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      if (!allowed.has(name)) {
        throw new HsmError({ message: `unknown PKCS#11 URI attribute ${name}` });
      }
      if (name in result) {
        throw new HsmError({ message: `PKCS#11 URI attribute ${name} appears twice` });
      }
      const raw = decode(eq < 0 ? '' : pair.slice(eq + 1), name);
      result[name] = name === 'id' ? raw : raw.toString('utf8');
    }
  }
  const type = result['type'] as string | undefined;
  if (type !== undefined && !types.has(type)) {
    throw new HsmError({ message: `PKCS#11 URI type must be one of ${[...types].join(', ')}` });
  }
  return {
    token: result['token'] as string | undefined,
    object: result['object'] as string | undefined,
    type: type as Pkcs11Uri['type'],
    id: result['id'] as Buffer | undefined,
    pinValue: result['pin-value'] as string | undefined,
    pinSource: result['pin-source'] as string | undefined,
    modulePath: result['module-path'] as string | undefined,
  };
}

export function formatPkcs11Uri(uri: Pkcs11Uri): string {
  const path: string[] = [];
  if (uri.token !== undefined) path.push(`token=${encode(uri.token)}`);
  if (uri.object !== undefined) path.push(`object=${encode(uri.object)}`);
  if (uri.type !== undefined) path.push(`type=${uri.type}`);
  if (uri.id !== undefined) path.push(`id=${encode(uri.id, true)}`);
  const query: string[] = [];
  if (uri.pinValue !== undefined) query.push(`pin-value=${encode(uri.pinValue)}`);
  if (uri.pinSource !== undefined) query.push(`pin-source=${encode(uri.pinSource)}`);
  if (uri.modulePath !== undefined) query.push(`module-path=${encode(uri.modulePath)}`);
  return `pkcs11:${path.join(';')}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}
