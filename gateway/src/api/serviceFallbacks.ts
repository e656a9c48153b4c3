import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ProblemError } from '../http';
import { errorText } from '../logging';
import { PROBLEM_CONTENT_TYPE, renderProblem } from './problem';

/**
 * The last two middlewares of a small HTTPS service of its own (a key provider, a CA): 404 problem+json for an
 * unknown route, and every error as problem+json — a typed error by its own status, anything else a 500 that is
 * logged here and never described to the client.
 */
export function serviceFallbacks(logger: Logger, where: string): [RequestHandler, ErrorRequestHandler] {
  const notFound: RequestHandler = (req, _res, next) => {
    next(new ProblemError('not-found', `no route ${req.method} ${req.path} on ${where}`));
  };
  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    const problem = renderProblem(error, req.path, randomUUID());
    if (problem.unexpected) {
      logger.error({ error: errorText(error), path: req.path }, 'unexpected error');
    }
    res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.body));
  };
  return [notFound, onError];
}
