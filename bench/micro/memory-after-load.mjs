// RSS and V8's heap spaces through the full bench's load and after it: after the warm-up (3 s at
// saturation, 1 s idle: the table's "RSS after warm-up"), after the load (8 s more at saturation
// and 6 s at 800 req/s: "after the load"), after 30 s idle, and after 30 s at 100 req/s; bare
// and shop-otel, alternating rounds. The app is read on SIGUSR2 (bench/lib/heap-spaces-probe.cjs
// HEAP_PROBE_ON_SIGNAL=1): no timer of the probe's own, so an idle app stays idle.
//   node bench/micro/memory-after-load.mjs [rounds]     (2 by default; needs the services and wrk)
//   MEMORY_CONFIGS='{"label": {...env}}' replaces the shop-otel row (bare is always run), as
//   cpu-request.mjs's CPU_REQUEST_CONFIGS; MEMORY_WARM_UP_ONLY=1 stops each round after the
//   first reading (the table's "RSS after warm-up"), ~10 s a round.
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { fixedRate, saturate } from '../lib/load.mjs';
import { rssMb } from '../lib/proc.mjs';
import { dropBroker, prepareTable, rowsFromEnv, spawnVariantApp, startCountingReceiver } from '../lib/harness.mjs';
import { otlpEnv, ROOT } from '../variants.mjs';
import { freePort } from '../../scripts/pipeline/ports.mjs';

const ROUNDS = Number(process.argv[2] ?? 2);
const receiver = await startCountingReceiver();
const table = `memload_${process.pid}`;
const db = await prepareTable(table);
const probe = ['--require', path.join(ROOT, 'bench/lib/heap-spaces-probe.cjs')];
const otel = otlpEnv(receiver.url);
const warmUpOnly = process.env.MEMORY_WARM_UP_ONLY === '1';
const variants = {
  bare: { args: probe, env: {} },
  ...rowsFromEnv('MEMORY_CONFIGS', '{"shop-otel": {}}', { args: [...probe, '--import', 'shop-otel/register'], env: otel }),
};
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, v] of Object.entries(variants)) {
      let heap = '';
      const app = await spawnVariantApp({ name, args: v.args, port: await freePort(), env: { TABLE: table, EXCHANGE: `memload.${process.pid}`, QUEUE: `memload.${process.pid}`, OTEL_SERVICE_NAME: 'memory-after-load', HEAP_PROBE_ON_SIGNAL: '1', ...v.env } });
      app.proc.stderr.on('data', (d) => {
        const m = /heap-spaces (.*)/.exec(String(d));
        if (m) heap = m[1];
      });
      const read = async (label) => {
        heap = '';
        app.proc.kill('SIGUSR2');
        for (let i = 0; i < 50 && heap === ''; i++) await sleep(20);
        return `  ${label.padEnd(24)} RSS ${rssMb(app.proc.pid).toFixed(0).padStart(4)} MB  ${heap}`;
      };
      const lines = [];
      await saturate(app.base, 3);
      await sleep(1000);
      lines.push(await read('after the warm-up'));
      if (warmUpOnly) {
        console.log(`round ${round + 1} ${name}\n${lines.join('\n')}`);
        await app.stop();
        continue;
      }
      await saturate(app.base, 8);
      await sleep(1000);
      await fixedRate(app.base, 800, 800 * 6);
      await sleep(1000);
      lines.push(await read('after the load'));
      await sleep(30_000);
      lines.push(await read('after 30 s idle'));
      await fixedRate(app.base, 100, 100 * 30);
      lines.push(await read('after 30 s at 100 req/s'));
      console.log(`round ${round + 1} ${name}\n${lines.join('\n')}`);
      await app.stop();
    }
  }
} finally {
  receiver.stop();
  // The table, exchange and queue are this run's: left behind, the queue holds up to 10 000 of its messages.
  await db.drop().catch(() => undefined);
  await dropBroker(`memload.${process.pid}`).catch(() => undefined);
}
process.exit(0);
