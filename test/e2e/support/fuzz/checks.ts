/**
 * What every answer must satisfy, whatever was asked: no server error, errors as RFC 9457 problem documents of
 * the documented types, and a status the document declares for the operation. Returns the violations found
 * (empty when the answer is fine) so one report can list them all.
 */
import type { ApiDocument, Operation } from './document';
import type { WireResponse } from './client';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
/** The API lists at most this many field errors in one answer. */
export const MAX_FIELD_ERRORS = 20;

function header(response: WireResponse, name: string): string | undefined {
  const value = response.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The operation that a request with this method on this operation's path reaches, if the document has one. */
export function targetOperation(
  document: ApiDocument,
  operation: Operation,
  method: string,
): Operation | undefined {
  return document.operations.find(
    (candidate) => candidate.path === operation.path && candidate.method === method,
  );
}

/** (1) Never a 5xx, except the 503 /health answers when a dependency is down (a defined answer). */
function serverErrors(operation: Operation, response: WireResponse): string[] {
  if (response.status < 500) {
    return [];
  }
  if (response.status === 503 && operation.path === '/health') {
    return [];
  }
  return [`status ${response.status} is a server error`];
}

/** (2) A 4xx is a problem document with the documented members. */
function problemShape(document: ApiDocument, response: WireResponse): string[] {
  if (response.status < 400 || response.status >= 500) {
    return [];
  }
  const out: string[] = [];
  const contentType = header(response, 'content-type');
  if (contentType !== PROBLEM_CONTENT_TYPE) {
    out.push(`content-type is ${JSON.stringify(contentType)}, not ${PROBLEM_CONTENT_TYPE}`);
  }
  let problem: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(response.body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return [...out, 'the body is JSON but not an object'];
    }
    problem = parsed as Record<string, unknown>;
  } catch {
    return [...out, 'the body is not JSON'];
  }
  for (const member of document.problemRequired) {
    if (problem[member] === undefined) {
      out.push(`member ${member} is missing`);
    }
  }
  const type = problem['type'];
  const documented = typeof type === 'string' ? document.problemTypes.get(type) : undefined;
  if (documented === undefined) {
    out.push(`type ${JSON.stringify(type)} is not a problem type the document lists`);
  } else if (documented !== response.status) {
    out.push(
      `type ${String(type)} is documented with status ${documented}, answered with ${response.status}`,
    );
  }
  if (problem['status'] !== response.status) {
    out.push(
      `status member ${JSON.stringify(problem['status'])} differs from the HTTP status ${response.status}`,
    );
  }
  for (const member of ['title', 'detail']) {
    const value = problem[member];
    if (typeof value !== 'string' || value.trim().length === 0) {
      out.push(`${member} is not a non-empty string`);
    }
  }
  if (problem['instance'] !== undefined && typeof problem['instance'] !== 'string') {
    out.push('instance is not a string');
  }
  const requestId = header(response, 'x-request-id');
  if (requestId === undefined || problem['requestId'] !== requestId) {
    out.push(
      `requestId ${JSON.stringify(problem['requestId'])} differs from the X-Request-Id header ${JSON.stringify(requestId)}`,
    );
  }
  const errors = problem['errors'];
  if (errors !== undefined) {
    if (!Array.isArray(errors)) {
      out.push('errors is not an array');
    } else {
      if (errors.length > MAX_FIELD_ERRORS) {
        out.push(`errors lists ${errors.length} entries, more than ${MAX_FIELD_ERRORS}`);
      }
      const malformed = errors.filter(
        (entry: unknown) =>
          typeof entry !== 'object' ||
          entry === null ||
          Object.keys(entry).sort().join(',') !== 'message,path' ||
          typeof (entry as Record<string, unknown>)['path'] !== 'string' ||
          typeof (entry as Record<string, unknown>)['message'] !== 'string',
      );
      if (malformed.length > 0) {
        out.push(
          `errors has entries that are not {path, message}: ${JSON.stringify(malformed[0]).slice(0, 200)}`,
        );
      }
    }
  }
  return out;
}

/** (4) The status is one the document declares for the operation the request reached. */
function documentedStatus(
  document: ApiDocument,
  operation: Operation,
  method: string,
  response: WireResponse,
): string[] {
  const target = targetOperation(document, operation, method) ?? operation;
  if (target.statuses.has(response.status)) {
    return [];
  }
  const declared = [...target.statuses].sort((a, b) => a - b).join(', ');
  return [
    `status ${response.status} is not declared for ${target.method} ${target.path} (declared: ${declared})`,
  ];
}

/** Properties (1), (2) and (4) of one answer. */
export function checkResponse(
  document: ApiDocument,
  operation: Operation,
  method: string,
  response: WireResponse,
): string[] {
  return [
    ...serverErrors(operation, response),
    ...problemShape(document, response),
    ...documentedStatus(document, operation, method, response),
  ];
}
