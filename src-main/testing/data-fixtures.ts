import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A fresh temporary folder for one test's fixtures. */
export function makeTempDir(prefix = 'tmu-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** Distinct, recognisable uint8 frames: [N, T, H, W, C] with value (n·31 + t·7 + i) mod 256. */
export function makeClips(N: number, T: number, H: number, W: number, C = 1): Uint8Array {
  const out = new Uint8Array(N * T * H * W * C)
  const frame = H * W * C
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < frame; i++) out[(n * T + t) * frame + i] = (n * 31 + t * 7 + i) % 256
    }
  }
  return out
}

/** Names in `dir`, for asserting that a failed import left nothing behind. */
export const listDir = (dir: string) => readdirSync(dir).sort()
