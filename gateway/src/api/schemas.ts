import { z } from 'zod';
import { named } from '../http/schemas';

/** Shapes of the API's own routes (health, OpenAPI). */

export const healthSchema = named(
  z.looseObject({
    status: z
      .enum(['ok', 'degraded', 'fail'])
      .describe('degraded: usable, but a check needs attention (a CA down, a queue backing up)'),
    checks: z.record(
      z.string(),
      z.looseObject({
        status: z.enum(['ok', 'degraded', 'fail']),
        durationMs: z.number(),
        detail: z.string().optional(),
        data: z.record(z.string(), z.unknown()).optional().describe("the check's figures"),
      }),
    ),
  }),
  'Health',
);

export const openApiDocumentSchema = named(
  z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }),
  'OpenApiDocument',
);
