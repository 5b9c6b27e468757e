// The JSON-file adapter as the rest of the code sees it: the store, and the data-file format for the commands
// and tools that read or write such a file. Nothing outside this folder imports its other modules.
export { DEFAULT_LOCK_STALE_MS, openJsonFileStore, type JsonFileStoreOptions } from './json-file-store';
export { DataFileInvalid, parseDataFile, serialiseDataFile, writeDataFile, type DataFile } from './data-file';
