import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { createPrivateFile } from '../common/private-file';
import { FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import { ChangeLogService } from '../policy/change-log.service';
import { dataSourceOptions } from './data-source-options';
import { JobLeases } from './job-leases';
import { applySqlitePragmas } from './pragmas';
import { ReplicaReads } from './replica-reads';
import { FLOWGATE_LOCKS, LOCK_KEYS, WriteQueue } from './write-queue';

/**
 * Opens the database (SQLite file, or PostgreSQL at DATABASE_URL), sets and verifies the
 * SQLite pragmas, and runs that driver's pending migrations before anything else starts
 * (on PostgreSQL under an advisory lock, so instances starting together migrate once).
 * `synchronize` is never used. The change log and job leases live here: every module
 * appends to and follows the same log.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [FLOWGATE_CONFIG],
      useFactory: (config: FlowgateConfig) => dataSourceOptions(config),
      dataSourceFactory: async (options) => openDatabase(options!),
    }),
  ],
  providers: [WriteQueue, ChangeLogService, JobLeases, ReplicaReads],
  exports: [WriteQueue, ChangeLogService, JobLeases, ReplicaReads],
})
export class DatabaseModule {}

/** Opens the data source and brings its schema up to date. */
export async function openDatabase(options: DataSourceOptions): Promise<DataSource> {
  const logger = new Logger('Database');
  if (options.type === 'sqlite') {
    // Created owner-only (0600): the file holds every user's consent history.
    if (options.database !== ':memory:') createPrivateFile(options.database);
    const dataSource = await new DataSource(options).initialize();
    await applySqlitePragmas(dataSource, options.busyTimeout ?? 5000);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) logger.log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
    return dataSource;
  }
  if (options.type !== 'postgres') throw new Error(`Flowgate supports sqlite and postgres, not ${options.type}`);
  const dataSource = await new DataSource(options).initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1, $2)', [FLOWGATE_LOCKS, LOCK_KEYS.migrations]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) logger.log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1, $2)', [FLOWGATE_LOCKS, LOCK_KEYS.migrations]).catch(() => undefined);
    await runner.release();
  }
  return dataSource;
}
