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
