import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedRequest {
  method: string;
  url: string;
  ifNoneMatch: string | undefined;
  /** Set once the response finished. */
  status?: number;
  /** Set once the connection of the response closed (finished, or the client went away). */
  closed?: boolean;
}

export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Every request received, in arrival order. */
  requests: ServedRequest[];
  close(): Promise<void>;
}

/** A real node:http server on 127.0.0.1 with an OS-chosen port, recording what it served. */
export async function serve(listener: (request: IncomingMessage, response: ServerResponse) => void): Promise<TestServer> {
  const requests: ServedRequest[] = [];
  const server = createServer((request, response) => {
    const served: ServedRequest = {
      method: request.method ?? '',
      url: request.url ?? '',
      ifNoneMatch: request.headers['if-none-match'],
    };
    requests.push(served);
    response.on('finish', () => {
      served.status = response.statusCode;
    });
    response.on('close', () => {
      served.closed = true;
    });
    listener(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
