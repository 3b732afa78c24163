import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real brokers, influxd and Chromium: two workers match the 2-core target machine.
    maxWorkers: 2,
    pool: 'forks',
  },
});
