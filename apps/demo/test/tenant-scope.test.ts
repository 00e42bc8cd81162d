import { describe, expect, it } from 'vitest';
import { tenantOf } from '../src/server/tenant-scope.js';

const request = (headers: Record<string, string>) => new Request('http://127.0.0.1/api/jobs', { headers });

describe('tenantOf', () => {
  it('reads the tenant cookie the page sets', () => {
    expect(tenantOf(request({ cookie: 'theme=dark; jobtrail_demo_tenant=globex; other=1' }))).toBe('globex');
  });

  it('prefers the header, for scripts', () => {
    expect(tenantOf(request({ 'x-demo-tenant': 'acme', cookie: 'jobtrail_demo_tenant=globex' }))).toBe('acme');
  });

  it('gives no tenant (so a 401) for unknown, missing or malformed values', () => {
    expect(tenantOf(request({}))).toBeNull();
    expect(tenantOf(request({ cookie: 'jobtrail_demo_tenant=initech' }))).toBeNull();
    expect(tenantOf(request({ cookie: 'jobtrail_demo_tenant=%E0%A4%A' }))).toBeNull();
    expect(tenantOf(request({ cookie: "jobtrail_demo_tenant=acme' OR '1'='1" }))).toBeNull();
    // A bad header is not rescued by a good cookie: whoever sent the header meant it.
    expect(tenantOf(request({ 'x-demo-tenant': 'ACME', cookie: 'jobtrail_demo_tenant=acme' }))).toBeNull();
  });
});
