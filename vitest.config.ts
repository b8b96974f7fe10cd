import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  // The renderer's aliases for the shared contract and media code, so its pure modules test as they build.
  resolve: {
    alias: {
      '@contract': resolve(import.meta.dirname, 'src-main/api/contract'),
      '@media': resolve(import.meta.dirname, 'src-main/media'),
    },
  },
  test: {
    include: ['src-main/**/*.test.ts', 'src-renderer/**/*.test.ts', 'bench/**/*.test.ts'],
    // Tensor tests train real (tiny) networks; the default 5 s is too tight on 2 cores.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // One fork per file keeps TensorFlow.js backends and SQLite handles isolated.
    pool: 'forks',
    // CI's closing "N passed, N failed" line is counted from these files (scripts/test-summary.js).
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/unit.json' },
  },
})
