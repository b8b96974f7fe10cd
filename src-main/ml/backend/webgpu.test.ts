import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { ModelConfig, type CellKind } from '../../domain/model'
import { digitClips } from '../../testing/digit-clips'
import { useSoftwareGpu } from '../../testing/software-gpu'
import { predictionLoss, runSequence } from '../forward'
import { createNetwork } from '../network'
import { patchFrames } from '../patching'
import { initBackend } from './select'
import { findWebGpuAdapter } from './webgpu'

/**
 * The webgpu backend on SwiftShader: a real WebGPU device (Dawn over Vulkan), in software.
 * What it computes must match the cpu backend, and a run must train on it end to end.
 */

const skip = useSoftwareGpu()
const TMU = join(import.meta.dirname, '../../../bin/tmu.js')

// Skipped only where no Vulkan driver exists; the title then says so.
describe.skipIf(skip !== null)(
  skip ? `webgpu: skipped, ${skip}` : 'webgpu on a software adapter',
  () => {
    afterAll(async () => {
      await initBackend('cpu')
    })

    it('finds SwiftShader, which auto passes by and --backend webgpu takes', async () => {
      const adapter = await findWebGpuAdapter({ allowFallbackAdapter: true })
      expect(adapter).toMatchObject({ fallback: true, description: /SwiftShader/ })
      expect(adapter.maxBufferSize).toBeGreaterThan(0)
      await expect(findWebGpuAdapter({ allowFallbackAdapter: false })).rejects.toThrow(
        /^only a software adapter, SwiftShader.*: auto passes it by, --backend webgpu uses it$/,
      )
      const auto = await initBackend('auto')
      expect(auto.attempts[1]).toMatchObject({ name: 'webgpu', ok: false })
      expect(auto.name).not.toBe('webgpu')
      const forced = await initBackend('webgpu')
      expect([forced.name, tf.getBackend()]).toEqual(['webgpu', 'webgpu'])
      expect(forced.reason).toMatch(/^webgpu \(requested; SwiftShader driver .*software/)
    })

    /**
     * The loss over a 5 → 5 clip of a 2-layer net, and its gradient for every parameter. Read
     * back with `data()`: tfjs's synchronous GPU readback needs a canvas Node does not have.
     */
    async function lossAndGradients(cell: CellKind) {
      const model = ModelConfig.parse({
        cell,
        hidden: [8, 8],
        kernelSize: 3,
        patchSize: 4,
        imageHeight: 32,
        imageWidth: 32,
      })
      const net = createNetwork(model, { seed: 5 })
      const clip = digitClips(2, 9, 10)
      const patched = patchFrames(clip, 4)
      const entries = net.params.entries()
      const { value, grads } = tf.variableGrads(
        () =>
          tf.tidy(() => {
            const { guessesBTHWC } = runSequence(net, patched, { inputFrames: 5 })
            return predictionLoss(guessesBTHWC, patched)
          }),
        entries.map((e) => e.variable),
      )
      const result = {
        loss: (await value.data())[0]!,
        grads: await Promise.all(
          entries.map(async (e) => ({
            name: e.name,
            values: Array.from(await grads[e.variable.name]!.data()),
          })),
        ),
      }
      tf.dispose([value, ...Object.values(grads), clip, patched])
      net.dispose()
      return result
    }

    it.each(['convlstm', 'predrnn'] as const)(
      '%s: loss and every gradient match cpu over a 5 → 5 clip',
      async (cell) => {
        await initBackend('cpu')
        const reference = await lossAndGradients(cell)
        await initBackend('webgpu')
        const before = tf.memory().numTensors
        const result = await lossAndGradients(cell)
        expect(tf.memory().numTensors).toBe(before)
        expect(Math.abs(result.loss - reference.loss) / reference.loss).toBeLessThan(1e-4)
        expect(result.grads.map((g) => g.name)).toEqual(reference.grads.map((g) => g.name))
        reference.grads.forEach(({ name, values }, k) => {
          const got = result.grads[k]!.values
          const scale = Math.max(...values.map(Math.abs), 1e-6)
          const worst = Math.max(...values.map((v, i) => Math.abs(v - got[i]!)))
          expect(worst / scale, name).toBeLessThan(1e-3)
        })
      },
    )

    it('tmu doctor lists the adapter, and tmu train --backend webgpu completes a run', async () => {
      const run = (...args: string[]) =>
        promisify(execFile)(process.execPath, [TMU, ...args], { timeout: 300_000 })
      // A workspace of its own: the doctor opens one, and the user's default is not the test's.
      const workspace = mkdtempSync(join(tmpdir(), 'tmu-webgpu-'))
      const ws = ['--workspace', workspace]
      const doctor = await run('doctor', ...ws)
      expect(doctor.stdout).toMatch(/webgpu.*only a software adapter, SwiftShader driver/)

      await run(
        'data',
        'generate',
        'tiny',
        '--size',
        '16',
        '--digit-size',
        '8',
        '--frames',
        '6',
        ...ws,
      )
      const trained = await run(
        ...['train', '-d', 'tiny', '-n', 'on-gpu', '--hidden', '4,4', '--kernel', '3'],
        ...['--patch', '4', '--iterations', '4', '--input-frames', '3', '--output-frames', '3'],
        ...['--test-clips', '2', '--backend', 'webgpu', ...ws],
      )
      expect(trained.stdout).toContain('run 1 completed on webgpu')
      expect(trained.stdout).toMatch(/mean\s+\d+\.\d+\s+\d+\.\d+\s+0\.\d+\s+\d+\.\d+/)
    })
  },
)
