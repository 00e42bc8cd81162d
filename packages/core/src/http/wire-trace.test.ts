import { describe, expect, it } from 'vitest';
import { wireTrace } from './job-json.js';

const PARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('wireTrace (what of a stored trace context leaves the server)', () => {
  it('sends a bare traceparent as it is, and only the traceparent of a stored carrier', () => {
    expect(wireTrace(null)).toBeNull();
    expect(wireTrace(PARENT)).toBe(PARENT);
    expect(wireTrace(JSON.stringify({ traceparent: PARENT, tracestate: 'vendor=secret', baggage: 'userId=42' }))).toBe(PARENT);
  });

  it('sends nothing for baggage-only, malformed or hostile stored values', () => {
    for (const stored of [
      JSON.stringify({ baggage: 'userId=42' }),
      JSON.stringify({ traceparent: 'userId=42' }),
      JSON.stringify({ traceparent: [PARENT] }),
      '{not json',
      'x-test-trace=abc',
      `${PARENT};baggage=userId=42`,
      JSON.stringify(Object.create({ traceparent: PARENT })),
      '["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]',
    ]) {
      expect(wireTrace(stored), stored).toBeNull();
    }
  });
});
