import type { z } from 'zod';
import { formatPath } from '../config/schema.js';
import { ApiError } from './router.js';

/**
 * Validate a request body at the edge. A failure is a 400 naming the field:
 * `{"error": "base_url: expected string", "field": "base_url"}`.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body === undefined ? {} : body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = keys.length ? [...issue.path, keys[0]] : issue.path;
  const field = path.length ? formatPath(path) : undefined;
  const message = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
  throw new ApiError(400, field ? `${field}: ${message}` : message, field);
}
