import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ModelConfig, TrainConfig } from '../../domain/model'
import { CheckpointMismatchError, CorruptCheckpointError } from './checkpoint-errors'
import { listCheckpoints, loadLatestCheckpoint } from './checkpoint-latest'
import type { Checkpoint } from './checkpoint-layout'
import { readCheckpoint, type CheckpointExpectation } from './checkpoint-read'
import { writeCheckpoint } from './checkpoint-write'

function makeCheckpoint(iteration: number, modelKind = 'convlstm'): Checkpoint {
  const w = new Float32Array(5 * 5 * 16 * 128).map((_, i) => i * 1e-4 + iteration)
  return {
    weights: {
      'cell_list.0.conv_x.weight': { dtype: 'F32', shape: [5, 5, 16, 128], data: w },
      'conv_last.weight': { dtype: 'F32', shape: [1, 1, 32, 16], data: new Float32Array(512) },
    },
    optimizer: {
      'cell_list.0.conv_x.weight.m': {
        dtype: 'F32',
        shape: [5, 5, 16, 128],
        data: w.map((v) => -v),
      },
      'cell_list.0.conv_x.weight.v': {
        dtype: 'F32',
        shape: [5, 5, 16, 128],
        data: w.map((v) => v * v),
      },
      'conv_last.weight.m': { dtype: 'F32', shape: [1, 1, 32, 16], data: new Float32Array(512) },
      'conv_last.weight.v': { dtype: 'F32', shape: [1, 1, 32, 16], data: new Float32Array(512) },
    },
    state: {
      formatVersion: 1,
      modelKind,
      iteration,
      eta: Math.max(0, 1 - iteration * 2e-5),
      rng: { algorithm: 'mulberry32', state: 123456789 },
      dataCursor: { epoch: 0, position: iteration * 8 },
      config: { model: ModelConfig.parse({ hidden: [128] }), train: TrainConfig.parse({}) },
      backend: 'cpu',
    },
  }
}

const expectation: CheckpointExpectation = {
  modelKind: 'convlstm',
  weightShapes: {
    'cell_list.0.conv_x.weight': [5, 5, 16, 128],
    'conv_last.weight': [1, 1, 32, 16],
  },
}

const newRunDir = () => join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'run-3')

describe('checkpoint folders', () => {
  it('round-trips weights, optimizer moments and state', () => {
    const runDir = newRunDir()
    const written = makeCheckpoint(500)
    const path = writeCheckpoint(runDir, written)
    expect(path).toBe(join(runDir, 'ckpt-000500'))
    expect(readdirSync(runDir)).toEqual(['ckpt-000500'])
    expect(readdirSync(path).sort()).toEqual([
      'optimizer.safetensors',
      'state.json',
      'weights.safetensors',
    ])
    expect(readCheckpoint(path, expectation)).toEqual(written)
    expect(JSON.parse(readFileSync(join(path, 'state.json'), 'utf8')).iteration).toBe(500)
  })

  it('replaces a checkpoint of the same iteration whole', () => {
    const runDir = newRunDir()
    writeCheckpoint(runDir, makeCheckpoint(500))
    const again = makeCheckpoint(500)
    again.state.eta = 0.5
    writeCheckpoint(runDir, again)
    expect(readdirSync(runDir)).toEqual(['ckpt-000500'])
    expect(readCheckpoint(join(runDir, 'ckpt-000500')).state.eta).toBe(0.5)
  })

  it('ignores and clears temporaries a crash left behind', () => {
    const runDir = newRunDir()
    mkdirSync(join(runDir, '.ckpt-1000.abc.tmp'), { recursive: true })
    writeFileSync(join(runDir, '.ckpt-1000.abc.tmp', 'weights.safetensors'), 'torn')
    expect(listCheckpoints(runDir)).toEqual([])
    writeCheckpoint(runDir, makeCheckpoint(500))
    expect(readdirSync(runDir)).toEqual(['ckpt-000500'])
  })

  it('refuses to write a state it could not read back', () => {
    const bad = makeCheckpoint(500)
    bad.state.eta = 2
    expect(() => writeCheckpoint(newRunDir(), bad)).toThrow()
  })

  it('refuses another model kind, naming both', () => {
    const runDir = newRunDir()
    const path = writeCheckpoint(runDir, makeCheckpoint(500, 'predrnn'))
    expect(() => readCheckpoint(path, expectation)).toThrow(CheckpointMismatchError)
    expect(() => readCheckpoint(path, expectation)).toThrow(
      'run-3/ckpt-000500: wrong model kind: checkpoint is predrnn, run expects convlstm',
    )
  })

  it('refuses other shapes and names, naming each tensor', () => {
    const path = writeCheckpoint(newRunDir(), makeCheckpoint(500))
    const other: CheckpointExpectation = {
      modelKind: 'convlstm',
      weightShapes: { 'cell_list.0.conv_x.weight': [5, 5, 16, 256], 'conv_last.bias': [16] },
      optimizerShapes: {},
    }
    let message = ''
    try {
      readCheckpoint(path, other)
    } catch (error) {
      expect(error).toBeInstanceOf(CheckpointMismatchError)
      message = (error as Error).message
    }
    expect(message).toContain('run-3/ckpt-000500/weights.safetensors: ')
    expect(message).toContain(
      'shape of cell_list.0.conv_x.weight: checkpoint [5,5,16,128], model [5,5,16,256]',
    )
    expect(message).toContain('conv_last.bias is missing from the checkpoint')
    expect(message).toContain('conv_last.weight is not in the model')
  })

  it('refuses a newer format as a mismatch, not as damage', () => {
    const path = writeCheckpoint(newRunDir(), makeCheckpoint(500))
    const state = JSON.parse(readFileSync(join(path, 'state.json'), 'utf8'))
    writeFileSync(join(path, 'state.json'), JSON.stringify({ ...state, formatVersion: 2 }))
    expect(() => readCheckpoint(path)).toThrow('checkpoint format 2, this version reads format 1')
    expect(() => readCheckpoint(path)).toThrow(CheckpointMismatchError)
  })
})

describe('loadLatestCheckpoint', () => {
  function runWithThree() {
    const runDir = newRunDir()
    for (const iteration of [500, 1000, 1500]) writeCheckpoint(runDir, makeCheckpoint(iteration))
    return runDir
  }

  it('lists newest first and loads the newest', () => {
    const runDir = runWithThree()
    expect(listCheckpoints(runDir).map((c) => c.name)).toEqual([
      'ckpt-001500',
      'ckpt-001000',
      'ckpt-000500',
    ])
    const { latest, skipped } = loadLatestCheckpoint(runDir, expectation)
    expect(latest?.iteration).toBe(1500)
    expect(latest?.checkpoint.state.dataCursor).toEqual({ epoch: 0, position: 12000 })
    expect(skipped).toEqual([])
  })

  it('falls back past corrupt checkpoints and says why', () => {
    const runDir = runWithThree()
    truncateSync(join(runDir, 'ckpt-001500', 'weights.safetensors'), 5000)
    rmSync(join(runDir, 'ckpt-001000', 'state.json'))
    const { latest, skipped } = loadLatestCheckpoint(runDir, expectation)
    expect(latest?.name).toBe('ckpt-000500')
    expect(skipped.map((s) => s.name)).toEqual(['ckpt-001500', 'ckpt-001000'])
    expect(skipped[0]!.reason).toMatch(
      /^run-3\/ckpt-001500\/weights\.safetensors: tensor "cell_list\.0\.conv_x\.weight" needs 204800 bytes, file ends after \d+$/,
    )
    expect(skipped[1]!.reason).toBe('run-3/ckpt-001000/state.json is missing')
  })

  it('treats a broken state.json as corrupt', () => {
    const runDir = runWithThree()
    writeFileSync(join(runDir, 'ckpt-001500', 'state.json'), '{"formatVersion": 1, "iter')
    const state = JSON.parse(readFileSync(join(runDir, 'ckpt-001000', 'state.json'), 'utf8'))
    writeFileSync(join(runDir, 'ckpt-001000', 'state.json'), JSON.stringify({ ...state, eta: -1 }))
    const { latest, skipped } = loadLatestCheckpoint(runDir)
    expect(latest?.iteration).toBe(500)
    expect(skipped[0]!.reason).toMatch(/^run-3\/ckpt-001500\/state\.json: /)
    expect(skipped[1]!.reason).toMatch(/^run-3\/ckpt-001000\/state\.json: eta: /)
    expect(() => readCheckpoint(join(runDir, 'ckpt-001500'))).toThrow(CorruptCheckpointError)
  })

  it('does not fall back when the run and the checkpoints disagree', () => {
    const runDir = runWithThree()
    expect(() => loadLatestCheckpoint(runDir, { ...expectation, modelKind: 'predrnn' })).toThrow(
      'wrong model kind: checkpoint is convlstm, run expects predrnn',
    )
  })

  it('finds nothing in a run without checkpoints', () => {
    expect(loadLatestCheckpoint(newRunDir())).toEqual({ latest: null, skipped: [] })
  })
})
