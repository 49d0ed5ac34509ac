// Why the build patches @opentelemetry/api's BaseContext (scripts/bundle/otel-patches.mjs): a
// plain http server, no telemetry at all, makes one context per request in its handler and drops
// it; V8's --trace-gc-nvp gives the bytes its scavenges promoted, per request, under a fixed rate.
// Rows: nothing; `ROOT_CONTEXT.setValue` with the API's context module as installed and as
// patched; a stand-in object with three arrow closures over itself (what BaseContext made), the
// same with bound functions (what the patch makes). Then, in process, what one setValue costs with
// either module. Alternating rounds, medians. No services needed.
//   node bench/micro/context-promotion.mjs [rounds] [rate] [seconds]
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixedRate } from '../lib/load.mjs';
import { loadPackageModule } from '../../scripts/bundle/otel-patches.mjs';
import { freePort } from '../../scripts/pipeline/ports.mjs';

const api = (patched) => loadPackageModule('@opentelemetry/api', 'context/context.cjs', patched);

if (process.argv[2] === '--serve') {
  const [, , , mode, port] = process.argv;
  const key = Symbol('k');
  const installed = api(false).ROOT_CONTEXT;
  const patched = api(true).ROOT_CONTEXT;
  class Arrows {
    constructor() {
      const self = this;
      self.m = new Map();
      self.getValue = (k) => self.m.get(k);
      self.setValue = (k, v) => self.m.set(k, v) && self;
      self.deleteValue = (k) => self.m.delete(k);
    }
  }
  function get(k) { return this.m.get(k); }
  function set(k, v) { this.m.set(k, v); return this; }
  function del(k) { return this.m.delete(k); }
  class Bound {
    constructor() {
      this.m = new Map();
      this.getValue = get.bind(this);
      this.setValue = set.bind(this);
      this.deleteValue = del.bind(this);
    }
  }
  const make = {
    nothing: () => 1,
    'api as installed': (v) => installed.setValue(key, v),
    'api patched': (v) => patched.setValue(key, v),
    'three arrow closures': (v) => new Arrows().setValue(key, v),
    'three bound functions': (v) => new Bound().setValue(key, v),
  }[mode];
  let sink = 0;
  http.createServer((req, res) => {
    sink += make({ url: req.url }) ? 1 : 0;
    res.end('ok');
  }).listen(Number(port), '127.0.0.1', () => process.stderr.write(`listening ${sink}\n`));
} else {
  const [ROUNDS = 3, RATE = 450, SECONDS = 8] = process.argv.slice(2, 5).map(Number);
  const modes = ['nothing', 'api as installed', 'api patched', 'three arrow closures', 'three bound functions'];
  const res = Object.fromEntries(modes.map((m) => [m, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of modes.map((_, i) => modes[(i + round) % modes.length])) {
      const port = await freePort();
      const child = spawn(process.execPath, ['--trace-gc-nvp', fileURLToPath(import.meta.url), '--serve', mode, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      await new Promise((resolve, reject) => {
        child.stderr.on('data', (d) => String(d).includes('listening') && resolve());
        child.once('exit', (code) => reject(new Error(`${mode}: the server exited (${code})`)));
      });
      const base = `http://127.0.0.1:${port}`;
      await fixedRate(base, RATE, RATE * 2); // warm-up (JIT), not counted
      out = '';
      const run = await fixedRate(base, RATE, RATE * SECONDS);
      await sleep(300);
      const promoted = out.split('\n').filter((l) => l.includes('gc=s ')).reduce((n, l) => n + Number(/\bpromoted=(\d+)/.exec(l)?.[1] ?? 0), 0);
      res[mode].push(promoted / run.count);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`node ${process.version}, ${ROUNDS} alternating rounds × ${SECONDS} s at ${RATE} req/s; bytes promoted per request, medians`);
  for (const [mode, xs] of Object.entries(res)) console.log(`${mode.padEnd(24)} ${median(xs).toFixed(0).padStart(5)} B/request; rounds ${xs.map((x) => x.toFixed(0)).join(' ')}`);

  // In process: one setValue (a copy of the parent's Map, then a set) with either module.
  const keys = [Symbol('a'), Symbol('b'), Symbol('c'), Symbol('d')];
  const cost = { 'api as installed': [], 'api patched': [] };
  const mods = { 'api as installed': api(false), 'api patched': api(true) };
  for (let r = 0; r < 9; r++) {
    for (const [name, m] of Object.entries(mods)) {
      const t0 = process.hrtime.bigint();
      let x = 0;
      for (let i = 0; i < 200_000; i++) {
        let c = m.ROOT_CONTEXT;
        for (const k of keys) c = c.setValue(k, i);
        x += c.getValue(keys[2]);
      }
      if (r > 0 && x > 0) cost[name].push(Number(process.hrtime.bigint() - t0) / (200_000 * keys.length));
    }
  }
  for (const [name, xs] of Object.entries(cost)) console.log(`${name.padEnd(24)} ${median(xs).toFixed(0)} ns per setValue (in process, four keys deep)`);
}
