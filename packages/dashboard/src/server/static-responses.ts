import { inflate, type UiAsset } from './ui-bundle.js';

/**
 * Does the client take gzip? `Accept-Encoding` per RFC 9110 §12.5.3: `gzip` (or `*`) with a
 * non-zero weight.
 */
export function acceptsGzip(header: string | null): boolean {
  if (!header) return false;
  let star = false;
  for (const part of header.split(',')) {
    const [token = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (token === 'gzip' || token === 'x-gzip') return weight > 0;
    if (token === '*') star = weight > 0;
  }
  return star;
}

/** `If-None-Match` lists `etag` (or is `*`): the client's copy is current (RFC 9110 §13.1.2). */
function matchesEtag(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * A page or asset response: gzip when the client takes it, 304 when its copy is current, the
 * hashed assets cached for a year, the page revalidated every time (it names the assets of the
 * latest build).
 */
export async function assetResponse(request: Request, asset: UiAsset, headers: Record<string, string>): Promise<Response> {
  const common: Record<string, string> = {
    ...headers,
    'content-type': asset.type,
    etag: asset.etag,
    vary: 'accept-encoding',
    'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  if (matchesEtag(request.headers.get('if-none-match'), asset.etag)) {
    return new Response(null, { status: 304, headers: common });
  }
  const gzip = acceptsGzip(request.headers.get('accept-encoding'));
  const body = gzip ? asset.gzip : await inflate(asset);
  const responseHeaders = { ...common, 'content-length': String(body.byteLength), ...(gzip ? { 'content-encoding': 'gzip' } : {}) };
  return new Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), { status: 200, headers: responseHeaders });
}

/** A small plain-text answer (errors of the page routes; the API answers JSON itself). */
export function textResponse(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { ...headers, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
  });
}
