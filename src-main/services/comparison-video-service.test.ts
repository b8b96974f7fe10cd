import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { alignComparison, comparisonRows } from '../media/comparison-rows'
import { labelledPlayerFrames } from '../media/labelled-export'
import { setUpTinyRuns, untilStatus, workbenchesPerTest } from '../testing/test-workbench'

const { workbench } = workbenchesPerTest()

/** ffprobe's count of decoded frames and the video's size. */
function probe(file: string) {
  const result = spawnSync(
    'ffprobe',
    [
      ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
      ...['-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', file],
    ],
    { encoding: 'utf8' },
  )
  expect(result.status, result.stderr).toBe(0)
  return JSON.parse(result.stdout).streams[0] as Record<string, string | number>
}

/** Frame `n` of the video, decoded back to RGB bytes. */
function decodedFrame(file: string, n: number): Buffer {
  const result = spawnSync('ffmpeg', [
    ...['-v', 'error', '-i', file, '-vf', `select=eq(n\\,${n})`, '-frames:v', '1'],
    ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
  ])
  expect(result.status, String(result.stderr)).toBe(0)
  return result.stdout
}

describe('comparison video', () => {
  it('encodes the labelled player frames as an H.264 MP4 that decodes to them', async () => {
    const wb = workbench()
    const { create, dataset } = await setUpTinyRuns(wb)
    const runs = [await create('first'), await create('second-with-a-longer-name')]
    for (const run of runs) {
      expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
    }
    const input = {
      runIds: runs.map((r) => r.id),
      clip: 0,
      heat: { abs: true, signed: true },
      zoom: 4,
      fps: 5,
    }
    const exported = await wb.call('runs.exportVideo', input)
    expect(exported.fileName).toBe('compare-clip0.mp4')
    const file = join(mkdtempSync(join(tmpdir(), 'tmu-mp4-')), exported.fileName)
    writeFileSync(file, Buffer.from(exported.mp4Base64, 'base64'))

    // The frames the export should hold, laid out from the same saved predictions.
    const aligned = alignComparison(
      await wb.call('datasets.clip', { id: dataset.id, split: 'test', clip: 0 }),
      await Promise.all(runs.map((r) => wb.call('runs.prediction', { id: r.id, clip: 0 }))),
    )
    const rows = comparisonRows(
      aligned.truth,
      runs.map((r, i) => ({ id: String(r.id), label: r.name, clip: aligned.predictions[i]! })),
      input.heat,
    )
    const expected = labelledPlayerFrames(rows, aligned.truth.shape[0], {
      zoom: 4,
      inputFrames: aligned.inputFrames,
    })
    const even = (n: number) => n + (n % 2)
    expect(probe(file)).toMatchObject({
      codec_name: 'h264',
      width: even(expected[0]!.width),
      height: even(expected[0]!.height),
      nb_read_frames: String(expected.length),
    })

    // Lossy, but close to the labelled frame it was made from, pixel for pixel.
    const last = expected.length - 1
    const decoded = decodedFrame(file, last)
    const want = expected[last]!
    const width = even(want.width)
    let error = 0
    for (let y = 0; y < want.height; y++) {
      for (let x = 0; x < want.width; x++) {
        for (let c = 0; c < 3; c++) {
          error += Math.abs(
            decoded[(y * width + x) * 3 + c]! - want.data[(y * want.width + x) * 4 + c]!,
          )
        }
      }
    }
    expect(error / (want.width * want.height * 3)).toBeLessThan(4)
  })
})
