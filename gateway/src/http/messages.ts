import { z } from 'zod';
import type { $ZodRawIssue } from 'zod/v4/core';

type Issue = $ZodRawIssue;

function bound(
  kind: 'least' | 'most',
  value: unknown,
  inclusive: boolean | undefined,
  origin: unknown,
): string {
  const unit = origin === 'string' ? ' characters' : origin === 'array' || origin === 'set' ? ' items' : '';
  if (inclusive === false) {
    return kind === 'least'
      ? `must be more than ${String(value)}${unit}`
      : `must be less than ${String(value)}${unit}`;
  }
  return `must be at ${kind} ${String(value)}${unit}`;
}

/**
 * Field messages in the API's own voice ("must be at least 1"), the way the hand-written messages of the schemas
 * read, instead of zod's defaults ("Too small: expected number to be >=1"). A schema's own message wins.
 */
export function apiMessage(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'too_small':
      return bound('least', issue.minimum, issue.inclusive, issue.origin);
    case 'too_big':
      return bound('most', issue.maximum, issue.inclusive, issue.origin);
    case 'invalid_type':
      return issue.expected === 'int' ? 'must be an integer' : `must be ${article(String(issue.expected))}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_value':
      return `must be ${issue.values.map((value: unknown) => JSON.stringify(value)).join(' or ')}`;
    default:
      return undefined;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

z.config({ customError: apiMessage });
