import { request, type Agent } from 'node:https';

/** Why a JSON call over a pinned TLS agent failed before an answer could be judged. */
export type JsonCallFailure = 'connection' | 'timeout' | 'server';

export interface JsonCallErrors {
  /** No answer (connection, timeout) or a 2xx whose body is not JSON (server, with its status). */
  failure(kind: JsonCallFailure, message: string, cause?: unknown, status?: number): Error;
  /** A non-2xx answer, from its status and body text (a problem document, usually). */
  refusal(status: number, text: string): Error;
}

export interface JsonCall {
  readonly agent: Agent;
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  readonly body?: unknown;
  readonly signal: AbortSignal;
  /** Larger answers are cut off as a connection failure. */
  readonly maxAnswerBytes: number;
}

/**
 * One JSON request over an HTTPS agent whose TLS settings (pinned server certificate, client certificate) the
 * caller made; every failure becomes the caller's own error class, so key providers and security modules share
 * the transport and keep their errors.
 */
export function requestJson<T>(call: JsonCall, errors: JsonCallErrors): Promise<T> {
  const { signal } = call;
  const payload = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
  return new Promise<T>((resolve, reject) => {
    const fail = (kind: 'connection' | 'timeout', message: string, cause?: unknown): void =>
      reject(errors.failure(kind, message, cause));
    if (signal.aborted) {
      fail('timeout', 'no time left for the call', signal.reason);
      return;
    }
    const outgoing = request(
      call.url,
      {
        method: call.method,
        agent: call.agent,
        signal,
        headers: {
          accept: 'application/json',
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > call.maxAnswerBytes) {
            response.destroy(new Error('answer too large'));
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', (error) =>
          signal.aborted
            ? fail('timeout', 'no answer in time', error)
            : fail('connection', 'the answer was cut off', error),
        );
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            reject(errors.refusal(status, text));
            return;
          }
          try {
            resolve(JSON.parse(text) as T);
          } catch (error) {
            reject(errors.failure('server', 'answered with a body that is not JSON', error, status));
          }
        });
      },
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (signal.aborted) {
        fail('timeout', 'no answer in time', error);
      } else {
        fail('connection', `could not be reached (${error.code ?? error.message})`, error);
      }
    });
    outgoing.end(payload);
  });
}
