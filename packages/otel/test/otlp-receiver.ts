import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** A collector's OTLP/HTTP endpoint reduced to decoding JSON bodies and keeping them per path. */
export interface OtlpReceiver {
  server: Server;
  /** e.g. http://127.0.0.1:1234 */
  origin: string;
  /** Decoded bodies by path (`/v1/traces`, `/v1/metrics`). */
  bodies: Map<string, unknown[]>;
  contentTypes: string[];
  close(): Promise<void>;
}

export function startOtlpReceiver(): Promise<OtlpReceiver> {
  const bodies = new Map<string, unknown[]>();
  const contentTypes: string[] = [];
  const server = createServer(async (req, res) => {
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/')) {
      res.writeHead(404).end();
      return;
    }
    const body = await readBody(req);
    contentTypes.push(String(req.headers['content-type']));
    try {
      const decoded: unknown = JSON.parse(body.toString('utf8'));
      bodies.set(req.url, [...(bodies.get(req.url) ?? []), decoded]);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } catch {
      // Not JSON (e.g. protobuf): a collector would decode it; this test receiver only reads JSON.
      res.writeHead(400).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        server,
        origin: `http://127.0.0.1:${port}`,
        bodies,
        contentTypes,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

export interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: number | string; boolValue?: boolean; doubleValue?: number };
}

export function attributesOf(list: OtlpKeyValue[] = []): Record<string, unknown> {
  return Object.fromEntries(
    list.map(({ key, value }) => [
      key,
      value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue)),
    ]),
  );
}
