export { PostgresJobStore } from './store/postgres-job-store.js';
export type { PostgresJobStoreOptions } from './store/store-options.js';
export type { QueryEvent } from './connection/sql-executor.js';
export type { ListenerStatus, ListenerState } from './notify/wake-listener.js';
export { ListenHeartbeatTimeoutError } from './notify/wake-listener.js';
export { ChangeNotificationError } from './notify/change-payload.js';
export type { MigrateResult } from './migrations/migrate.js';
export { jobtrailMigrations, createJobtrailMigrations } from './migrations/typeorm-migrations.js';
export type { JobtrailMigrationOptions } from './migrations/typeorm-migrations.js';
export { JobEntity, createJobEntity } from './entity/job-entity.js';
export type { JobEntityRow, JobEntityOptions } from './entity/job-entity.js';
export type {
  TypeOrmDataSource,
  TypeOrmEntityManager,
  TypeOrmQueryRunner,
  TypeOrmMigration,
  TypeOrmMigrationClass,
} from './typeorm/typeorm-types.js';
