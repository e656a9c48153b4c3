/** `/v1/queues/:queueId` → `/v1/queues/{queueId}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

/** A matcher for an express path with `:name` segments, as express matches it (case-insensitive, optional trailing slash). */
export function pathMatcher(expressPath: string): RegExp {
  const pattern = expressPath
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}/?$`, 'i');
}

/**
 * The names of the `:name` segments that are empty in `path` when it is otherwise `expressPath`
 * (`/v1/queues//policy` for `/v1/queues/:queueId/policy`), or undefined when it is not such a path.
 */
export function emptyParameters(expressPath: string, path: string): string[] | undefined {
  const wanted = expressPath.split('/');
  const given = (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/');
  if (wanted.length !== given.length) {
    return undefined;
  }
  const empty: string[] = [];
  for (const [i, segment] of wanted.entries()) {
    const actual = given[i] as string;
    if (segment.startsWith(':')) {
      if (actual === '') {
        empty.push(segment.slice(1));
      }
    } else if (segment.toLowerCase() !== actual.toLowerCase()) {
      return undefined;
    }
  }
  return empty.length > 0 ? empty : undefined;
}
