import { inflate, uiAssets, type UiAsset } from './ui-bundle.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function etagOf(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let binary = '';
  for (const byte of digest.subarray(0, 16)) binary += String.fromCharCode(byte);
  return `"${btoa(binary).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}"`;
}

/**
 * The built `index.html` with this mount's title in `<title>` (so the tab is named before the
 * page's script runs) and a `<base href>` of the mount path, which its relative asset and API
 * URLs resolve against: the page works at `/admin/jobs` as at `/admin/jobs/`. Its ETag changes
 * with the title, the mount and the build.
 */
export async function titledPage(title: string, baseHref: string): Promise<UiAsset> {
  const page = uiAssets().get('index.html');
  if (!page) throw new Error('The dashboard build has no index.html: the package was built without its page.');
  const html = new TextDecoder().decode(await inflate(page));
  const titled = html
    .replace(/<title>[^<]*<\/title>/, `<title>${escapeHtml(title)}</title>`)
    .replace(/<head>/, `<head>\n    <base href="${escapeHtml(baseHref)}" />`);
  const bytes = new TextEncoder().encode(titled);
  return { ...page, etag: await etagOf(bytes), gzip: await gzip(bytes) };
}
