import { UsageError } from './errors';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const PART = /(\d+)(ms|s|m|h|d)/g;
const WHOLE = /^(?:\d+(?:ms|s|m|h|d))+$/;

/**
 * Milliseconds of a duration as people write it: `90s`, `15m`, `1h`, `7d`, `500ms`, or parts run together
 * (`1h30m`). `0` alone means zero. A bare number other than 0 is refused: `60` could mean seconds or
 * milliseconds, and guessing wrong by a factor of 1000 is worse than asking.
 */
export function parseDuration(text: string, option: string): number {
  const value = text.trim();
  if (value === '0') {
    return 0;
  }
  if (!WHOLE.test(value)) {
    throw new UsageError({
      message: `${option} must be a duration such as 90s, 15m, 1h or 7d (units ms, s, m, h, d), got '${text}'`,
    });
  }
  let total = 0;
  for (const [, amount, unit] of value.matchAll(PART)) {
    total += Number(amount) * UNIT_MS[unit as Unit];
  }
  if (!Number.isSafeInteger(total)) {
    throw new UsageError({ message: `${option} is too long: '${text}'` });
  }
  return total;
}

/** The shortest exact spelling of a duration in the units above: 3600000 → `1h`, 5400000 → `1h30m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return String(ms);
  }
  if (ms === 0) {
    return '0';
  }
  let rest = Math.round(ms);
  const parts: string[] = [];
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit];
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}
