// Where the RSS of the bench app goes under each variant: after 6 s at a fixed rate, RSS and the
// heap's totals and spaces (bench/lib/heap-spaces-probe.cjs), two alternating rounds.
//   node bench/micro/memory.mjs ['{"label": {...env}}']    (bare and shop-otel by default)
//   BENCH_MEMORY_RATE=<req/s> (450 by default); BENCH_MEMORY_GC=1: a full GC before each reading (--expose-gc), and each space as used/capacity
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixedRate, request } from '../lib/load.mjs';
import { rssMb } from '../lib/proc.mjs';
import { AMQP_URL, DATABASE_URL, startCountingReceiver } from '../lib/harness.mjs';
import { ROOT } from '../variants.mjs';
import { freePort } from '../../scripts/pipeline/ports.mjs';

const receiver = await startCountingReceiver();
const configs = { bare: {}, 'shop-otel': {}, ...JSON.parse(process.argv[2] ?? '{}') };
// BENCH_MEMORY_RATE: requests per second of the fixed-rate phase (450 by default; the main bench reads RSS after saturation).
const RATE = Number(process.env.BENCH_MEMORY_RATE ?? 450);
try {
  for (let round = 0; round < 2; round++) {
    for (const [name, env] of Object.entries(configs)) {
      const p = String(await freePort());
      const gc = process.env.BENCH_MEMORY_GC === '1';
      const args = [...(gc ? ['--expose-gc'] : []), '--require', path.join(ROOT, 'bench/lib/heap-spaces-probe.cjs'), ...(name === 'bare' ? [] : ['--import', 'shop-otel/register']), path.join(ROOT, 'bench/app/server.cjs')];
      const app = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH, PORT: p, DATABASE_URL, AMQP_URL, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...(gc ? { HEAP_PROBE_GC: '1' } : {}), ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
      let heap = '';
      app.stderr.on('data', (d) => {
        const m = /heap-spaces (.*)/.exec(String(d));
        if (m) heap = m[1];
      });
      const base = `http://127.0.0.1:${p}`;
      const t0 = Date.now();
      while ((await request(base, 'GET', '/health')).status !== 200) {
        if (app.exitCode !== null || Date.now() - t0 > 30_000) throw new Error(`${name}: the bench app did not start`);
        await sleep(20);
      }
      await fixedRate(base, RATE, RATE * 6);
      await sleep(1200);
      console.log(`${name.padEnd(20)} RSS ${rssMb(app.pid).toFixed(0)} MB  ${heap}`);
      app.kill('SIGTERM');
      await new Promise((r) => app.once('exit', r));
    }
  }
} finally {
  receiver.stop();
}
process.exit(0);
