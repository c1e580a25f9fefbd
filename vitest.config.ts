import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Integration tests spawn git and tslfs processes; two workers keep a 2-core machine busy
    // without starving the processes they spawn.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: '.ci/out/vitest.json' },
  },
});
