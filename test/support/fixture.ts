import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * Runs a fixture app as a child process with shop-otel preloaded through its real entry point,
 * exactly as a user would (`node --import shop-otel/register app`), and collects its output.
 * SHOP_OTEL_TEST_VERBOSE=1 prints each command (to reproduce by hand) and streams the output.
 */
export const REPO = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures');

export const PG_URL = process.env.SHOP_TEST_PG_URL ?? 'postgres://shop:shop@127.0.0.1:5432/shop';
export const AMQP_URL = process.env.SHOP_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export interface FixtureOptions {
  /** How shop-otel is loaded: --import (default), --require, or not at all (baseline). */
  register?: 'import' | 'require' | 'none';
  /** Node flags before the register's (e.g. another preload that comes first). */
  nodeArgs?: string[];
  env?: Record<string, string | undefined>;
  args?: string[];
}

export interface Fixture {
  proc: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout/stderr line matching `re`. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  /** Send `signal`; resolves at exit with `stopMs`, the time from the signal to the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; stopMs: number }>;
}

/** Env for fast, observable export in tests: short batch delays, a given OTLP endpoint. */
export function otelEnv(endpoint: string, service: string): Record<string, string> {
  return {
    OTEL_SERVICE_NAME: service,
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_BLRP_SCHEDULE_DELAY: '200',
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
  };
}

export function runFixture(file: string, options: FixtureOptions = {}): Fixture {
  const register = options.register ?? 'import';
  const flags = register === 'none' ? [] : [register === 'import' ? '--import' : '--require', 'shop-otel/register'];
  const script = path.isAbsolute(file) ? file : path.join(FIXTURES, file);
  const args = [...(options.nodeArgs ?? []), ...flags, script, ...(options.args ?? [])];
  const env: Record<string, string> = {};
  const merged: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== '') env[k] = v;
  // vitest's own workers set NODE_OPTIONS and friends; a fixture starts clean.
  delete env.NODE_OPTIONS;
  delete env.VITEST;
  const verbose = process.env.SHOP_OTEL_TEST_VERBOSE === '1';
  if (verbose) {
    const shown = Object.entries(options.env ?? {}).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    process.stderr.write(`\n[fixture] cd ${REPO} && ${shown.join(' ')} node ${args.join(' ')}\n`);
  }
  const started = Date.now();
  const proc = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  const onLine = (sink: string[], name: string) => {
    let rest = '';
    return (chunk: Buffer) => {
      rest += chunk.toString('utf8');
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        sink.push(line);
        if (verbose) process.stderr.write(`[${path.basename(script)} ${name}] ${line}\n`);
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i].re.test(line)) {
            waiters[i].resolve(line);
            waiters.splice(i, 1);
          }
        }
      }
    };
  };
  proc.stdout!.on('data', onLine(stdout, 'out'));
  proc.stderr!.on('data', onLine(stderr, 'err'));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - started }));
  });

  return {
    proc,
    stdout,
    stderr,
    exited,
    waitForLine(re: RegExp, timeoutMs = 20_000): Promise<string> {
      const seen = [...stdout, ...stderr].find((l) => re.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`${path.basename(script)}: no line matching ${re} within ${timeoutMs} ms.\nstdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`));
        }, timeoutMs);
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then(() => {
          setTimeout(() => {
            clearTimeout(timer);
            reject(new Error(`${path.basename(script)} exited before printing ${re}.\nstdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`));
          }, 50);
        });
      });
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const sent = Date.now();
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const r = await exited;
      clearTimeout(t);
      return { ...r, stopMs: Date.now() - sent };
    },
  };
}

/** The port a fixture reports with a `listening on <port>` line. */
export async function listeningPort(f: Fixture): Promise<number> {
  const line = await f.waitForLine(/listening on \d+/);
  return Number(/listening on (\d+)/.exec(line)![1]);
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}
