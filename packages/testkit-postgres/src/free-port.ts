import { createServer } from 'node:net';

/** Asks the kernel for a free TCP port on 127.0.0.1 by binding port 0 and releasing it. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('testkit-postgres: could not read the bound port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
