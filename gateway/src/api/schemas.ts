import { z } from 'zod';
import { named } from '../http/schemas';

/** Shapes of the API's own routes (health, OpenAPI). */

export const healthSchema = named(
  z.looseObject({
    status: z.enum(['ok', 'fail']),
    checks: z.record(
      z.string(),
      z.looseObject({
        status: z.enum(['ok', 'fail']),
        durationMs: z.number(),
        detail: z.string().optional(),
      }),
    ),
  }),
  'Health',
);

export const openApiDocumentSchema = named(
  z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }),
  'OpenApiDocument',
);
