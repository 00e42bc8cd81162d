/** The built page, embedded at build time by scripts/ui-assets-module.mjs. */
declare module 'virtual:jobtrail-dashboard-ui' {
  const assets: ReadonlyArray<{
    /** Relative to the page, e.g. `index.html`, `assets/index-3f2a.js`. */
    path: string;
    /** The Content-Type to answer with. */
    type: string;
    /** A strong ETag of the uncompressed bytes. */
    etag: string;
    /** The gzipped bytes, base64. */
    gzip: string;
  }>;
  export default assets;
}
