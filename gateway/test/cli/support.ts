import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../src/cli/run';
import type { CliIo } from '../../src/command';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stdoutBytes: Buffer;
  readonly stderr: string;
}

function sink(): { stream: PassThrough; bytes: () => Buffer } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, bytes: () => Buffer.concat(chunks) };
}

/** Runs the dispatcher in-process with buffers for stdout/stderr and the given stdin (a terminal when absent). */
export async function cli(
  argv: readonly string[],
  options: Readonly<{ env?: Record<string, string>; stdin?: Buffer; cwd?: string }> = {},
): Promise<CliRun> {
  const stdout = sink();
  const stderr = sink();
  const stdin =
    options.stdin === undefined
      ? Object.assign(Readable.from([]), { isTTY: true })
      : Readable.from([options.stdin]);
  const io: CliIo = {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin,
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
  };
  const code = await runCli(argv, io);
  await new Promise((resolve) => setImmediate(resolve));
  return {
    code,
    stdout: stdout.bytes().toString('utf8'),
    stdoutBytes: stdout.bytes(),
    stderr: stderr.bytes().toString('utf8'),
  };
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

export interface FakeAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A stand-in for the REST API: answers by `METHOD path` (without query) and records every request. */
export async function fakeApi(
  answer: (request: RecordedRequest) => FakeAnswer,
): Promise<{ url: string; requests: RecordedRequest[]; close(): Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      };
      requests.push(recorded);
      const reply = answer(recorded);
      const problem = reply.status >= 400;
      res.writeHead(reply.status, {
        'content-type': problem ? 'application/problem+json' : 'application/json',
        ...reply.headers,
      });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function problem(
  status: number,
  type: string,
  detail: string,
  extra: Record<string, unknown> = {},
): FakeAnswer {
  return {
    status,
    body: { type: `urn:keyledger:problem:${type}`, title: type, status, detail, instance: '/', ...extra },
  };
}
