import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { describe, expectTypeOf, it } from 'vitest';
import type { TypeOrmDataSource, TypeOrmEntityManager, TypeOrmMigration, TypeOrmQueryRunner } from './typeorm-types.js';

describe('structural TypeORM types', () => {
  it('accept the real TypeORM classes', () => {
    expectTypeOf<DataSource>().toExtend<TypeOrmDataSource>();
    expectTypeOf<EntityManager>().toExtend<TypeOrmEntityManager>();
    expectTypeOf<QueryRunner>().toExtend<TypeOrmQueryRunner>();
  });

  it('produce migrations TypeORM accepts', () => {
    expectTypeOf<TypeOrmMigration>().toExtend<MigrationInterface>();
  });
});
