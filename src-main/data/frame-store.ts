import { createHash, randomBytes } from 'node:crypto'
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import { open as openFile, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { writeFileAtomic } from '../util/atomic-write'
import { DataError } from './errors'

/**
 * A dataset folder: uint8 frames stored once, as fixed-size chunk files of K clips each
 * ([K, T, H, W, C] row-major, raw), plus `manifest.json`. Raw chunks let a reader fetch any clip
 * with one positioned read, so training from a store larger than RAM needs only a batch of memory.
 */
export interface ClipShape {
  T: number
  H: number
  W: number
  C: number
}

export type SplitName = 'train' | 'val' | 'test'
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test']

/** Clip indices of each split, in store order. */
export type Splits = Record<SplitName, number[]>

export interface Provenance {
  importer: { name: string; version: string }
  /** Where the frames came from (absent for generated data) and its state when read. */
  source?: { path: string; bytes: number; mtimeMs: number; files?: number }
  /** The options the importer or generator ran with, after defaults. */
  options: object
}

export interface FrameStoreManifest {
  format: 'tmu-frame-store'
  version: 1
  dtype: 'uint8'
  layout: 'NTHWC'
  shape: ClipShape
  clipCount: number
  clipsPerChunk: number
  chunkFiles: string[]
  splits: Splits
  /** sha256 (hex) over all frames in clip order, as stored. */
  contentSha256: string
  provenance: Provenance
}

export const MANIFEST_FILE = 'manifest.json'
/** Chunks of about this size: few files for a large set, little waste for a small one. */
const TARGET_CHUNK_BYTES = 16 << 20

export interface FrameStoreWriter {
  readonly shape: ClipShape
  readonly clipCount: number
  /** Appends whole clips, [n, T, H, W, C] uint8. */
  appendClips(framesNTHWC: Uint8Array): void
  /** Writes the manifest and moves the finished folder to its final path. */
  finish(meta: { splits: Splits; provenance: Provenance }): FrameStoreManifest
  /** Removes everything written so far; safe to call after `finish` or twice. */
  abort(): void
}

export interface FrameStoreWriterOptions {
  clipsPerChunk?: number
}

/**
 * Starts a store that will appear at `dir` only when `finish` succeeds: chunks are written into a
 * hidden sibling folder, which is renamed into place at the end, so a crash or an error leaves
 * no partial dataset at `dir`.
 */
export function createFrameStoreWriter(
  dir: string,
  shape: ClipShape,
  options: FrameStoreWriterOptions = {},
): FrameStoreWriter {
  for (const [key, n] of Object.entries(shape)) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`frame store: ${key} must be ≥ 1`)
  }
  if (existsSync(dir)) throw new DataError(dir, 'a dataset folder already exists here')
  const clipBytes = shape.T * shape.H * shape.W * shape.C
  const clipsPerChunk =
    options.clipsPerChunk ?? Math.max(1, Math.floor(TARGET_CHUNK_BYTES / clipBytes))
  const staging = join(dirname(dir), `.${basename(dir)}.partial-${randomBytes(4).toString('hex')}`)
  mkdirSync(staging, { recursive: true })
  const hash = createHash('sha256')
  const chunkFiles: string[] = []
  const buffer = new Uint8Array(clipsPerChunk * clipBytes)
  let buffered = 0
  let clipCount = 0
  let state: 'open' | 'finished' | 'aborted' = 'open'

  function flush() {
    if (buffered === 0) return
    const name = `chunk-${String(chunkFiles.length).padStart(6, '0')}.bin`
    const fd = openSync(join(staging, name), 'w')
    try {
      const bytes = buffer.subarray(0, buffered * clipBytes)
      let offset = 0
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    chunkFiles.push(name)
    buffered = 0
  }

  function ensureOpen() {
    if (state !== 'open') throw new Error(`frame store writer for ${dir} is ${state}`)
  }

  return {
    shape,
    get clipCount() {
      return clipCount
    },
    appendClips(framesNTHWC) {
      ensureOpen()
      if (framesNTHWC.length % clipBytes !== 0) {
        throw new RangeError(
          `frame store: ${framesNTHWC.length} bytes is not a whole number of ${clipBytes}-byte clips`,
        )
      }
      hash.update(framesNTHWC)
      for (let at = 0; at < framesNTHWC.length; at += clipBytes) {
        buffer.set(framesNTHWC.subarray(at, at + clipBytes), buffered * clipBytes)
        buffered++
        clipCount++
        if (buffered === clipsPerChunk) flush()
      }
    },
    finish({ splits, provenance }) {
      ensureOpen()
      if (clipCount === 0) throw new DataError(dir, 'no clips to store')
      checkSplits(splits, clipCount, dir)
      flush()
      const manifest: FrameStoreManifest = {
        format: 'tmu-frame-store',
        version: 1,
        dtype: 'uint8',
        layout: 'NTHWC',
        shape,
        clipCount,
        clipsPerChunk,
        chunkFiles,
        splits,
        contentSha256: hash.digest('hex'),
        provenance,
      }
      writeFileAtomic(join(staging, MANIFEST_FILE), JSON.stringify(manifest))
      // rename(2) fails if `dir` appeared meanwhile (non-empty), rather than merging two datasets.
      renameSync(staging, dir)
      state = 'finished'
      return manifest
    },
    abort() {
      if (state === 'open') rmSync(staging, { recursive: true, force: true })
      if (state === 'open') state = 'aborted'
    },
  }
}

function checkSplits(splits: Splits, clipCount: number, dir: string) {
  const seen = new Uint8Array(clipCount)
  for (const name of SPLIT_NAMES) {
    for (const i of splits[name]) {
      if (!Number.isInteger(i) || i < 0 || i >= clipCount) {
        throw new DataError(dir, `split ${name} names clip ${i}, but the store has ${clipCount}`)
      }
      if (seen[i]) throw new DataError(dir, `clip ${i} is in more than one split`)
      seen[i] = 1
    }
  }
}

export interface FrameStore {
  readonly manifest: FrameStoreManifest
  readonly dir: string
  /** Number of clips in `split`. */
  splitSize(split: SplitName): number
  /** Clips at positions `indices` within `split`, as [n, T, H, W, C] uint8. */
  readClips(split: SplitName, indices: readonly number[]): Promise<Uint8Array>
  close(): Promise<void>
}

/** Chunk files kept open at once; a batch touches a few, and the OS page cache does the rest. */
const OPEN_CHUNK_LIMIT = 8

/** Opens a finished store, checking that every chunk file has the size the manifest implies. */
export function openFrameStore(dir: string): FrameStore {
  const manifestPath = join(dir, MANIFEST_FILE)
  let manifest: FrameStoreManifest
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as FrameStoreManifest
  } catch (error) {
    throw new DataError(manifestPath, `cannot read manifest (${(error as Error).message})`)
  }
  if (manifest.format !== 'tmu-frame-store' || manifest.version !== 1) {
    throw new DataError(manifestPath, 'not a version-1 frame store manifest')
  }
  const { T, H, W, C } = manifest.shape
  const clipBytes = T * H * W * C
  const K = manifest.clipsPerChunk
  manifest.chunkFiles.forEach((name, i) => {
    const clips = Math.min(K, manifest.clipCount - i * K)
    const size = statSync(join(dir, name), { throwIfNoEntry: false })?.size
    if (size !== clips * clipBytes) {
      throw new DataError(
        join(dir, name),
        `expected ${clips * clipBytes} bytes, found ${size ?? 'no file'}`,
      )
    }
  })
  const chunks = createChunkHandles(dir, manifest.chunkFiles)
  return {
    manifest,
    dir,
    splitSize: (split) => manifest.splits[split].length,
    async readClips(split, indices) {
      const members = manifest.splits[split]
      const out = new Uint8Array(indices.length * clipBytes)
      await Promise.all(
        indices.map(async (position, n) => {
          const clip = members[position]
          if (clip === undefined) {
            throw new RangeError(`${split} has ${members.length} clips, asked for ${position}`)
          }
          const target = out.subarray(n * clipBytes, (n + 1) * clipBytes)
          const bytesRead = await chunks.read(Math.floor(clip / K), target, (clip % K) * clipBytes)
          if (bytesRead !== clipBytes) throw new DataError(dir, `short read of clip ${clip}`)
        }),
      )
      return out
    },
    close: () => chunks.close(),
  }
}

interface OpenChunk {
  handle: Promise<FileHandle>
  /** Reads in flight; an evicted chunk closes when the last one ends. */
  users: number
  evicted: boolean
}

/**
 * Keeps the most recently used chunk files open (a Map iterates in insertion order, and a use
 * re-inserts), so a batch costs positioned reads, not opens.
 */
function createChunkHandles(dir: string, files: readonly string[]) {
  const open = new Map<number, OpenChunk>()
  const release = (entry: OpenChunk) => {
    if (entry.evicted && entry.users === 0) void entry.handle.then((h) => h.close())
  }
  return {
    async read(chunk: number, target: Uint8Array, position: number): Promise<number> {
      let entry = open.get(chunk)
      if (entry) open.delete(chunk)
      else entry = { handle: openFile(join(dir, files[chunk]!), 'r'), users: 0, evicted: false }
      open.set(chunk, entry)
      if (open.size > OPEN_CHUNK_LIMIT) {
        const [oldest, victim] = open.entries().next().value as [number, OpenChunk]
        open.delete(oldest)
        victim.evicted = true
        release(victim)
      }
      entry.users++
      try {
        const { bytesRead } = await (await entry.handle).read(target, 0, target.length, position)
        return bytesRead
      } finally {
        entry.users--
        release(entry)
      }
    },
    async close() {
      const entries = [...open.values()]
      open.clear()
      for (const entry of entries) entry.evicted = true
      await Promise.all(
        entries.filter((e) => e.users === 0).map(async (e) => (await e.handle).close()),
      )
    },
  }
}
