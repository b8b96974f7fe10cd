import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../util/native-abi'

const root = projectRoot()!
const config = JSON.parse(readFileSync(join(root, 'electron-builder.json'), 'utf8')) as {
  files: string[]
  asarUnpack: string[]
  icon: string
  linux: { target: string[] }
  mac: { target: Array<{ target: string; arch: string[] }> }
  win: { target: Array<{ target: string }> }
}
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string
  dependencies: Record<string, string>
  optionalDependencies: Record<string, string>
}

// The matcher electron-builder itself applies to `files` and `asarUnpack`, with its options.
const { Minimatch } = createRequire(
  createRequire(import.meta.url).resolve('app-builder-lib/package.json'),
)('minimatch') as {
  Minimatch: new (pattern: string, options: object) => { match(p: string): boolean }
}
const matcher = (patterns: string[]) => {
  const compiled = patterns.map((pattern) => ({
    negated: pattern.startsWith('!'),
    glob: new Minimatch(pattern.replace(/^!/, ''), { dot: true }),
  }))
  return (path: string) =>
    compiled.reduce((kept, { negated, glob }) => (glob.match(path) ? !negated : kept), false)
}
const packed = matcher(config.files)
const unpacked = matcher(config.asarUnpack)
// electron-builder copies the production node_modules whatever `files` lists, leaving out
// only what its negated patterns name.
const droppedFromModules = matcher(
  config.files.filter((p) => p.startsWith('!')).map((p) => p.slice(1)),
)

/** The folder a package resolves to from `from`, as Node looks it up (nearest node_modules up). */
function packageDir(name: string, from: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return candidate
    if (dirname(dir) === dir || dir === root) return null
  }
}

/** Every installed package the packaged app ships: dependencies, transitively, no dev ones. */
function productionPackages(): string[] {
  const seen = new Set<string>()
  const queue = Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }).map(
    (name) => packageDir(name, root),
  )
  while (queue.length > 0) {
    const dir = queue.pop()
    if (!dir || seen.has(dir)) continue
    seen.add(dir)
    const own = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>
      optionalDependencies?: Record<string, string>
    }
    for (const name of Object.keys({ ...own.dependencies, ...own.optionalDependencies })) {
      queue.push(packageDir(name, dir))
    }
  }
  return [...seen]
}

/** Files below `dir` whose names end in one of `endings`, without nested packages. */
function filesEnding(dir: string, endings: string[]): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory())
      return name === 'node_modules' ? [] : filesEnding(path, endings)
    return endings.some((ending) => name.endsWith(ending)) ? [path] : []
  })
}

/** A package's file as the packager sees it: under node_modules/<name>, symlinks not followed. */
function appPath(file: string, dir: string): string {
  const name = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string })
    .name
  return join('node_modules', name, relative(dir, file))
}

describe('electron-builder.json', () => {
  const shipped = productionPackages().flatMap((dir) =>
    filesEnding(dir, ['.node', '.wasm'])
      .map((file) => appPath(file, dir))
      .filter((file) => !droppedFromModules(file)),
  )

  it('unpacks every native addon and wasm file the app ships from the asar archive', () => {
    // better-sqlite3, the onednn addon (where built) and tfjs's wasm binaries at least.
    expect(shipped).toContain('node_modules/better-sqlite3/build/Release/better_sqlite3.node')
    expect(shipped).toContain(
      'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
    )
    if (existsSync(join(root, 'native/onednn/build/Release/tmu_onednn.node'))) {
      expect(shipped).toContain('node_modules/@tmu/onednn/build/Release/tmu_onednn.node')
    }
    expect(shipped.filter((file) => !unpacked(file))).toEqual([])
  })

  it('unpacks the shipped ffmpeg, which runs as a program and so cannot stay in the archive', () => {
    const ffmpeg = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }
    expect(unpacked(relative(root, ffmpeg.path).replace(/^.*?node_modules/, 'node_modules'))).toBe(
      true,
    )
  })

  it('ships the built app from out/ and leaves out the Electron builds and build debris', () => {
    expect(manifest.main.startsWith('out/')).toBe(true)
    for (const file of [manifest.main, 'out/preload/index.cjs', 'out/renderer/index.html']) {
      expect(packed(file), file).toBe(true)
    }
    expect(packed(config.icon)).toBe(true)
    expect(existsSync(join(root, config.icon))).toBe(true)
    expect(
      packed(
        'node_modules/.cache/tmu-electron/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      ),
    ).toBe(false)
    expect(packed('node_modules/better-sqlite3/build/Release/obj.target/better_sqlite3.node')).toBe(
      false,
    )
  })

  it('targets AppImage and deb, a dmg for both Mac architectures, and an NSIS installer', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['arm64', 'x64'] }])
    expect(config.win.target.map((t) => t.target)).toEqual(['nsis'])
  })
})

describe('npm run dist signing', () => {
  type Plan = { config: { mac?: { identity?: null; notarize?: boolean } }; notes: string[] }
  const load = async () =>
    (await import(pathToFileURL(join(root, 'scripts/dist.js')).href)) as {
      signingPlan(env: Record<string, string>, platform: string): Plan
    }

  it('skips macOS signing and notarisation without credentials, saying so', async () => {
    const { signingPlan } = await load()
    expect(signingPlan({}, 'darwin')).toEqual({
      config: { mac: { identity: null, notarize: false } },
      notes: [
        'macOS: CSC_LINK is unset, so the app is not signed.',
        'macOS: an unsigned app cannot be notarised, so it is not.',
      ],
    })
    expect(signingPlan({}, 'win32').notes).toEqual([
      'Windows: WIN_CSC_LINK is unset, so the installer is not signed.',
    ])
  })

  it('signs and notarises from the environment when it holds the credentials', async () => {
    const { signingPlan } = await load()
    const env = {
      CSC_LINK: '/certs/developer-id.p12',
      APPLE_ID: 'dev@example.org',
      APPLE_APP_SPECIFIC_PASSWORD: 'secret',
      APPLE_TEAM_ID: 'TEAM123',
    }
    expect(signingPlan(env, 'darwin')).toEqual({ config: { mac: { notarize: true } }, notes: [] })
    expect(signingPlan({ CSC_LINK: env.CSC_LINK }, 'darwin').notes).toEqual([
      'macOS: APPLE_ID/APPLE_APP_SPECIFIC_PASSWORD/APPLE_TEAM_ID are unset, so the app is not notarised.',
    ])
    expect(signingPlan({ WIN_CSC_LINK: '/certs/code.pfx' }, 'win32').notes).toEqual([])
  })
})
