import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { toNodeHandler } from './to-node-handler.js';

describe('toNodeHandler and a slow reader', () => {
  it('waits for drain again and again without piling listeners on the response', async () => {
    class SlowResponse extends EventEmitter {
      statusCode = 0;
      headersSent = false;
      chunks = 0;
      ended = false;
      setHeader() {}
      flushHeaders() {
        this.headersSent = true;
      }
      // The socket's buffer is always full: every chunk waits for the next `drain`.
      write() {
        this.chunks++;
        setImmediate(() => this.emit('drain'));
        return false;
      }
      end() {
        this.ended = true;
      }
    }
    const encoder = new TextEncoder();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ === 200) controller.close();
        else controller.enqueue(encoder.encode(`data: ${sent}\n\n`));
      },
    });
    const handler = toNodeHandler(async () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }));
    const response = new SlowResponse();
    const warnings: unknown[] = [];
    response.on('warning', (warning) => warnings.push(warning));
    await handler({ method: 'GET', url: '/jobs/stream', headers: {} }, response);
    expect(response.chunks).toBe(200);
    expect(response.ended).toBe(true);
    // Only the stream's own `close` listener (the client going away) is left, never one per wait.
    expect(response.listenerCount('close')).toBeLessThanOrEqual(1);
    expect(response.listenerCount('drain')).toBe(0);
  });
});
