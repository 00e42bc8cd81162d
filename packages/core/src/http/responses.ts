import { HttpError, quote } from './http-error.js';
import { routeMisses } from './routes.js';
import type { ErrorResponse } from './wire-types.js';

export const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  // Job state changes under the caller: always revalidate (cheap with If-None-Match), never share.
  'cache-control': 'private, no-cache',
  'x-content-type-options': 'nosniff',
};

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

export function errorResponse(error: HttpError): Response {
  const body: ErrorResponse = { error: { code: error.code, message: error.message } };
  return json(error.status, body, error.headers);
}

/** 404 `route_not_found`, marked so `toNodeHandler` hands the request to `next()` instead. */
export function routeMissResponse(path: string): Response {
  const response = errorResponse(new HttpError(404, 'route_not_found', `No jobs route at ${quote(path)}.`));
  routeMisses.add(response);
  return response;
}
