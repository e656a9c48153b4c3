/**
 * ISO 8601 durations (PnYnMnDTnHnMnS, PnW) and UTC date-times as the rotation schedule needs them: parsed by a
 * strict pattern, added with calendar arithmetic. Pure: no clock, no I/O.
 */
import { ServiceError } from '../../errors';

/** A rotation policy or one of its parts that cannot be used; the message says which part and why. */
export class InvalidRotationPolicyError extends ServiceError {
  readonly field: string;

  constructor(options: Readonly<{ field: string; message: string; cause?: unknown }>) {
    super({
      message: `invalid rotation ${options.field}: ${options.message}`,
      problemType: 'invalid-request',
      extensions: { field: options.field },
      cause: options.cause,
    });
    this.field = options.field;
  }
}

/** Each component as written; whole numbers only (a fraction of a month has no calendar meaning). */
export interface IsoDuration {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

// ISO 8601-1 §5.5.2: designators in this order, each at most once, T before any time component. PnW stands
// alone (ISO 8601-1:2019 allows no mixing with other designators).
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const WEEKS = /^P(\d+)W$/;
/** Generous yet far from Number.MAX_SAFE_INTEGER once multiplied by a schedule's k. */
const MAX_COMPONENT = 100_000;

/** Parses a duration; `field` names it in the error. Rejects an empty duration (P, PT, P0D…). */
export function parseIsoDuration(text: string, field: string): IsoDuration {
  const weeks = WEEKS.exec(text);
  const match = weeks === null ? DURATION.exec(text) : null;
  if ((weeks === null && match === null) || text.endsWith('T')) {
    throw new InvalidRotationPolicyError({
      field,
      message: `'${text}' is not an ISO 8601 duration (PnYnMnDTnHnMnS or PnW, whole numbers, e.g. PT1H, P7D, P1M)`,
    });
  }
  const part = (value: string | undefined): number => (value === undefined ? 0 : Number(value));
  const duration: IsoDuration =
    weeks !== null
      ? { years: 0, months: 0, weeks: part(weeks[1]), days: 0, hours: 0, minutes: 0, seconds: 0 }
      : {
          years: part(match?.[1]),
          months: part(match?.[2]),
          weeks: 0,
          days: part(match?.[3]),
          hours: part(match?.[4]),
          minutes: part(match?.[5]),
          seconds: part(match?.[6]),
        };
  const components = Object.values(duration);
  if (components.some((value) => value > MAX_COMPONENT)) {
    throw new InvalidRotationPolicyError({
      field,
      message: `'${text}' has a component above ${MAX_COMPONENT}`,
    });
  }
  if (components.every((value) => value === 0)) {
    throw new InvalidRotationPolicyError({ field, message: `'${text}' is empty (zero length)` });
  }
  return duration;
}

/** Whether the duration has a fixed length in ms (no years or months: in UTC a day is always 24 h). */
export function isFixedLength(duration: IsoDuration): boolean {
  return duration.years === 0 && duration.months === 0;
}

/** The shortest the duration can last: a year as 365 days, a month as 28. */
export function shortestMs(duration: IsoDuration): number {
  return (duration.years * 365 + duration.months * 28) * DAY_MS + fixedPartMs(duration);
}

/** The average length (Gregorian year 365.2425 days), to estimate how many periods fit in a span. */
export function averageMs(duration: IsoDuration): number {
  return (duration.years * 365.2425 + duration.months * (365.2425 / 12)) * DAY_MS + fixedPartMs(duration);
}

function fixedPartMs(duration: IsoDuration): number {
  return (
    (duration.weeks * 7 + duration.days) * DAY_MS +
    duration.hours * HOUR_MS +
    duration.minutes * MINUTE_MS +
    duration.seconds * SECOND_MS
  );
}

/**
 * `at` + `times`·`duration` in UTC: years and months first, by the calendar, a day past the end of the target
 * month clamped to its last day (Jan 31 + P1M = Feb 28 or 29), then the fixed part. Multiplying before adding
 * keeps a grid on its day: Jan 31 + 2·P1M is Mar 31, not Mar 28.
 */
export function addDuration(at: number, duration: IsoDuration, times = 1): number {
  const date = new Date(at);
  const monthIndex = date.getUTCMonth() + (duration.years * 12 + duration.months) * times;
  const year = date.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const calendar = Date.UTC(
    year,
    month,
    Math.min(date.getUTCDate(), lastDay),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    date.getUTCMilliseconds(),
  );
  return calendar + fixedPartMs(duration) * times;
}

// A complete date-time with seconds and a zone (Z or ±hh:mm): no local time, so the instant is the same
// wherever the service runs.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an ISO 8601 date-time in UTC or with an offset to epoch ms; rejects impossible dates (Feb 30). */
export function parseIsoDateTime(text: string, field: string): number {
  const match = DATE_TIME.exec(text);
  const invalid = (why: string): InvalidRotationPolicyError =>
    new InvalidRotationPolicyError({ field, message: `'${text}' ${why}` });
  if (match === null) {
    throw invalid('is not an ISO 8601 date-time with a zone (e.g. 2026-12-01T00:00:00Z)');
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = match[7] === undefined ? 0 : Number(match[7].padEnd(3, '0'));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(local);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw invalid('is not a valid date and time');
  }
  const zone = match[8] as string;
  if (zone === 'Z') {
    return local;
  }
  const sign = zone.startsWith('-') ? -1 : 1;
  const offsetHours = Number(zone.slice(1, 3));
  const offsetMinutes = Number(zone.slice(4, 6));
  if (offsetHours > 23 || offsetMinutes > 59) {
    throw invalid('has an invalid zone offset');
  }
  return local - sign * (offsetHours * HOUR_MS + offsetMinutes * MINUTE_MS);
}
