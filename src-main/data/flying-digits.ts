import { resizeFrame } from './image'
import { loadDigitPool, MNIST_DIGIT_SIZE, type DigitPool } from './mnist-digits'
import { createRng } from './random'

/**
 * Flying Digits (Moving MNIST), docs/method.md §4.1: MNIST digits placed on a square canvas at random
 * positions with random velocities, bouncing off the borders, overlaps combined by pixel-wise max.
 */
export interface FlyingDigitsOptions {
  clipCount: number
  digitsPerClip?: number
  canvasSize?: number
  /** Side of each digit on the canvas; MNIST's 28×28 is resized when different. */
  digitSize?: number
  clipLength?: number
  /**
   * Speed in pixels per frame, drawn uniformly from [min, max] per digit. The original Moving
   * MNIST script uses a fixed 3.6 (10% of 64−28); a range makes motion less uniform.
   */
  speedRange?: [number, number]
  /** Off: digits keep going and leave the canvas (the frames are clipped). */
  bounce?: boolean
  digitPool?: DigitPool
  seed?: number
}

export type FlyingDigitsSpec = Required<FlyingDigitsOptions>

export interface FlyingDigitsClip {
  /** [T, H, W, 1] uint8. */
  framesTHWC: Uint8Array
  /** Package-wide ids of the digits drawn (see `loadDigitPool`). */
  digitIds: number[]
}

export interface FlyingDigits {
  /** [N, T, H, W, 1] uint8. */
  framesNTHWC: Uint8Array
  shape: [number, number, number, number, number]
  /** [N][digitsPerClip]. */
  digitIds: number[][]
  spec: FlyingDigitsSpec
}

/** Fills in defaults and rejects options that cannot make a clip. */
export function resolveFlyingDigitsOptions(options: FlyingDigitsOptions): FlyingDigitsSpec {
  const spec: FlyingDigitsSpec = {
    digitsPerClip: 2,
    canvasSize: 64,
    digitSize: MNIST_DIGIT_SIZE,
    clipLength: 20,
    speedRange: [2, 5],
    bounce: true,
    digitPool: 'train',
    seed: 0,
    ...options,
  }
  const positive = ['clipCount', 'digitsPerClip', 'canvasSize', 'digitSize', 'clipLength'] as const
  for (const key of positive) {
    if (!Number.isInteger(spec[key]) || spec[key] < 1) {
      throw new RangeError(`flying digits: ${key} must be a positive integer, got ${spec[key]}`)
    }
  }
  if (spec.digitSize > spec.canvasSize) {
    throw new RangeError(
      `flying digits: digitSize ${spec.digitSize} exceeds canvasSize ${spec.canvasSize}`,
    )
  }
  const [lo, hi] = spec.speedRange
  if (!(lo >= 0 && hi >= lo && Number.isFinite(hi))) {
    throw new RangeError(`flying digits: speedRange must satisfy 0 ≤ min ≤ max, got [${lo}, ${hi}]`)
  }
  return spec
}

/** Yields clips one at a time, so a large dataset streams to disk in bounded memory. */
export function* generateFlyingDigitClips(
  options: FlyingDigitsOptions,
): Generator<FlyingDigitsClip> {
  const spec = resolveFlyingDigitsOptions(options)
  const { canvasSize: S, digitSize: D, clipLength: T } = spec
  const pool = loadDigitPool(spec.digitPool).map((d) => ({
    id: d.id,
    pixels: resizeFrame(d.pixels, { height: 28, width: 28 }, 1, { height: D, width: D }),
  }))
  const rng = createRng(spec.seed)
  const limit = S - D
  for (let n = 0; n < spec.clipCount; n++) {
    const framesTHWC = new Uint8Array(T * S * S)
    const digitIds: number[] = []
    for (let k = 0; k < spec.digitsPerClip; k++) {
      const digit = pool[rng.int(pool.length)]!
      digitIds.push(digit.id)
      let x = rng.float() * limit
      let y = rng.float() * limit
      const theta = rng.float() * 2 * Math.PI
      const speed = spec.speedRange[0] + rng.float() * (spec.speedRange[1] - spec.speedRange[0])
      let vx = Math.cos(theta) * speed
      let vy = Math.sin(theta) * speed
      for (let t = 0; t < T; t++) {
        drawMax(framesTHWC.subarray(t * S * S, (t + 1) * S * S), S, digit.pixels, D, x, y)
        x += vx
        y += vy
        if (spec.bounce) {
          ;[x, vx] = reflect(x, vx, limit)
          ;[y, vy] = reflect(y, vy, limit)
        }
      }
    }
    yield { framesTHWC, digitIds }
  }
}

/** Generates all clips into one array: [N, T, H, W, 1] uint8. */
export function generateFlyingDigits(options: FlyingDigitsOptions): FlyingDigits {
  const spec = resolveFlyingDigitsOptions(options)
  const clipBytes = spec.clipLength * spec.canvasSize * spec.canvasSize
  const framesNTHWC = new Uint8Array(spec.clipCount * clipBytes)
  const digitIds: number[][] = []
  let n = 0
  for (const clip of generateFlyingDigitClips(spec)) {
    framesNTHWC.set(clip.framesTHWC, n++ * clipBytes)
    digitIds.push(clip.digitIds)
  }
  const shape: FlyingDigits['shape'] = [
    spec.clipCount,
    spec.clipLength,
    spec.canvasSize,
    spec.canvasSize,
    1,
  ]
  return { framesNTHWC, shape, digitIds, spec }
}

/** Mirrors a coordinate that left [0, limit] back inside and turns its velocity around. */
function reflect(p: number, v: number, limit: number): [number, number] {
  if (p < 0) return [Math.min(-p, limit), -v]
  if (p > limit) return [Math.max(2 * limit - p, 0), -v]
  return [p, v]
}

/** Draws a D×D digit at (x, y) (rounded) onto an S×S frame by pixel-wise max, clipped. */
function drawMax(frame: Uint8Array, S: number, digit: Uint8Array, D: number, x: number, y: number) {
  const left = Math.round(x)
  const top = Math.round(y)
  for (let r = Math.max(0, -top); r < D && top + r < S; r++) {
    const row = (top + r) * S
    for (let c = Math.max(0, -left); c < D && left + c < S; c++) {
      const v = digit[r * D + c] as number
      if (v > (frame[row + left + c] as number)) frame[row + left + c] = v
    }
  }
}
