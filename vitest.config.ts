import { defineConfig } from 'vitest/config';

// Tests run fixture apps as child processes against real services (PostgreSQL, RabbitMQ, our own
// collector build). Two cores: two test files at a time, generous timeouts for process start-up.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/setup/global-setup.ts'],
    reporters: ['default', './test/setup/summary-reporter.ts'],
  },
});
