import { afterAll } from 'vitest';
import { dropDeclaredQueues } from '../support/broker';

// Runs in every test file (setupFiles): when the file ends, after its own afterAll hooks have
// stopped its apps ('stack' order: this hook was registered first, so it runs last), the queues it
// named with queueName() go, with their exchanges. A failure is reported, not thrown: the broker's
// leftovers are housekeeping, not the behaviour under test.
afterAll(async () => {
  await dropDeclaredQueues().catch((e: Error) => process.stderr.write(`broker-cleanup: ${e.message}\n`));
});
