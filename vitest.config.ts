import { configDefaults, defineConfig } from 'vitest/config';

// Tests run fixture apps as child processes against real services (PostgreSQL, RabbitMQ, our own
// collector build). Two cores: two test files at a time, generous timeouts for process start-up.
// The end-to-end alerting test (a whole shop, collector, Prometheus, Alertmanager and receivers,
// six minutes) runs alone, after the rest: beside another heavy file, both starve on two cores.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/setup/global-setup.ts'],
    setupFiles: ['test/setup/broker-cleanup.ts'],
    reporters: ['default', './test/setup/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/alerting.test.ts'], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'alerting-e2e', include: ['test/alerting.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
