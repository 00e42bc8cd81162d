import { describe, expect, it } from 'vitest';
import { decodeTraceCarrier, encodeTraceCarrier, MAX_TRACE_CHARS } from './trace-carrier.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('encodeTraceCarrier', () => {
  it('stores a lone traceparent bare, as job.trace always held it', () => {
    expect(encodeTraceCarrier({ traceparent: TRACEPARENT })).toBe(TRACEPARENT);
  });

  it('stores several fields, or another lone field, as a JSON object in the order written', () => {
    const carrier = { traceparent: TRACEPARENT, tracestate: 'vendor=a,other=b', baggage: 'tenant=t1' };
    expect(encodeTraceCarrier(carrier)).toBe(JSON.stringify(carrier));
    expect(encodeTraceCarrier({ 'x-test-trace': 'abc:def' })).toBe('{"x-test-trace":"abc:def"}');
  });

  it('answers null when there is nothing to store', () => {
    expect(encodeTraceCarrier({})).toBeNull();
    expect(encodeTraceCarrier({ '': 'empty key', traceparent: 42, baggage: undefined, b3: ['a'] })).toBeNull();
  });

  it('keeps a traceparent that would not read back as itself in the JSON form', () => {
    for (const value of ['{not json', ' 00-leading-space', '00-\u0000-nul', '00-é', '']) {
      const stored = encodeTraceCarrier({ traceparent: value });
      expect(stored).toBe(JSON.stringify({ traceparent: value }));
      expect(decodeTraceCarrier(stored)['traceparent']).toBe(value);
    }
  });

  it('escapes control characters and lone surrogates, so every store accepts the string', () => {
    const stored = encodeTraceCarrier({ baggage: 'a=\u0000\ud800' })!;
    expect(stored).not.toMatch(/[\u0000-\u001f]|[\ud800-\udfff]/);
    expect(decodeTraceCarrier(stored)['baggage']).toBe('a=\u0000\ud800');
  });

  it('leaves out fields past MAX_TRACE_CHARS and keeps those written before and after that fit', () => {
    const carrier = { traceparent: TRACEPARENT, baggage: `big=${'x'.repeat(MAX_TRACE_CHARS)}`, tracestate: 'v=1' };
    const stored = encodeTraceCarrier(carrier)!;
    expect(stored.length).toBeLessThanOrEqual(MAX_TRACE_CHARS);
    expect(JSON.parse(stored)).toEqual({ traceparent: TRACEPARENT, tracestate: 'v=1' });
    const exact = { f: 'y'.repeat(MAX_TRACE_CHARS - '{"f":""}'.length) };
    expect(encodeTraceCarrier(exact)).toHaveLength(MAX_TRACE_CHARS);
    expect(encodeTraceCarrier({ f: `${exact.f}y` })).toBeNull();
  });
});

describe('decodeTraceCarrier', () => {
  it('round-trips what encodeTraceCarrier stores', () => {
    for (const carrier of [{ traceparent: TRACEPARENT }, { traceparent: TRACEPARENT, tracestate: 'a=1', baggage: 'k=v' }, { b3: '1-2-1' }]) {
      expect({ ...decodeTraceCarrier(encodeTraceCarrier(carrier)) }).toEqual(carrier);
    }
  });

  it('reads a bare value as the traceparent, whatever it holds', () => {
    expect({ ...decodeTraceCarrier(TRACEPARENT) }).toEqual({ traceparent: TRACEPARENT });
    expect({ ...decodeTraceCarrier('garbage') }).toEqual({ traceparent: 'garbage' });
  });

  it('reads no field from null, non-strings, blank strings and broken JSON objects', () => {
    for (const stored of [null, undefined, 42, {}, '', '   ', '{broken', '{"a":1', '{"a":"b"} trailing']) {
      expect(Object.keys(decodeTraceCarrier(stored))).toEqual([]);
    }
  });

  it('reads anything not shaped like a JSON object as a bare traceparent, which extraction then ignores', () => {
    for (const stored of ['[]', 'null', ' ["a"]', '"quoted"']) {
      expect({ ...decodeTraceCarrier(stored) }).toEqual({ traceparent: stored });
    }
  });

  it('skips fields that are not strings', () => {
    expect({ ...decodeTraceCarrier('{"traceparent":1,"tracestate":null,"baggage":{"a":"b"},"b3":"x"}') }).toEqual({ b3: 'x' });
  });

  it('treats __proto__ and constructor as field names, never as the object model', () => {
    const carrier = decodeTraceCarrier('{"__proto__":"p","constructor":"c"}');
    expect(Object.getPrototypeOf(carrier)).toBeNull();
    expect(Object.keys(carrier).sort()).toEqual(['__proto__', 'constructor']);
    expect(carrier['constructor']).toBe('c');
    expect(decodeTraceCarrier(null)['constructor']).toBeUndefined();
    expect(encodeTraceCarrier(carrier)).toBe('{"__proto__":"p","constructor":"c"}');
  });
});
