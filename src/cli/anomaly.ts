#!/usr/bin/env node
/**
 * `shop-otel-anomaly score FILE.csv` — NAB's format in, `timestamp,value,anomaly_score` out.
 * `shop-otel-anomaly serve [flags]` — scores Prometheus series live (docs/anomaly.md).
 * A thin shell: the work is in src/anomaly.
 */
import { readFileSync } from 'node:fs';
import { CsvError, parseSeriesCsv, scoreSeries } from '../anomaly';

const USAGE = 'usage: shop-otel-anomaly score FILE.csv | shop-otel-anomaly serve [--prometheus URL] [--listen HOST:PORT] [--queries FILE] [--step 60s] [--warmup 7d] [--state FILE] [--shard i/n]';

// `score FILE | head`: a closed pipe ends the command quietly, as for any Unix filter.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'score') {
    if (rest.length !== 1) {
      process.stderr.write(`shop-otel-anomaly: score takes one file\n${USAGE}\n`);
      return 2;
    }
    let text: string;
    try {
      text = readFileSync(rest[0], 'utf8');
    } catch (e) {
      process.stderr.write(`shop-otel-anomaly: ${rest[0]}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})\n`);
      return 2;
    }
    try {
      process.stdout.write(scoreSeries(parseSeriesCsv(text)));
    } catch (e) {
      if (!(e instanceof CsvError)) throw e;
      process.stderr.write(`shop-otel-anomaly: ${rest[0]}: ${e.message}\n`);
      return 2;
    }
    return 0;
  }
  if (command === 'serve') {
    const { runServe } = await import('../anomaly/serve/run.js');
    return runServe(rest, process.env);
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`shop-otel-anomaly: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
