// Turns the Vite build of the page (ui-dist/) into the source of the module
// `virtual:jobtrail-dashboard-ui`, which tsup (and vitest) bundle into the server code. Embedding
// the page means users need no bundler, no static-file middleware and no file reads at run time
// (Next.js route handlers and other bundled servers cannot find files beside a package).
//
// Each file is stored gzipped and base64-encoded: the server answers the gzip bytes as they are
// (every browser accepts gzip) and inflates them only for a client that does not.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export const UI_ASSETS_MODULE = 'virtual:jobtrail-dashboard-ui';

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

function filesUnder(root, dir = root) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return filesUnder(root, full);
    return [path.relative(root, full).split(path.sep).join('/')];
  });
}

/** The module's source: `export default [{ path, type, etag, gzip }]`, gzip as base64. */
export function uiAssetsModuleSource(uiDist) {
  if (!existsSync(path.join(uiDist, 'index.html'))) {
    throw new Error(`No built dashboard page in ${uiDist}: run \`npx vite build\` in packages/dashboard first (\`npm run build\` does).`);
  }
  const assets = filesUnder(uiDist)
    .filter((file) => !file.endsWith('.map'))
    .sort()
    .map((file) => {
      const type = CONTENT_TYPES[path.extname(file)];
      if (!type) throw new Error(`The dashboard build made ${file}, whose type the server does not know: add its extension to CONTENT_TYPES.`);
      const bytes = readFileSync(path.join(uiDist, file));
      const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 22)}"`;
      return { path: file, type, etag, gzip: gzipSync(bytes, { level: 9 }).toString('base64') };
    });
  return `export default ${JSON.stringify(assets)};\n`;
}
