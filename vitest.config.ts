import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    setupFiles: ['test/setup.ts'],
    reporters: ['default', './test/support/plain-summary-reporter.ts'],
    // Integration tests start real HTTP servers and dynalite on ephemeral ports; two workers suit 2 cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
