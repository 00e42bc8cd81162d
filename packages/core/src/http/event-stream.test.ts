import { describe, expect, it } from 'vitest';
import { EventStream } from './event-stream.js';

async function readAll(stream: EventStream): Promise<string> {
  const reader = stream.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += decoder.decode(value);
  }
}

const options = (closed: string[]) => ({
  heartbeatMs: 60_000,
  maxBuffered: 3,
  retryMs: 2_000,
  onOverflow: () => ({ event: 'reset', data: { reason: 'overflow' } }),
  onClose: () => closed.push('closed'),
});

describe('EventStream', () => {
  it('writes events in the SSE format, the retry field first', async () => {
    const closed: string[] = [];
    const stream = new EventStream(options(closed));
    stream.send('job', { n: 1 }, { id: '7' });
    stream.close();
    expect(await readAll(stream)).toBe('retry: 2000\n\nevent: job\nid: 7\ndata: {"n":1}\n\n');
    expect(closed).toEqual(['closed']);
  });

  it('keeps only the latest waiting event of a key, and past the bound replaces all with the overflow event', async () => {
    const stream = new EventStream(options([]));
    for (let n = 0; n < 10; n++) stream.send('job', { n }, { key: 'job-1' });
    stream.close();
    expect(await readAll(stream)).toBe('retry: 2000\n\nevent: job\ndata: {"n":9}\n\n');

    const slow = new EventStream(options([]));
    for (let n = 0; n < 5; n++) slow.send('job', { n });
    slow.close();
    // Three wait, the fourth overflows (all waiting events become one reset), the fifth follows it.
    expect(await readAll(slow)).toBe('retry: 2000\n\nevent: reset\ndata: {"reason":"overflow"}\n\nevent: job\ndata: {"n":4}\n\n');
  });

  it('ends its watch when the reader cancels', async () => {
    const closed: string[] = [];
    const stream = new EventStream(options(closed));
    await stream.body.cancel();
    expect(closed).toEqual(['closed']);
    stream.send('job', {});
    expect(stream.isClosed).toBe(true);
  });

  it('also overflows on bytes: a reader that does not read holds at most maxBufferedBytes of events', async () => {
    const stream = new EventStream({ ...options([]), maxBuffered: 1_000, maxBufferedBytes: 100 });
    stream.send('job', { blob: 'x'.repeat(60) });
    stream.send('job', { blob: 'y'.repeat(60) });
    stream.close();
    expect(await readAll(stream)).toBe('retry: 2000\n\nevent: reset\ndata: {"reason":"overflow"}\n\n');
  });
});
