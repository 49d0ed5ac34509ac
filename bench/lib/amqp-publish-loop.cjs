// The loop of bench/micro/amqp-publish.mjs, in a process of its own: N channel.publish() calls
// without options, or with AMQP_LOOP_OPTIONS=1 a fresh options object each (a message ID and a
// content type, as the bench app's order publish), each inside a parent span for the
// instrumented variants (as a publish inside a request), to a topic exchange with no queue bound
// (the broker drops them), waiting for 'drain' when amqplib asks; CPU per publish for each of
// ROUNDS rounds after a warm-up, printed as one JSON line.
'use strict';
const amqp = require('amqplib');
const N = Number(process.env.AMQP_LOOP_N ?? 20000);
const ROUNDS = Number(process.env.AMQP_LOOP_ROUNDS ?? 6);
const EXCHANGE = `bench.publish-loop.${process.pid}`;
const tracer = process.env.AMQP_LOOP_PARENT === '1' ? require('@opentelemetry/api').trace.getTracer('amqp-publish-loop') : undefined;
const body = Buffer.from(JSON.stringify({ orderId: 'ord-00042', customerId: 'cust-0042', items: 3, total: 42.5 }));

(async () => {
  const connection = await amqp.connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
  const channel = await connection.createChannel();
  await channel.assertExchange(EXCHANGE, 'topic', { durable: false, autoDelete: true });
  let seq = 0;
  const publish = process.env.AMQP_LOOP_OPTIONS === '1' ? () => channel.publish(EXCHANGE, 'order.created', body, { messageId: `msg-${seq++}`, contentType: 'application/json' }) : () => channel.publish(EXCHANGE, 'order.created', body);
  const one = tracer ? () => tracer.startActiveSpan('parent', (s) => { const ok = publish(); s.end(); return ok; }) : publish;
  const loop = async (n) => {
    for (let i = 0; i < n; i++) if (!one()) await new Promise((r) => channel.once('drain', r));
    await new Promise((r) => setImmediate(r));
  };
  await loop(2000);
  const us = [];
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    await loop(N);
    const c = process.cpuUsage(c0);
    us.push((c.user + c.system) / N);
  }
  process.stdout.write(`${JSON.stringify(us)}\n`);
  await connection.close();
})();
