/**
 * Turns a fuzz case into bytes on a socket and reads the answer. node:http, not fetch: fetch normalises `..`
 * and `%2e%2e` out of a URL and refuses odd headers, and the point is to send exactly what was generated.
 */
import { request } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { FuzzCase } from './requests';

/** Where symbolic parts of a case come from when it is sent. */
export interface CaseEnvironment {
  /** The API's bearer token of a participant. */
  tokenOf(participant: string): string;
  /** Ids of resources that exist now, for a path parameter of this name. */
  existing(parameter: string): readonly string[];
}

export interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Buffer | undefined;
  readonly chunked: boolean;
}

export interface WireResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

function authorization(fuzz: FuzzCase, env: CaseEnvironment): string | undefined {
  const auth = fuzz.auth;
  switch (auth.kind) {
    case 'none':
      return undefined;
    case 'raw':
      return auth.value;
    case 'token': {
      const token = env.tokenOf(auth.participant);
      switch (auth.form) {
        case 'bearer':
          return `Bearer ${token}`;
        case 'lowercase scheme':
          return `bearer ${token}`;
        case 'extra spaces':
          return `Bearer   ${token}  `;
        case 'trailing junk':
          return `Bearer ${token} junk`;
        case 'basic scheme':
          return `Basic ${token}`;
      }
    }
  }
}

function bodyBytes(fuzz: FuzzCase): Buffer | undefined {
  const body = fuzz.body;
  switch (body.kind) {
    case 'none':
      return undefined;
    case 'json':
      return Buffer.from(JSON.stringify(body.value) ?? 'null');
    case 'bytes':
      return body.bytes;
  }
}

function encoded(fuzz: FuzzCase, body: Buffer | undefined): { body: Buffer | undefined; encoding?: string } {
  const plain = body ?? Buffer.alloc(0);
  switch (fuzz.encoding) {
    case 'none':
      return { body };
    case 'identity':
      return { body, encoding: 'identity' };
    case 'gzip':
      return { body: gzipSync(plain), encoding: 'gzip' };
    case 'gzip-garbage':
      return { body: Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), plain]), encoding: 'gzip' };
    case 'gzip-truncated': {
      const zipped = gzipSync(plain);
      return { body: zipped.subarray(0, Math.max(1, zipped.length - 6)), encoding: 'gzip' };
    }
    case 'gzip-bomb':
      // Small on the wire, megabytes once inflated: the body limit must apply to what is inflated.
      return {
        body: gzipSync(Buffer.concat([plain, Buffer.alloc(3 * 1024 * 1024, 0x20)])),
        encoding: 'gzip',
      };
    case 'deflate-garbage':
      return {
        body: Buffer.concat([Buffer.from('garbage'), deflateSync(plain).subarray(2)]),
        encoding: 'deflate',
      };
    case 'br-garbage':
      return {
        body: Buffer.concat([Buffer.from([0xff, 0xff, 0xff]), brotliCompressSync(plain)]),
        encoding: 'br',
      };
    case 'unsupported':
      return { body, encoding: 'compress' };
  }
}

/** Header values go out as latin-1 bytes; anything wider is sent as its UTF-8 bytes. */
function wire(value: string): string {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(value) ? value : Buffer.from(value, 'utf8').toString('latin1');
}

/** The concrete request of a case, with symbolic parts resolved against the stack as it is now. */
export function wireRequest(fuzz: FuzzCase, env: CaseEnvironment): WireRequest {
  let path = fuzz.operation.path.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    const value = fuzz.pathValues[name];
    if (value === undefined) {
      return '';
    }
    if (value.kind === 'segment') {
      return value.raw;
    }
    const pool = env.existing(name);
    return encodeURIComponent(
      pool.length > 0 ? (pool[value.pick % pool.length] as string) : 'nothing-exists',
    );
  });
  if (fuzz.query.length > 0) {
    path += `?${fuzz.query.map((part) => part.raw).join('&')}`;
  }
  if (fuzz.rawQueryTail !== null) {
    path += fuzz.query.length > 0 ? fuzz.rawQueryTail.replace(/^\?/, '&') : fuzz.rawQueryTail;
  }
  const headers: Record<string, string | readonly string[]> = {};
  const auth = authorization(fuzz, env);
  if (auth !== undefined) {
    headers['Authorization'] = wire(auth);
  }
  const { body, encoding } = encoded(fuzz, bodyBytes(fuzz));
  if (fuzz.contentType !== null) {
    headers['Content-Type'] = fuzz.contentType;
  }
  if (encoding !== undefined) {
    headers['Content-Encoding'] = encoding;
  }
  for (const [name, value] of Object.entries(fuzz.headers)) {
    headers[name] = typeof value === 'string' ? wire(value) : value.map(wire);
  }
  return { method: fuzz.method, path, headers, body, chunked: fuzz.chunked && body !== undefined };
}

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** Sends one request on its own connection and reads the whole answer (bounded). */
export function send(baseUrl: string, req: WireRequest, timeoutMs = 30_000): Promise<WireResponse> {
  const url = new URL(baseUrl);
  return new Promise<WireResponse>((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      headers[name] = typeof value === 'string' ? value : [...value];
    }
    // Explicit framing: node:http sends a GET or DELETE body with neither header, which the server would read
    // as the start of a second request.
    if (req.body !== undefined) {
      headers[req.chunked ? 'Transfer-Encoding' : 'Content-Length'] = req.chunked
        ? 'chunked'
        : String(req.body.length);
    }
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers,
        agent: false,
        timeout: timeoutMs,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_RESPONSE_BYTES) {
            chunks.push(chunk);
          }
        });
        incoming.on('error', reject);
        incoming.on('end', () =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    if (req.body !== undefined && req.chunked) {
      const half = Math.floor(req.body.length / 2);
      outgoing.write(req.body.subarray(0, half));
      outgoing.end(req.body.subarray(half));
    } else {
      outgoing.end(req.body);
    }
  });
}

/** The request as a failure report shows it: tokens replaced, long values cut. */
export function describeWire(req: WireRequest, tokens: readonly string[]): string {
  const redact = (text: string): string =>
    tokens.reduce((out, token) => out.split(token).join('<token>'), text);
  const cut = (text: string, max: number): string =>
    text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
  const headers = Object.entries(req.headers)
    .map(
      ([name, value]) =>
        `  ${name}: ${cut(redact(typeof value === 'string' ? value : value.join(' | ')), 200)}`,
    )
    .join('\n');
  const body =
    req.body === undefined
      ? '(none)'
      : `${cut(JSON.stringify(req.body.subarray(0, 600).toString('latin1')), 500)} (${req.body.length} bytes)`;
  return `${req.method} ${cut(req.path, 300)}\n${headers}\n  body: ${body}`;
}
