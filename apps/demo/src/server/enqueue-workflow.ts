import type { Job, Tracker } from '@jobtrail/core';
import { JOB_TYPES, type TenantId, type WorkflowName } from '../shared/workflows.js';

const PLACES = [
  { placeId: 'ChIJN1t_tDeuEmsRUsoyG83frY4', name: 'Harbour Café' },
  { placeId: 'ChIJP3Sa8ziYEmsRUKgyFmh9AQM', name: 'Gallery of Modern Art' },
  { placeId: 'ChIJrTLr-GyuEmsRBfy61i59si0', name: 'Riverside Books' },
];

let counter = 0;

/** Queues one run of a sample workflow for `tenantId`, with realistic payload and metadata. */
export async function enqueueWorkflow(tracker: Tracker, name: WorkflowName, tenantId: TenantId): Promise<Job> {
  counter += 1;
  const common = { tenantId, ownerId: `${tenantId}-demo-user` };
  switch (name) {
    case 'deep-scan': {
      const place = PLACES[counter % PLACES.length]!;
      return tracker.enqueue(JOB_TYPES.deepScan, place, {
        ...common,
        metadata: { placeId: place.placeId, tenant: tenantId },
      });
    }
    case 'file-import': {
      const fileName = `leads-${new Date().toISOString().slice(0, 10)}-${counter}.csv`;
      return tracker.enqueue(JOB_TYPES.fileImport, { fileName, rows: 1_200 }, { ...common, metadata: { fileName } });
    }
    case 'lead-scoring':
      return tracker.enqueue(
        JOB_TYPES.leadScoringRun,
        {
          clients: [
            { client: 'Northwind', leads: 40 },
            { client: 'Contoso', leads: 25 },
            { client: 'Initech', leads: 0 },
          ],
        },
        { ...common, metadata: { run: counter } },
      );
    case 'flaky-api':
      return tracker.enqueue(JOB_TYPES.flakyApi, { partner: 'supplier-catalog' }, { ...common, metadata: { partner: 'supplier-catalog' } });
    case 'bad-input':
      return tracker.enqueue(
        JOB_TYPES.badInput,
        { fileName: 'contacts.csv', firstRow: { name: 'Bob', email: 'bob@' } },
        { ...common, metadata: { fileName: 'contacts.csv' } },
      );
    case 'crash-worker':
      return tracker.enqueue(JOB_TYPES.crashWorker, {}, { ...common, metadata: { note: 'kills its worker on attempt 1' } });
  }
}
