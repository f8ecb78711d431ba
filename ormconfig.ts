import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/configuration';
import { dataSourceOptions } from './src/database/data-source-options';

/** The one DataSource definition, for the TypeORM CLI (`npm run migration:*`). */
const config = loadConfig();

export default new DataSource(
  dataSourceOptions({ databasePath: config.databasePath, busyTimeoutMs: config.sqliteBusyTimeoutMs }),
);
