import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/configuration';
import { dataSourceOptions } from './src/database/data-source-options';

const config = loadConfig();

/** The one DataSource definition, for the TypeORM CLI (`npm run migration:*`): SQLite, or
 * PostgreSQL when DATABASE_URL is set (generate each driver's migrations against its own). */
export default new DataSource(dataSourceOptions(config));
