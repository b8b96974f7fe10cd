import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src-main/**/*.test.ts', 'src-renderer/**/*.test.ts', 'bench/**/*.test.ts'],
    // Tensor tests train real (tiny) networks; the default 5 s is too tight on 2 cores.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // One fork per file keeps TensorFlow.js backends and SQLite handles isolated.
    pool: 'forks',
  },
})
