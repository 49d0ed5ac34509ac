// The loop of bench/micro/pg-query.mjs, in a process of its own: N sequential pool.query() calls,
// each inside a parent span for the instrumented variants (as a query inside a request), CPU per
// query for each of ROUNDS rounds after a warm-up, printed as one JSON line.
'use strict';
const { Pool } = require('pg');
const N = Number(process.env.PG_LOOP_N ?? 4000);
const ROUNDS = Number(process.env.PG_LOOP_ROUNDS ?? 6);
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
// PG_LOOP_PARENT=1 (the instrumented variants): each query inside a parent span.
const tracer = process.env.PG_LOOP_PARENT === '1' ? require('@opentelemetry/api').trace.getTracer('pg-query-loop') : undefined;
const SQL = 'SELECT $1::int AS x, $2::text AS y';
const one = (i) => (tracer ? tracer.startActiveSpan('parent', async (s) => { await pool.query(SQL, [i, 'a']); s.end(); }) : pool.query(SQL, [i, 'a']));
(async () => {
  for (let i = 0; i < 500; i++) await one(i);
  const us = [];
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) await one(i);
    const c = process.cpuUsage(c0);
    us.push((c.user + c.system) / N);
  }
  process.stdout.write(`${JSON.stringify(us)}\n`);
  await pool.end();
})();
