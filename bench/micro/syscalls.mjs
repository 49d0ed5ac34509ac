// System calls per request of the bench app's order mix, bare against shop-otel: `strace -c -f`
// attached to every thread of the app while it serves requests at a fixed rate (after the
// harness' warm-up), the counts divided by the requests. strace slows every call, so read the
// counts, not its times. Needs strace (Debian: apt-get install strace) and the services.
//   node bench/micro/syscalls.mjs [rate] [seconds]        (800 and 6 by default)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixedRate } from '../lib/load.mjs';
import { dropBroker, warmUp, prepareTable, spawnVariantApp, startCountingReceiver } from '../lib/harness.mjs';
import { freePort } from '../../scripts/pipeline/ports.mjs';
import { otlpEnv } from '../variants.mjs';

if (spawnSync('strace', ['-V']).status !== 0) {
  console.error('syscalls: `strace` is not installed (Debian: apt-get install strace)');
  process.exit(2);
}
const [RATE = 800, SECONDS = 6] = process.argv.slice(2).map(Number);
const receiver = await startCountingReceiver();
const table = `syscalls_${process.pid}`;
const db = await prepareTable(table);
const dir = mkdtempSync(path.join(os.tmpdir(), 'shop-otel-strace-'));
const otel = otlpEnv(receiver.url);
const variants = { bare: { args: [], env: {} }, 'shop-otel': { args: ['--import', 'shop-otel/register'], env: otel } };
const requests = RATE * SECONDS;
try {
  for (const [name, v] of Object.entries(variants)) {
    const app = await spawnVariantApp({ name, args: v.args, port: await freePort(), env: { TABLE: table, EXCHANGE: `syscalls.${process.pid}`, QUEUE: `syscalls.${process.pid}`, OTEL_SERVICE_NAME: 'syscalls', ...v.env } });
    await warmUp(app.base, RATE, RATE * 3);
    const out = path.join(dir, `${name}.txt`);
    const tids = readdirSync(`/proc/${app.proc.pid}/task`);
    const tracer = spawn('strace', ['-c', '-f', '-o', out, ...tids.flatMap((t) => ['-p', t])], { stdio: 'ignore' });
    await sleep(1500); // attached to every thread
    await fixedRate(app.base, RATE, requests);
    tracer.kill('SIGINT');
    await new Promise((r) => tracer.once('exit', r));
    await app.stop();
    // strace -c: "% time seconds usecs/call calls errors syscall"
    const rows = readFileSync(out, 'utf8').split('\n').map((l) => l.trim().split(/\s+/)).filter((c) => c.length >= 5 && /^\d+$/.test(c[3]));
    const counts = rows.map((c) => [c.at(-1), Number(c[3])]).filter(([n]) => n !== 'total').sort((a, b) => b[1] - a[1]);
    const total = counts.reduce((a, [, n]) => a + n, 0);
    console.log(`${name.padEnd(10)} ${(total / requests).toFixed(2)} system calls per request over ${requests}: ${counts.slice(0, 6).map(([n, c]) => `${n} ${(c / requests).toFixed(2)}`).join(', ')}`);
  }
} finally {
  receiver.stop();
  // The table, exchange and queue are this run's: left behind, the queue holds up to 10 000 of its messages.
  await db.drop().catch(() => undefined);
  await dropBroker(`syscalls.${process.pid}`).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
