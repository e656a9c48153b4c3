/**
 * Instances of a JSON schema as fast-check arbitraries: valid ones (type, properties, required, enum, const,
 * bounds, lengths, patterns) and ones that break exactly one rule, so that the server's validation is probed
 * field by field and not only with garbage.
 */
import fc from 'fast-check';
import type { JsonSchema } from './document';

/** Values for fields by name that a schema cannot produce (an envelope the API really sealed). */
export type Hints = (field: string) => readonly unknown[];

export interface SchemaContext {
  resolve(schema: JsonSchema): JsonSchema;
  readonly hints?: Hints;
}

/** Short strings keep bodies small; a boundary value at maxLength is generated on its own. */
const TYPICAL_STRING = 24;
const TYPICAL_ITEMS = 4;

function typeOf(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) {
    return schema.type[0] as string | undefined;
  }
  return schema.type as string | undefined;
}

function integerBounds(schema: JsonSchema): { min: number; max: number } {
  const min =
    schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1_000_000);
  const max =
    schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1_000_000);
  return { min: Math.ceil(min), max: Math.floor(max) };
}

function integerIn(min: number, max: number): fc.Arbitrary<number> {
  // fc.integer is 32-bit; bounds such as Number.MAX_SAFE_INTEGER need the bigint generator.
  return fc.oneof(
    fc.constant(min),
    fc.constant(max),
    fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number),
  );
}

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? Math.max(minLength, TYPICAL_STRING);
  if (schema.pattern !== undefined) {
    // Only the schema's own bounds: a pattern such as `^[0-9a-f]{64}$` fixes a length the typical one is below.
    const fits = (value: string): boolean =>
      value.length >= minLength && value.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY);
    const regex = new RegExp(schema.pattern, 'u');
    // stringMatching covers the patterns zod emits (ids, base64, digits); a pattern it cannot read falls back to
    // a few strings that match, or to the minimum length of a safe character.
    try {
      return fc.stringMatching(regex, { size: 'xsmall' }).filter(fits);
    } catch {
      return fc.constant('a'.repeat(Math.max(1, minLength))).filter((value) => regex.test(value));
    }
  }
  const typical = fc.string({
    minLength,
    maxLength: Math.min(maxLength, Math.max(minLength, TYPICAL_STRING)),
  });
  return maxLength > TYPICAL_STRING
    ? fc.oneof(
        { weight: 4, arbitrary: typical },
        { weight: 1, arbitrary: fc.string({ minLength: maxLength, maxLength }) },
      )
    : typical;
}

/** A value the schema accepts. */
export function validValue(
  schema: JsonSchema,
  context: SchemaContext,
  field?: string,
): fc.Arbitrary<unknown> {
  const resolved = context.resolve(schema);
  const hinted = field === undefined ? [] : (context.hints?.(field) ?? []);
  const plain = validPlain(resolved, context);
  return hinted.length > 0 ? fc.oneof(fc.constantFrom(...hinted), plain) : plain;
}

function validPlain(schema: JsonSchema, context: SchemaContext): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) {
    return fc.constant(schema.const);
  }
  if (schema.enum !== undefined && schema.enum.length > 0) {
    return fc.constantFrom(...schema.enum);
  }
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined && alternatives.length > 0) {
    return fc.oneof(...alternatives.map((alternative) => validValue(alternative, context)));
  }
  if (schema.allOf !== undefined && schema.allOf.length > 0) {
    return validValue(schema.allOf[0] as JsonSchema, context);
  }
  switch (typeOf(schema)) {
    case 'object':
      return validObject(schema, context);
    case 'array':
      return fc.array(schema.items ? validValue(schema.items, context) : fc.jsonValue({ maxDepth: 1 }), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? TYPICAL_ITEMS, Math.max(schema.minItems ?? 0, TYPICAL_ITEMS)),
      });
    case 'string':
      return stringFor(schema);
    case 'integer': {
      const { min, max } = integerBounds(schema);
      return integerIn(min, max);
    }
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e9,
        max: schema.maximum ?? 1e9,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** An object with every required property, any subset of the optional ones, and no others. */
export function validObject(
  schema: JsonSchema,
  context: SchemaContext,
): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) {
    model[name] = validValue(property, context, name);
  }
  return fc.record(model, { requiredKeys: (schema.required ?? []).filter((name) => name in properties) });
}

// ---------------------------------------------------------------- one rule broken

const WRONG_TYPES: Readonly<Record<string, readonly unknown[]>> = {
  string: [1, true, null, [], {}, ['x']],
  integer: ['1', 1.5, true, null, [], {}, '0x10'],
  number: ['1', true, null, [], {}],
  boolean: ['true', 0, 1, null, []],
  object: ['{}', 1, null, [], true],
  array: ['[]', {}, 1, null],
  null: [0, '', false, {}],
};

/** Values that break one rule of the field's schema: its type, a bound, its length, its pattern or enum. */
export function wrongValue(schema: JsonSchema, context: SchemaContext): fc.Arbitrary<unknown> {
  const resolved = context.resolve(schema);
  const type = typeOf(resolved) ?? (resolved.enum ? typeof resolved.enum[0] : undefined);
  const wrong: unknown[] = [...(WRONG_TYPES[type ?? ''] ?? [null, [], {}])];
  if (resolved.const !== undefined) {
    wrong.push(typeof resolved.const === 'string' ? `${resolved.const}x` : 'not-the-constant');
  }
  if (resolved.enum !== undefined) {
    const first = String(resolved.enum[0] ?? '');
    wrong.push(
      `${first}-not-listed`,
      first.toLowerCase() === first ? first.toUpperCase() : first.toLowerCase(),
      '',
    );
  }
  if (type === 'integer' || type === 'number') {
    const { min, max } = integerBounds(resolved);
    if (resolved.minimum !== undefined || resolved.exclusiveMinimum !== undefined) {
      wrong.push(min - 1, resolved.exclusiveMinimum ?? min - 1, -min - 1);
    }
    if (resolved.maximum !== undefined || resolved.exclusiveMaximum !== undefined) {
      wrong.push(max + 1, max * 2 + 2, 1e308);
    }
    if (type === 'integer') {
      wrong.push(min + 0.5, 2 ** 53 + 2, -(2 ** 53) - 2);
    }
  }
  if (type === 'string') {
    if (resolved.maxLength !== undefined) {
      wrong.push('x'.repeat(resolved.maxLength + 1));
    }
    if ((resolved.minLength ?? 0) > 0) {
      wrong.push('x'.repeat((resolved.minLength ?? 1) - 1));
    }
    if (resolved.pattern !== undefined) {
      const regex = new RegExp(resolved.pattern, 'u');
      wrong.push(
        ...[
          'not base64 & not an id!',
          ' ',
          '\u0000',
          '..',
          '🔑',
          'a\nb',
          '-leading-dash',
          'abc',
          'AAA',
        ].filter((candidate) => !regex.test(candidate)),
      );
    }
  }
  return fc.constantFrom(...wrong);
}

/** Whether an object schema has any named property. */
export function hasProperties(schema: JsonSchema): boolean {
  return Object.keys(schema.properties ?? {}).length > 0;
}
