// CPU per pg query (pool.query with two parameters, sequential, inside a parent span), for bare,
// shop-otel without its pg instrumentation, shop-otel, and an older build: what the pg query
// span costs, alone. Each variant in processes of its own, alternating, medians of the rounds
// after the first two of each process (bench/lib/loop-variants.mjs). Needs PostgreSQL
// (scripts/services.sh); exporters off, so the figure is the instrumentation's and the span's,
// not the export's.
//   node bench/micro/pg-query.mjs [runs]      BENCH_BEFORE_DIST=<dist> adds an older build
import { runLoopVariants } from '../lib/loop-variants.mjs';

await runLoopVariants({
  runs: Number(process.argv[2] ?? 3),
  loop: 'bench/lib/pg-query-loop.cjs',
  instrumentation: 'pg',
  env: { DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://shop:shop@127.0.0.1:5432/shop' },
  quiet: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', PG_LOOP_PARENT: '1' },
  unit: 'query',
});
