/**
 * The Content-Security-Policy of the page: scripts, styles and API calls from its own origin only,
 * no inline code, no plugins, no forms, a `<base>` of its own origin only, no framing (unless `frameAncestors` allows embedders).
 * Inline styles are refused too: the page styles through its CSS file and the CSSOM, which CSP
 * does not govern (https://www.w3.org/TR/CSP3/#directive-style-src).
 */
export function contentSecurityPolicy(frameAncestors: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'self'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors.length === 0 ? "'none'" : frameAncestors.join(' ')}`,
  ].join('; ');
}

/** Headers of every page and asset response. */
export function pageSecurityHeaders(csp: string, framable: boolean): Record<string, string> {
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    ...(framable ? {} : { 'x-frame-options': 'DENY' }),
  };
}
