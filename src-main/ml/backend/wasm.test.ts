import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { defaultWasmThreads } from './wasm'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))

describe('threaded wasm in a plain Node process', () => {
  // Emscripten keeps running pthreads ref'd; without our unref a CLI run would never end.
  // --input-type=module also checks the workers still evaluate their code as CommonJS.
  it('computes with one thread per core, then lets the process exit', async () => {
    const script = [
      "import * as tf from '@tensorflow/tfjs'",
      "import { initBackend } from './src-main/ml/backend/index.ts'",
      "const report = await initBackend('wasm')",
      "tf.conv2d(tf.ones([2, 8, 8, 4]), tf.ones([3, 3, 4, 8]), 1, 'same').dataSync()",
      'console.log(report.threads)',
    ].join('\n')
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: REPO, timeout: 30_000 },
    )
    expect(stdout.trim().split('\n').pop()).toBe(String(defaultWasmThreads()))
  })
})
