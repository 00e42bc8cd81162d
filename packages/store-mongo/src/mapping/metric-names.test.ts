import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMetricName, encodeMetricName, metricPath } from './metric-names.js';

describe('metric names', () => {
  it('escapes what a MongoDB update path cannot hold and leaves other names alone', () => {
    expect(encodeMetricName('leads')).toBe('leads');
    expect(encodeMetricName('cost.usd')).toBe('cost%2Eusd');
    expect(encodeMetricName('$spent')).toBe('%24spent');
    expect(encodeMetricName('100%')).toBe('100%25');
    expect(encodeMetricName('a\u0000b')).toBe('a%00b');
    expect(encodeMetricName('')).toBe('%');
    expect(encodeMetricName('東京 🚀')).toBe('東京 🚀');
  });

  it('addresses a top-level field of metrics, whatever the name', () => {
    expect(metricPath('cost.usd')).toBe('metrics.cost%2Eusd');
    expect(metricPath('')).toBe('metrics.%');
    for (const name of ['a.b.c', '$inc', '.', '%2E']) {
      const path = metricPath(name);
      expect(path.split('.')).toHaveLength(2);
      expect(path.split('.')[1]!.startsWith('$')).toBe(false);
    }
  });

  it('decodes every encoded name back, and no two names share an encoding', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '.', '$', '%', '2', 'E', '4', '5', '0', '\u0000') }), fc.string(), (tricky, any) => {
        for (const name of [tricky, any]) {
          const stored = encodeMetricName(name);
          expect(decodeMetricName(stored)).toBe(name);
          expect(stored).not.toMatch(/[.$\u0000]/);
          expect(stored).not.toBe('');
        }
        if (tricky !== any) expect(encodeMetricName(tricky)).not.toBe(encodeMetricName(any));
      }),
      { numRuns: 200 },
    );
  });

  it('reads names stored without escapes (written by hand) as they are', () => {
    expect(decodeMetricName('plain')).toBe('plain');
    expect(decodeMetricName('50%off')).toBe('50%off');
  });
});
