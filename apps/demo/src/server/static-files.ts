import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Serves the built page from `root`; any other path that is not a file gets index.html, so the
 * page can own its URLs. Hashed assets are cached for good, index.html never.
 */
export function createStaticFiles(root: string): (pathname: string) => Promise<Response> {
  const rootWithSep = root.endsWith(sep) ? root : root + sep;
  return async (pathname) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return new Response('Bad request', { status: 400 });
    }
    const file = normalize(join(root, decoded));
    // Anything resolving outside root (../) falls back to the page.
    const inside = file.startsWith(rootWithSep) && (await isFile(file));
    const path = inside ? file : join(root, 'index.html');
    try {
      const body = await readFile(path);
      const immutable = inside && decoded.startsWith('/assets/');
      return new Response(body, {
        headers: {
          'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
          'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        },
      });
    } catch {
      return new Response('The page is not built. Run `npm run build -w @jobtrail/demo` first.', {
        status: 503,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
    }
  };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
