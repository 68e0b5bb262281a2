import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Encodes and browsers already use both cores; running suites side by side only adds contention.
    fileParallelism: false,
  },
});
