// The PostgreSQL adapter as the rest of the code sees it: the store, its migrations, and import/export of the
// data-file format. Nothing outside this folder imports its other modules.
export { openPostgresStore, type PostgresStoreOptions } from './postgres-store';
export { runMigrations } from './migrate';
export { exportFromPostgres, importIntoPostgres } from './import-export';
