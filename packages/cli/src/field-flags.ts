/** The flag behind each field of the tracker's input, to name it when core refuses a value. */
const FLAG_OF_FIELD: Record<string, string> = {
  status: '--status',
  type: '--type',
  errorCode: '--error-code',
  key: '--key',
  group: '--group',
  scheduleName: '--schedule-name',
  tenantId: '--tenant-id',
  ownerId: '--owner-id',
  parentId: '--parent-id',
  metadata: '--metadata',
  createdAfter: '--since',
  createdBefore: '--until',
  limit: '--limit',
  cursor: '--cursor',
  order: '--order',
};

/**
 * Core's message for `field` with the flag's name in front instead of the field's: core starts it
 * with the field ("status: ..."). A metadata field keeps its name in the reason (`metadata.tier`
 * → `--metadata: field "tier" ...`); a prune cut-off (`before.failed`) is its status's flag.
 */
export function flagMessage(field: string, message: string): string {
  const reason = message.startsWith(`${field}: `) ? message.slice(field.length + 2) : message;
  const flag = FLAG_OF_FIELD[field];
  if (flag !== undefined) return `${flag}: ${reason}`;
  if (field.startsWith('metadata.')) return `--metadata: field ${JSON.stringify(field.slice('metadata.'.length))} ${reason}`;
  if (field.startsWith('before.')) return `--${field.slice('before.'.length)}: ${reason}`;
  return message;
}
