import { defineConfig } from 'vitest/config'

export default defineConfig({
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
