/**
 * The web process of the streams benchmark (forked by streams.bench.ts): a PostgresJobStore on
 * the given schema, a tracker and the jobs handler on node:http. It answers `stats` messages with
 * the store's query count and its own CPU time and memory, so the parent measures the server only.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createJobsHandler, createTracker, toNodeHandler } from '@jobtrail/core';
import { PostgresJobStore } from '@jobtrail/store-postgres';
import { DataSource } from 'typeorm';

const [connectionString, schema] = process.argv.slice(2) as [string, string];
let queries = 0;
const dataSource = await new DataSource({ type: 'postgres', url: connectionString, schema, poolSize: 10 }).initialize();
const store = new PostgresJobStore({ dataSource, onQuery: () => void queries++ });
const tracker = createTracker({ store, recoverIntervalMs: false });
await tracker.clockReady();
const handler = createJobsHandler({ tracker, authorize: () => ({ tenantId: 'bench' }), allowCrossSiteActions: true, onError: () => {} });
const server = createServer(toNodeHandler(handler));
server.maxConnections = 10_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.send!({ kind: 'ready', port: (server.address() as AddressInfo).port });
process.on('message', (message: { kind: string }) => {
  if (message.kind === 'stats') {
    process.send!({ kind: 'stats', queries, cpu: process.cpuUsage(), memory: process.memoryUsage() });
  } else if (message.kind === 'stop') {
    server.closeAllConnections();
    server.close();
    void tracker.close().then(() => store.close()).then(() => dataSource.destroy()).then(() => process.exit(0));
  }
});
