import type { BackendProbe } from './system-service'

/**
 * Interim probe until ml/backend lands: reports whether each TensorFlow.js backend package
 * can be loaded at all.
 */
export async function probeBackends(): Promise<BackendProbe[]> {
  const packages = [
    ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
    ['tensorflow', '@tensorflow/tfjs-node'],
    ['wasm', '@tensorflow/tfjs-backend-wasm'],
    ['cpu', '@tensorflow/tfjs'],
  ] as const
  const probes: BackendProbe[] = []
  for (const [name, pkg] of packages) {
    try {
      await import(pkg)
      probes.push({ name, ok: true, detail: `${pkg} loads` })
    } catch (error) {
      probes.push({ name, ok: false, detail: (error as Error).message.split('\n')[0] ?? '' })
    }
  }
  return probes
}
