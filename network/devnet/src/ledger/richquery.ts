/**
 * A CouchDB Mango subset over JSON values, for `GetQueryResult` (rich queries).
 *
 * Real peers forward the query to CouchDB; here the selector is evaluated in process over the namespace's values in
 * key order. Semantics follow CouchDB's mango_selector: CouchDB collation across types (null < false < true < numbers
 * < strings < arrays < objects), a missing field matches nothing but `$exists: false`, implicit `$eq`, nested fields
 * with dots, and sorting leaves out documents that lack a sort field (CouchDB sorts through an index, which holds only
 * documents that have the field). Only JSON objects are documents: other values are skipped, as CouchDB stores them as
 * attachments.
 */
import { SimulationError, type Version } from './types';
import type { VersionedValue } from './statedb';
import { compareUtf8 } from './keys';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Marker for a field that is not present in the document. */
const MISSING = Symbol('missing');
type Value = Json | typeof MISSING;

interface SortField {
  readonly path: readonly string[];
  readonly desc: boolean;
}

/** A parsed and checked query. */
export interface MangoQuery {
  readonly selector: JsonObject;
  readonly sort: readonly SortField[];
  readonly limit?: number;
  readonly skip: number;
  readonly fields?: readonly (readonly string[])[];
}

/** One matching row: key, value (projected when the query has `fields`) and the committed version. */
export interface QueryRow {
  readonly key: string;
  readonly value: Uint8Array;
  readonly version: Version;
}

export interface QueryResultPage {
  readonly rows: QueryRow[];
  /** Empty when there are no further results. */
  readonly bookmark: string;
}

function queryError(reason: string): SimulationError {
  return new SimulationError(`invalid rich query: ${reason}`);
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Splits a field name on dots; `\.` escapes a literal dot, as CouchDB does. */
function splitPath(field: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < field.length; i++) {
    const c = field[i] as string;
    if (c === '\\' && field[i + 1] === '.') {
      cur += '.';
      i++;
    } else if (c === '.') {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

function getPath(value: Value, path: readonly string[]): Value {
  let cur: Value = value;
  for (const seg of path) {
    if (isObject(cur)) {
      cur = Object.prototype.hasOwnProperty.call(cur, seg) ? (cur[seg] as Json) : MISSING;
    } else if (Array.isArray(cur) && /^(0|[1-9][0-9]*)$/.test(seg)) {
      const idx = Number(seg);
      cur = idx < cur.length ? (cur[idx] as Json) : MISSING;
    } else {
      return MISSING;
    }
  }
  return cur;
}

function typeRank(v: Json): number {
  if (v === null) return 0;
  if (v === false) return 1;
  if (v === true) return 2;
  if (typeof v === 'number') return 3;
  if (typeof v === 'string') return 4;
  if (Array.isArray(v)) return 5;
  return 6;
}

/** CouchDB view collation across JSON types; strings by code point (CouchDB uses ICU collation). */
export function collate(a: Json, b: Json): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) {
    return ra < rb ? -1 : 1;
  }
  switch (ra) {
    case 3:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 4:
      return compareUtf8(a as string, b as string);
    case 5: {
      const x = a as Json[];
      const y = b as Json[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = collate(x[i] as Json, y[i] as Json);
        if (c !== 0) return c;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    case 6: {
      const x = Object.entries(a as JsonObject);
      const y = Object.entries(b as JsonObject);
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const [kx, vx] = x[i] as [string, Json];
        const [ky, vy] = y[i] as [string, Json];
        const ck = compareUtf8(kx, ky);
        if (ck !== 0) return ck;
        const cv = collate(vx, vy);
        if (cv !== 0) return cv;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    default:
      return 0;
  }
}

function jsonType(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

function requireArray(op: string, arg: Json): Json[] {
  if (!Array.isArray(arg)) {
    throw queryError(`${op} requires an array argument`);
  }
  return arg;
}

function matchSubSelector(arg: Json, value: Json): boolean {
  if (!isObject(arg)) throw queryError('$elemMatch and $allMatch require a selector object');
  return matchAll(arg, value);
}

/** Applies one field operator to a present value. */
function applyOperator(op: string, arg: Json, value: Json): boolean {
  switch (op) {
    case '$eq':
      return collate(value, arg) === 0;
    case '$ne':
      return collate(value, arg) !== 0;
    case '$lt':
      return collate(value, arg) < 0;
    case '$lte':
      return collate(value, arg) <= 0;
    case '$gt':
      return collate(value, arg) > 0;
    case '$gte':
      return collate(value, arg) >= 0;
    case '$in': {
      const args = requireArray(op, arg);
      const values = Array.isArray(value) ? value : [value];
      return args.some((a) => values.some((v) => collate(v, a) === 0));
    }
    case '$nin': {
      const args = requireArray(op, arg);
      const values = Array.isArray(value) ? value : [value];
      return !args.some((a) => values.some((v) => collate(v, a) === 0));
    }
    case '$exists':
      if (typeof arg !== 'boolean') throw queryError('$exists requires a boolean');
      return arg;
    case '$type':
      if (typeof arg !== 'string') throw queryError('$type requires a string');
      return jsonType(value) === arg;
    case '$size':
      if (typeof arg !== 'number') throw queryError('$size requires a number');
      return Array.isArray(value) && value.length === arg;
    case '$mod': {
      const args = requireArray(op, arg);
      const [d, r] = args;
      if (args.length !== 2 || !Number.isInteger(d) || !Number.isInteger(r) || d === 0) {
        throw queryError('$mod requires [non-zero divisor, remainder] integers');
      }
      return Number.isInteger(value) && (value as number) % (d as number) === r;
    }
    case '$regex': {
      if (typeof arg !== 'string') throw queryError('$regex requires a string');
      let re: RegExp;
      try {
        re = new RegExp(arg);
      } catch {
        throw queryError(`bad $regex ${JSON.stringify(arg)}`);
      }
      return typeof value === 'string' && re.test(value);
    }
    case '$all': {
      const args = requireArray(op, arg);
      return Array.isArray(value) && args.every((a) => value.some((v) => collate(v, a) === 0));
    }
    case '$elemMatch':
      return Array.isArray(value) && value.some((v) => matchSubSelector(arg, v));
    case '$allMatch':
      return Array.isArray(value) && value.length > 0 && value.every((v) => matchSubSelector(arg, v));
    default:
      throw queryError(`unknown operator ${op}`);
  }
}

/**
 * Matches a condition against a value: an object condition is a conjunction of operators (`$…`, applied to the
 * value) and nested field conditions; anything else is implicit `$eq`.
 */
function matchCondition(cond: Json, value: Value): boolean {
  if (!isObject(cond) || Object.keys(cond).length === 0) {
    return value !== MISSING && collate(value, cond) === 0;
  }
  return matchAll(cond, value);
}

/** The conjunction of an object condition's entries (an empty selector matches everything). */
function matchAll(cond: JsonObject, value: Value): boolean {
  for (const [k, arg] of Object.entries(cond)) {
    let ok: boolean;
    if (k === '$and' || k === '$or' || k === '$nor') {
      const subs = requireArray(k, arg);
      if (k === '$and') ok = subs.every((s) => matchCondition(s, value));
      else if (k === '$or') ok = subs.some((s) => matchCondition(s, value));
      else ok = !subs.some((s) => matchCondition(s, value));
    } else if (k === '$not') {
      ok = value !== MISSING && !matchCondition(arg, value);
    } else if (k.startsWith('$')) {
      // A missing field satisfies only `$exists: false` (mango_selector).
      ok = value === MISSING ? k === '$exists' && arg === false : applyOperator(k, arg, value);
    } else {
      ok = matchCondition(arg, getPath(value, splitPath(k)));
    }
    if (!ok) {
      return false;
    }
  }
  return true;
}

const SUB_SELECTOR_OPS = new Set(['$not', '$elemMatch', '$allMatch']);

/** Rejects unknown operators and bad arguments up front, not only when a document reaches them. */
function validateCondition(cond: Json): void {
  if (!isObject(cond)) return;
  for (const [k, arg] of Object.entries(cond)) {
    if (k === '$and' || k === '$or' || k === '$nor') {
      requireArray(k, arg).forEach(validateCondition);
    } else if (SUB_SELECTOR_OPS.has(k)) {
      validateCondition(arg);
    } else if (k.startsWith('$')) {
      applyOperator(k, arg, null);
    } else {
      validateCondition(arg);
    }
  }
}

/** Whether a JSON document matches a Mango selector. */
export function matchesSelector(selector: JsonObject, doc: JsonObject): boolean {
  return matchAll(selector, doc);
}

function parseSort(sort: unknown): SortField[] {
  if (sort === undefined) return [];
  if (!Array.isArray(sort)) throw queryError('sort must be an array');
  return sort.map((entry): SortField => {
    if (typeof entry === 'string') {
      return { path: splitPath(entry), desc: false };
    }
    if (isObject(entry) && Object.keys(entry).length === 1) {
      const [field, dir] = Object.entries(entry)[0] as [string, Json];
      if (dir !== 'asc' && dir !== 'desc') throw queryError(`sort direction must be "asc" or "desc"`);
      return { path: splitPath(field), desc: dir === 'desc' };
    }
    throw queryError('each sort entry must be a field name or {"field": "asc"|"desc"}');
  });
}

function parseCount(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw queryError(`${name} must be a non-negative integer`);
  return v;
}

/** Parses a query string `{"selector": {…}, "sort": […], "limit": n, "skip": n, "fields": […]}`. */
export function parseMangoQuery(query: string): MangoQuery {
  let parsed: unknown;
  try {
    parsed = JSON.parse(query);
  } catch {
    throw queryError('query is not valid JSON');
  }
  if (!isObject(parsed)) throw queryError('query must be a JSON object');
  const selector = parsed['selector'];
  if (!isObject(selector)) throw queryError('missing required key: selector');
  let fields: string[][] | undefined;
  if (parsed['fields'] !== undefined) {
    const f = parsed['fields'];
    if (!Array.isArray(f) || !f.every((x) => typeof x === 'string'))
      throw queryError('fields definition must be an array');
    fields = (f as string[]).map(splitPath);
  }
  const limit = parseCount('limit', parsed['limit']);
  const result: MangoQuery = {
    selector,
    sort: parseSort(parsed['sort']),
    skip: parseCount('skip', parsed['skip']) ?? 0,
    ...(limit !== undefined ? { limit } : {}),
    ...(fields !== undefined ? { fields } : {}),
  };
  validateCondition(selector);
  return result;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** The value as a JSON object document, or null (cached on the versioned value). */
function documentOf(vv: VersionedValue): JsonObject | null {
  if (vv.doc === undefined) {
    let doc: unknown = null;
    try {
      doc = JSON.parse(decoder.decode(vv.value));
    } catch {
      doc = null;
    }
    vv.doc = isObject(doc) ? doc : null;
  }
  return vv.doc as JsonObject | null;
}

function project(doc: JsonObject, fields: readonly (readonly string[])[]): JsonObject {
  const out: JsonObject = {};
  for (const path of fields) {
    const v = getPath(doc, path);
    if (v === MISSING) continue;
    let target = out;
    for (let i = 0; i < path.length - 1; i++) {
      const seg = path[i] as string;
      if (!isObject(target[seg])) target[seg] = {};
      target = target[seg] as JsonObject;
    }
    target[path[path.length - 1] as string] = v;
  }
  return out;
}

interface Candidate {
  readonly key: string;
  readonly vv: VersionedValue;
  readonly doc: JsonObject;
  readonly sortValues: Json[];
}

/** Position of a row in the result order; the bookmark carries it so a next page resumes strictly after it. */
type Position = [Json[], string];

function encodeBookmark(pos: Position): string {
  return Buffer.from(JSON.stringify(pos), 'utf8').toString('base64url');
}

function decodeBookmark(bookmark: string): Position {
  try {
    const pos: unknown = JSON.parse(Buffer.from(bookmark, 'base64url').toString('utf8'));
    if (Array.isArray(pos) && pos.length === 2 && Array.isArray(pos[0]) && typeof pos[1] === 'string') {
      return pos as Position;
    }
  } catch {
    // fall through
  }
  throw queryError(`invalid bookmark ${JSON.stringify(bookmark)}`);
}

export interface RichQueryOptions {
  /** Paginated query (page size or bookmark given): `limit` is ignored and the page size governs, as in Fabric. */
  readonly paginated: boolean;
  readonly pageSize: number;
  readonly bookmark: string;
}

/** Runs a parsed query over one namespace. */
export function executeMangoQuery(
  entries: Iterable<[string, VersionedValue]>,
  query: MangoQuery,
  options: RichQueryOptions,
): QueryResultPage {
  const candidates: Candidate[] = [];
  {
    outer: for (const [key, vv] of entries) {
      const doc = documentOf(vv);
      if (doc === null || !matchesSelector(query.selector, doc)) continue;
      const sortValues: Json[] = [];
      for (const s of query.sort) {
        const v = getPath(doc, s.path);
        if (v === MISSING) continue outer;
        sortValues.push(v);
      }
      candidates.push({ key, vv, doc, sortValues });
    }
  }
  const keyDesc = query.sort[0]?.desc ?? false;
  const compare = (a: Position, b: Position): number => {
    for (let i = 0; i < query.sort.length; i++) {
      const c = collate(a[0][i] as Json, b[0][i] as Json);
      if (c !== 0) return (query.sort[i] as SortField).desc ? -c : c;
    }
    const c = compareUtf8(a[1], b[1]);
    return keyDesc ? -c : c;
  };
  if (query.sort.length > 0) {
    candidates.sort((a, b) => compare([a.sortValues, a.key], [b.sortValues, b.key]));
  }

  let start = 0;
  if (options.paginated && options.bookmark !== '') {
    const pos = decodeBookmark(options.bookmark);
    while (start < candidates.length) {
      const c = candidates[start] as Candidate;
      if (compare([c.sortValues, c.key], pos) > 0) break;
      start++;
    }
  } else {
    start = query.skip;
  }
  let count = candidates.length - start;
  if (options.paginated) {
    if (options.pageSize > 0) count = Math.min(count, options.pageSize);
  } else if (query.limit !== undefined) {
    count = Math.min(count, query.limit);
  }
  const taken = count > 0 ? candidates.slice(start, start + count) : [];
  const rows = taken.map((c): QueryRow => ({
    key: c.key,
    value: query.fields ? encoder.encode(JSON.stringify(project(c.doc, query.fields))) : c.vv.value,
    version: c.vv.version,
  }));
  const last = taken[taken.length - 1];
  const more = options.paginated && last !== undefined && start + count < candidates.length;
  return { rows, bookmark: more ? encodeBookmark([last.sortValues, last.key]) : '' };
}
