import amqp from 'amqplib';
import { AMQP_URL, uniqueName } from './fixture';

/**
 * The queues this test file's fixtures declare, named here so that they are deleted when the file
 * ends (test/setup/broker-cleanup.ts). The fixtures' queues are not durable, but a queue without
 * auto-delete, or one that never had a consumer, outlives its app: before this, every `npm test`
 * left ten or so queues (some holding 60 to 1 000 messages) and forty exchanges on the broker.
 * Each test file runs in a module context of its own, so the set is the file's.
 */
const declared = new Set<string>();

/** A queue name of its own (as uniqueName), deleted with the exchanges the fixtures derive from it when the test file ends. */
export function queueName(prefix: string): string {
  const name = uniqueName(prefix);
  declared.add(name);
  return name;
}

/**
 * The exchanges the fixtures derive from a queue's name: `<queue>.dlx` and `<queue>.ex`
 * (component-app.mjs). Auto-delete exchanges go only when their last binding does: a dead-letter
 * exchange never bound, or one only published to, stays.
 */
const DERIVED_EXCHANGES = ['.dlx', '.ex'];

/** Deletes the queues and exchanges named (a missing one is no error); each on a channel of its own, as a failed delete closes its channel. */
export async function dropBrokerObjects(queues: Iterable<string>, exchanges: Iterable<string> = []): Promise<void> {
  const qs = [...queues];
  const xs = [...exchanges];
  if (qs.length === 0 && xs.length === 0) return;
  const connection = await amqp.connect(AMQP_URL);
  connection.on('error', () => undefined);
  try {
    const failures: string[] = [];
    const attempt = async (what: string, op: (ch: amqp.Channel) => Promise<unknown>) => {
      const ch = await connection.createChannel();
      ch.on('error', () => undefined);
      try {
        await op(ch);
        await ch.close();
      } catch (e) {
        failures.push(`${what}: ${(e as Error).message}`);
      }
    };
    for (const q of qs) await attempt(`queue ${q}`, (ch) => ch.deleteQueue(q));
    for (const x of xs) await attempt(`exchange ${x}`, (ch) => ch.deleteExchange(x));
    if (failures.length) throw new Error(`not deleted from the broker: ${failures.join('; ')}`);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Deletes every queue queueName() gave out in this test file, and the exchanges derived from them. */
export async function dropDeclaredQueues(): Promise<void> {
  const queues = [...declared];
  declared.clear();
  await dropBrokerObjects(queues, queues.flatMap((q) => DERIVED_EXCHANGES.map((suffix) => `${q}${suffix}`)));
}
