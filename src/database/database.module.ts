import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { createPrivateFile } from '../common/private-file';
import { FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import { dataSourceOptions } from './data-source-options';
import { applySqlitePragmas } from './pragmas';
import { WriteQueue } from './write-queue';

/**
 * Opens the SQLite file, sets and verifies the pragmas, and runs pending migrations
 * before anything else starts. `synchronize` is never used.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [FLOWGATE_CONFIG],
      useFactory: (config: FlowgateConfig) =>
        dataSourceOptions({ databasePath: config.databasePath, busyTimeoutMs: config.sqliteBusyTimeoutMs }),
      dataSourceFactory: async (options) => {
        if (!options || options.type !== 'sqlite') throw new Error('Flowgate needs a sqlite data source');
        // Created owner-only (0600): the file holds every user's consent history.
        if (options.database !== ':memory:') createPrivateFile(options.database);
        const dataSource = await new DataSource(options).initialize();
        await applySqlitePragmas(dataSource, options.busyTimeout ?? 5000);
        const applied = await dataSource.runMigrations({ transaction: 'each' });
        if (applied.length > 0) {
          new Logger('Database').log(`Applied migrations: ${applied.map((m) => m.name).join(', ')}`);
        }
        return dataSource;
      },
    }),
  ],
  providers: [WriteQueue],
  exports: [WriteQueue],
})
export class DatabaseModule {}
