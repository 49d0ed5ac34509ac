// CPU per amqplib publish (channel.publish without options, inside a parent span), for bare,
// shop-otel without its amqplib instrumentation, shop-otel, and an older build: what the publish
// span and its headers cost, alone. Each variant in processes of its own, alternating, medians of
// the rounds after the first two of each process (bench/lib/loop-variants.mjs). Needs RabbitMQ
// (scripts/services.sh); exporters off, so the figure is the instrumentation's and the span's,
// not the export's.
//   node bench/micro/amqp-publish.mjs [runs]      BENCH_BEFORE_DIST=<dist> adds an older build;
//   AMQP_LOOP_OPTIONS=1: each publish with an options object of its own, as the bench app's
import { runLoopVariants } from '../lib/loop-variants.mjs';

await runLoopVariants({
  runs: Number(process.argv[2] ?? 3),
  loop: 'bench/lib/amqp-publish-loop.cjs',
  instrumentation: 'amqplib',
  env: { AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', AMQP_LOOP_OPTIONS: process.env.AMQP_LOOP_OPTIONS ?? '' },
  quiet: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', AMQP_LOOP_PARENT: '1' },
  unit: 'publish',
  decimals: 2,
});
