import amqp from 'amqplib';
import { describe, expect, it } from 'vitest';
import { AMQP_URL } from './support/fixture';
import { dropDeclaredQueues, queueName } from './support/broker';

// The suite's own housekeeping (test/setup/broker-cleanup.ts runs dropDeclaredQueues when each
// test file ends): what a fixture declares under a queueName() must be gone from the broker after
// it, queue and derived exchanges alike, or every `npm test` leaves them behind.
describe('the test suite deletes the broker objects its fixtures declared', () => {
  it('a queue named by queueName() (with messages, no consumer) and its .dlx and .ex exchanges are gone after dropDeclaredQueues()', async () => {
    const queue = queueName('cleanup');
    const connection = await amqp.connect(AMQP_URL);
    connection.on('error', () => undefined);
    try {
      const ch = await connection.createChannel();
      // As component-app.mjs declares them: exchanges that auto-delete but never lose a binding.
      await ch.assertExchange(`${queue}.dlx`, 'fanout', { durable: false, autoDelete: true });
      await ch.assertExchange(`${queue}.ex`, 'direct', { durable: false, autoDelete: true });
      await ch.assertQueue(queue, { durable: false, autoDelete: false, deadLetterExchange: `${queue}.dlx` });
      ch.sendToQueue(queue, Buffer.from('left behind'));
      await ch.close();

      const exists = async (check: (c: amqp.Channel) => Promise<unknown>) => {
        const c = await connection.createChannel();
        c.on('error', () => undefined);
        try {
          await check(c);
          await c.close();
          return true;
        } catch (e) {
          // A passive check of a missing object closes its channel with 404 NOT_FOUND; any other
          // failure is not evidence that the object is gone.
          if ((e as { code?: number }).code === 404) return false;
          throw e;
        }
      };
      expect(await exists((c) => c.checkQueue(queue))).toBe(true);
      expect(await exists((c) => c.checkExchange(`${queue}.dlx`))).toBe(true);

      await dropDeclaredQueues();

      expect(await exists((c) => c.checkQueue(queue))).toBe(false);
      expect(await exists((c) => c.checkExchange(`${queue}.dlx`))).toBe(false);
      expect(await exists((c) => c.checkExchange(`${queue}.ex`))).toBe(false);
    } finally {
      await connection.close().catch(() => undefined);
    }
  });
});
