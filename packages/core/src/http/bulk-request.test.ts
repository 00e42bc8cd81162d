import { describe, expect, it } from 'vitest';
import { readBulkFilter } from './bulk-request.js';

const request = (body: BodyInit | ReadableStream<Uint8Array>, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  new Request('http://api.test/jobs/retry', { method: 'POST', headers, body, duplex: 'half' } as RequestInit);

describe('readBulkFilter', () => {
  it('reads the list filters, dates and lists included', async () => {
    const filter = await readBulkFilter(
      request(JSON.stringify({ status: ['failed', 'cancelled'], type: 'a', errorCode: 'http_503', createdAfter: '2026-11-30T10:00:00Z', metadata: { n: 1 } })),
    );
    expect(filter).toEqual({ status: ['failed', 'cancelled'], type: ['a'], errorCode: 'http_503', createdAfter: new Date('2026-11-30T10:00:00Z'), metadata: { n: 1 } });
  });

  it('answers 400, not a server failure, when the body breaks off', async () => {
    let sent = false;
    const broken = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(new Error('aborted'));
        sent = true;
        controller.enqueue(new TextEncoder().encode('{"status":'));
      },
    });
    await expect(readBulkFilter(request(broken))).rejects.toMatchObject({ status: 400, code: 'invalid_input', message: expect.stringMatching(/could not be read/) });
  });

  it('refuses a date that does not exist and a declared length over the cap', async () => {
    await expect(readBulkFilter(request(JSON.stringify({ status: 'failed', createdAfter: '2026-02-30T00:00:00Z' })))).rejects.toMatchObject({ status: 400 });
    await expect(readBulkFilter(request('{}', { 'content-type': 'application/json', 'content-length': '99999' }))).rejects.toMatchObject({ status: 413 });
  });
});
