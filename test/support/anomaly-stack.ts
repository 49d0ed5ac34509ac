/**
 * What the anomaly service's end-to-end test runs: a real Prometheus (Debian's /usr/bin/prometheus)
 * in its own directory on an ephemeral port, history backfilled with `promtool tsdb
 * create-blocks-from openmetrics`, and `shop-otel-anomaly serve` as a child process.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as portsModule from '../../scripts/pipeline/ports.mjs';

export const ROOT = path.resolve(__dirname, '..', '..');

export const freePort = (portsModule as { freePort(): Promise<number> }).freePort;

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  stop: () => Promise<number | null>;
}

export function spawnLogged(cmd: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): Proc {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile, { flags: 'a' });
  let text = '';
  const take = (b: Buffer) => {
    text += b.toString();
    log.write(b);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** Writes OpenMetrics text and turns it into TSDB blocks under `dataDir` (promtool, before Prometheus starts). */
export function backfill(openMetrics: string, dir: string, dataDir: string): void {
  const file = path.join(dir, 'history.om');
  writeFileSync(file, openMetrics);
  mkdirSync(dataDir, { recursive: true });
  const r = spawnSync('/usr/bin/promtool', ['tsdb', 'create-blocks-from', 'openmetrics', file, dataDir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`promtool create-blocks-from failed: ${r.stderr}${r.stdout}`);
}

export interface Prom {
  url: string;
  proc: Proc;
  query: (q: string) => Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  alerts: () => Promise<Array<{ labels: Record<string, string>; state: string; annotations: Record<string, string> }>>;
}

export async function startPrometheus(dir: string, dataDir: string, config: string): Promise<Prom> {
  const port = await freePort();
  const conf = path.join(dir, 'prometheus.yml');
  writeFileSync(conf, config);
  const url = `http://127.0.0.1:${port}`;
  const proc = spawnLogged('/usr/bin/prometheus', [
    `--config.file=${conf}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`,
    '--storage.tsdb.retention.time=30d', '--log.level=warn',
  ], path.join(dir, 'prometheus.log'));
  await waitFor('prometheus ready', async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), 30_000);
  const api = async (p: string) => {
    const j = (await (await fetch(`${url}${p}`)).json()) as { status: string; data: unknown };
    if (j.status !== 'success') throw new Error(`prometheus ${p}: ${JSON.stringify(j)}`);
    return j.data;
  };
  return {
    url,
    proc,
    query: async (q) => ((await api(`/api/v1/query?query=${encodeURIComponent(q)}`)) as { result: [] }).result,
    alerts: async () => ((await api('/api/v1/alerts')) as { alerts: [] }).alerts,
  };
}

/**
 * The production rule file with every range window `[..]` and `for:` divided by `scale` (whole
 * seconds, at least 1 s): the live test runs the same rules on a compressed clock.
 */
export function scaledRules(file: string, scale: number): string {
  const seconds = (n: number, u: string) => n * ({ s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[u];
  const scaled = (n: string, u: string) => `${Math.max(1, Math.round(seconds(Number(n), u) / scale))}s`;
  return readFileSync(file, 'utf8')
    .replace(/\[(\d+)([smhd])\]/g, (_m, n: string, u: string) => `[${scaled(n, u)}]`)
    .replace(/^(\s*for:\s*)(\d+)([smhd])\s*$/gm, (_m, p: string, n: string, u: string) => `${p}${scaled(n, u)}`);
}
