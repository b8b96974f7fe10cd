import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createFlyingDigitsStore } from './flying-digits-store'
import { makeTempDir } from '../testing/data-fixtures'

describe('createFlyingDigitsStore', () => {
  it('writes train, val and test splits reproducibly', () => {
    const options = {
      trainClips: 6,
      valClips: 2,
      testClips: 3,
      clipLength: 4,
      digitsPerClip: 3,
      seed: 9,
    }
    const a = createFlyingDigitsStore(join(makeTempDir(), 'a'), options)
    const b = createFlyingDigitsStore(join(makeTempDir(), 'b'), options)
    expect(a.contentSha256).toBe(b.contentSha256)
    expect(a.splits).toEqual({ train: [0, 1, 2, 3, 4, 5], val: [6, 7], test: [8, 9, 10] })
    expect(a.shape).toEqual({ T: 4, H: 64, W: 64, C: 1 })
    expect(a.provenance.options).toMatchObject({
      splits: [{ digitPool: 'train' }, { digitPool: 'train' }, { digitPool: 'test' }],
    })
  })
})
