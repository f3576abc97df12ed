import { PGlite } from "@electric-sql/pglite";

const rss = () => Math.round(process.memoryUsage().rss / 1e6);
const extra = process.argv.slice(3);
const startParams = [
  "--single",
  "-F",
  "-O",
  "-j",
  "-c",
  "search_path=public",
  "-c",
  "exit_on_error=false",
  "-c",
  "log_checkpoints=false",
  "-c",
  "max_worker_processes=0",
  "-c",
  "max_parallel_workers=0",
  "-c",
  "max_parallel_workers_per_gather=0",
  "-c",
  "io_method=sync",
  "-c",
  "max_parallel_maintenance_workers=0",
  ...extra.flatMap((e) => ["-c", e]),
];
const db = await PGlite.create(process.argv[2], { startParams });
await db.exec("create table if not exists t (id serial primary key, v text, ts timestamptz default now())");
const out = [rss()];
for (let round = 0; round < 6; round++) {
  for (let i = 0; i < 10000; i++) await db.query("insert into t (v) values ($1)", ["x".repeat(200)]);
  await db.query("delete from t where id % 2 = 0");
  out.push(rss());
}
console.log(
  extra.join(" "),
  out.join(" "),
  "heap",
  Math.round(process.memoryUsage().heapUsed / 1e6),
  "ext",
  Math.round(process.memoryUsage().external / 1e6),
  "ab",
  Math.round(process.memoryUsage().arrayBuffers / 1e6),
);
await db.close();
