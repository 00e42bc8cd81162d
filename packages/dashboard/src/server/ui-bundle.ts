import embedded from 'virtual:jobtrail-dashboard-ui';

/** One built file of the page, as the server answers it. */
export interface UiAsset {
  path: string;
  type: string;
  etag: string;
  gzip: Uint8Array;
  /** Hashed file names (`assets/index-3f2a9c.js`) never change content: cached for a year. */
  immutable: boolean;
}

let assets: Map<string, UiAsset> | undefined;

/** The embedded page by path relative to the mount (`index.html`, `assets/…`); decoded once. */
export function uiAssets(): ReadonlyMap<string, UiAsset> {
  if (!assets) {
    assets = new Map(
      embedded.map((asset) => [
        asset.path,
        { path: asset.path, type: asset.type, etag: asset.etag, gzip: fromBase64(asset.gzip), immutable: asset.path.startsWith('assets/') },
      ]),
    );
  }
  return assets;
}

// Keyed by the asset itself: a mount's titled page shares its path with the built one.
const inflated = new WeakMap<UiAsset, Promise<Uint8Array>>();

/** The uncompressed bytes, for the rare client that does not accept gzip; inflated once. */
export function inflate(asset: UiAsset): Promise<Uint8Array> {
  let bytes = inflated.get(asset);
  if (!bytes) {
    const stream = new Blob([asset.gzip as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    bytes = new Response(stream).arrayBuffer().then((buffer) => new Uint8Array(buffer));
    inflated.set(asset, bytes);
  }
  return bytes;
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
