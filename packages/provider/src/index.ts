export { Accounts } from "./accounts.js";
export { type App, type AppDeps, createApp } from "./app.js";
export { type Config, ConfigError, loadConfig } from "./config.js";
export { type Database, openDatabase } from "./db/database.js";
export { MIGRATIONS, type Migration, migrate } from "./db/migrations.js";
export { MemoryRecordStore } from "./dns/memory-record-store.js";
export type { RecordStore, StoreResult } from "./dns/record-store.js";
export { AppError } from "./errors.js";
