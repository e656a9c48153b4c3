/**
 * Inputs that no schema produces but every HTTP server meets: path segments that try to escape or confuse
 * routing, query strings that repeat or smuggle names, authorization headers of the wrong shape, and bodies
 * that are not JSON. Each is a fixed list, so a failure names the input in plain words.
 */

/** A path segment exactly as it goes on the wire (already percent-encoded where it should be). */
export interface Segment {
  readonly raw: string;
  readonly label: string;
}

export const HOSTILE_SEGMENTS: readonly Segment[] = [
  { raw: '..', label: 'dot-dot' },
  { raw: '.', label: 'dot' },
  { raw: '%2e%2e', label: 'encoded dot-dot' },
  { raw: '%2E%2E%2F%2E%2E', label: 'encoded ../..' },
  { raw: '%252e%252e', label: 'double-encoded dot-dot' },
  { raw: 'a%2Fb', label: 'encoded slash' },
  { raw: '%2F', label: 'only an encoded slash' },
  { raw: '', label: 'empty' },
  { raw: 'x'.repeat(129), label: '129 characters' },
  { raw: 'q'.repeat(5_000), label: '5000 characters' },
  { raw: 'z'.repeat(20_000), label: '20000 characters (longer than the header limit)' },
  { raw: encodeURIComponent('ключ'), label: 'cyrillic' },
  { raw: encodeURIComponent('🔑'), label: 'emoji' },
  { raw: encodeURIComponent('e\u0301'), label: 'combining accent' },
  { raw: '%EF%BB%BFq', label: 'byte order mark' },
  { raw: '\u00e9', label: 'raw latin-1 byte' },
  { raw: '%00', label: 'NUL' },
  { raw: 'a%00b', label: 'embedded NUL' },
  { raw: '%zz', label: 'malformed percent-encoding' },
  { raw: '%', label: 'lone percent sign' },
  { raw: '%c3%28', label: 'invalid UTF-8' },
  { raw: '%20', label: 'space' },
  { raw: '+', label: 'plus' },
  { raw: ';a=b', label: 'matrix parameter' },
  { raw: '%3F', label: 'encoded question mark' },
  { raw: '%23', label: 'encoded hash' },
  { raw: '%0D%0AX-Injected:%201', label: 'encoded CRLF header injection' },
  { raw: '-leading-dash', label: 'leading dash' },
  { raw: '__proto__', label: '__proto__' },
  { raw: 'constructor', label: 'constructor' },
];

export const UNKNOWN_QUERY_NAMES: readonly string[] = [
  'foo',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'since',
  'frontend',
  'a[b]',
  'a.b',
  '',
  'x'.repeat(300),
];

/** Values of the wrong kind for any query parameter (raw, as they go on the wire). */
export const WRONG_QUERY_VALUES: readonly string[] = [
  '',
  'abc',
  '-1',
  '1.5',
  '1e3',
  '9'.repeat(16),
  '0x10',
  '%zz',
  '%00',
  encodeURIComponent('🔑'),
  'true',
  '[]',
];

/** What follows the path when the fuzzer writes the query string itself. */
export const RAW_QUERY_TAILS: readonly string[] = ['?', '?&&', '?a', '?=', '?%', '?a=1&a=2&a=3', '#frag'];

/** Authorization headers of the wrong shape; none carries a real token. */
export const MALFORMED_AUTHORIZATION: readonly string[] = [
  '',
  'Bearer',
  'Bearer ',
  'Bearer  ',
  'Basic dXNlcjpwYXNzd29yZA==',
  'Digest username="admin"',
  'Bearer tok!en',
  'Bearer a b',
  'Bearer \u00e9t\u00e9',
  `Bearer ${'A'.repeat(5_000)}`,
  `Bearer ${'B'.repeat(20_000)}`,
  'Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'Bearer =====',
  'NotAScheme',
];

/** Request bodies that are not JSON, or not JSON a parser should accept (raw bytes). */
export const NON_JSON_BODIES: readonly { readonly label: string; readonly bytes: Buffer }[] = [
  { label: 'truncated object', bytes: Buffer.from('{"a":') },
  { label: 'plain words', bytes: Buffer.from('not json at all') },
  { label: 'trailing garbage', bytes: Buffer.from('{"a":1}garbage') },
  { label: 'byte order mark', bytes: Buffer.from('\ufeff{}') },
  { label: 'NUL bytes', bytes: Buffer.from([0, 0, 0, 0]) },
  {
    label: 'invalid UTF-8',
    bytes: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
  },
  { label: 'whitespace only', bytes: Buffer.from('   \n\t ') },
  { label: 'single quotes', bytes: Buffer.from("{'a': 1}") },
  { label: 'NaN literal', bytes: Buffer.from('{"a": NaN}') },
  { label: 'number too large for a double', bytes: Buffer.from('{"a": 1e400}') },
  { label: 'prototype pollution', bytes: Buffer.from('{"__proto__": {"polluted": true}}') },
  {
    label: 'constructor prototype',
    bytes: Buffer.from('{"constructor": {"prototype": {"polluted": true}}}'),
  },
  { label: 'lone surrogate', bytes: Buffer.from('{"a": "\\ud800"}') },
  { label: 'unclosed nesting over the limit', bytes: Buffer.from('['.repeat(70_000)) },
  { label: 'form data', bytes: Buffer.from('a=1&b=2') },
  { label: 'XML', bytes: Buffer.from('<?xml version="1.0"?><a/>') },
];

/** JSON values that are not objects (every request body of this API is an object). */
export const NON_OBJECT_JSON: readonly unknown[] = [null, 'x', 1, 1.5, -0, true, [], [{}], ''];

/** Keys of unknown fields, some of which mean something to JavaScript. */
export const UNKNOWN_FIELDS: readonly string[] = [
  'extra',
  '__proto__',
  'constructor',
  'toString',
  'queueId',
  'proposalId',
  '',
  'x'.repeat(300),
  '🔑',
];

export const CONTENT_TYPES_WITH_BODY: readonly { readonly weight: number; readonly value: string | null }[] =
  [
    { weight: 16, value: 'application/json' },
    { weight: 2, value: 'application/json; charset=utf-8' },
    { weight: 1, value: 'application/problem+json' },
    { weight: 1, value: 'APPLICATION/JSON' },
    { weight: 1, value: 'text/plain' },
    { weight: 1, value: 'application/x-www-form-urlencoded' },
    { weight: 1, value: 'multipart/form-data; boundary=x' },
    { weight: 1, value: null },
    { weight: 1, value: 'application/json; charset=latin1' },
    { weight: 1, value: 'application/json; charset=utf-16' },
    { weight: 1, value: 'application/jsonx' },
    { weight: 1, value: '' },
    { weight: 1, value: ';;;' },
  ];

/** How the body is encoded on the wire; garbage is sent where a compressed body should be. */
export type Encoding =
  | 'none'
  | 'identity'
  | 'gzip'
  | 'gzip-garbage'
  | 'gzip-truncated'
  | 'gzip-bomb'
  | 'deflate-garbage'
  | 'br-garbage'
  | 'unsupported';

export const ENCODINGS: readonly { readonly weight: number; readonly value: Encoding }[] = [
  { weight: 20, value: 'none' },
  { weight: 1, value: 'identity' },
  { weight: 2, value: 'gzip' },
  { weight: 1, value: 'gzip-garbage' },
  { weight: 1, value: 'gzip-truncated' },
  { weight: 1, value: 'gzip-bomb' },
  { weight: 1, value: 'deflate-garbage' },
  { weight: 1, value: 'br-garbage' },
  { weight: 1, value: 'unsupported' },
];

export const INVALID_HEADER_VALUES: readonly string[] = [
  '',
  'has space',
  'x'.repeat(256),
  '\u00e9',
  '\ttab',
  'a,b',
];

export const INVALID_REQUEST_IDS: readonly string[] = ['has space', 'x'.repeat(200), '\u00e9', 'a/b', ''];
