/**
 * `node --import tsx bench/gpu/build.ts`: builds bench/gpu/dist/ (git-ignored) for a GPU
 * machine that has Python and PyTorch but no Node, npm or network: run.sh beside
 * tmu-gpu-bench.tar.xz, which holds this machine's Node, bench/gpu/bench.ts bundled with tfjs
 * and its webgpu backend, Dawn's `webgpu` package (index.js and the linux-x64 dawn.node),
 * Debian's Vulkan loader and the PyTorch reference. Refuses to finish above 64 MiB, the most a
 * device session carries.
 */
import { execFileSync } from 'node:child_process'
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { build } from 'esbuild'

const LIMIT_BYTES = 64 * 2 ** 20
const here = import.meta.dirname
const root = join(here, '..', '..')
const dist = join(here, 'dist')
const require = createRequire(import.meta.url)

const version = (pkg: string) => (require(`${pkg}/package.json`) as { version: string }).version
const sh = (cmd: string, args: string[], cwd?: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim()

function mib(bytes: number) {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`
}

/** bench.ts in one ES module; Dawn stays outside, as a package beside it, for its .node file. */
async function bundleBench(stage: string) {
  await build({
    entryPoints: [join(here, 'bench.ts')],
    outfile: join(stage, 'bench', 'gpu-bench.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The other backends' native parts load only when chosen; bench.ts never chooses them.
    external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '*.node'],
    // tfjs's CommonJS parts call require(); an ES module has none of its own.
    banner: {
      js: "import { createRequire as __tmuCreateRequire } from 'node:module'; const require = __tmuCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  })
  // pytorch-reference.ts finds the script beside the module that runs it.
  const reference = join(stage, 'bench', 'reference')
  mkdirSync(reference, { recursive: true })
  copyFileSync(
    join(root, 'bench', 'reference', 'predrnn_step.py'),
    join(reference, 'predrnn_step.py'),
  )
}

function copyDawn(stage: string) {
  const from = dirname(require.resolve('webgpu/package.json'))
  const to = join(stage, 'bench', 'node_modules', 'webgpu')
  mkdirSync(join(to, 'dist', 'linux-x64'), { recursive: true })
  for (const file of ['index.js', 'package.json', 'LICENSE.md'])
    copyFileSync(join(from, file), join(to, file))
  copyFileSync(
    join(from, 'dist', 'linux-x64', 'dawn.node'),
    join(to, 'dist', 'linux-x64', 'dawn.node'),
  )
}

/** Debian's libvulkan1, unpacked here: the GPU machine may have no dpkg and no loader. */
function vulkanLoader(stage: string): string {
  const download = mkdtempSync(join(tmpdir(), 'tmu-libvulkan-'))
  try {
    sh('apt-get', ['download', 'libvulkan1'], download)
    const deb = readdirSync(download).find((f) => f.endsWith('.deb'))
    if (!deb) throw new Error('apt-get download libvulkan1 produced no .deb')
    const unpacked = join(download, 'x')
    sh('dpkg', ['-x', join(download, deb), unpacked])
    const libs = join(unpacked, 'usr', 'lib', 'x86_64-linux-gnu')
    const to = join(stage, 'vulkan')
    mkdirSync(to, { recursive: true })
    // Copy the real file under each name the loader is found by (links do not travel well).
    for (const name of readdirSync(libs).filter((f) => f.startsWith('libvulkan.so'))) {
      copyFileSync(join(libs, name), join(to, name))
    }
    return deb
  } finally {
    rmSync(download, { recursive: true, force: true })
  }
}

async function main() {
  rmSync(dist, { recursive: true, force: true })
  const stage = join(dist, 'tmu-gpu-bench')
  mkdirSync(join(stage, 'bin'), { recursive: true })
  await bundleBench(stage)
  copyDawn(stage)
  const vulkanDeb = vulkanLoader(stage)
  copyFileSync(process.execPath, join(stage, 'bin', 'node'))
  let commit = 'unknown'
  try {
    commit = sh('git', ['rev-parse', '--short', 'HEAD'], root)
  } catch {
    // Not a checkout: the versions still say what was bundled.
  }
  writeFileSync(
    join(stage, 'bench', 'versions.json'),
    JSON.stringify(
      {
        commit,
        tfjsBackendWebgpu: version('@tensorflow/tfjs-backend-webgpu'),
        webgpu: version('webgpu'),
        vulkanLoader: vulkanDeb,
        builtAt: new Date().toISOString(),
      },
      null,
      2,
    ) + '\n',
  )
  const archive = join(dist, 'tmu-gpu-bench.tar.xz')
  console.log('compressing (xz -9, a minute or two)…')
  execFileSync('tar', ['-cf', archive, '-I', 'xz -9 -T0', '-C', dist, 'tmu-gpu-bench'], {
    stdio: 'inherit',
  })
  rmSync(stage, { recursive: true })
  copyFileSync(join(here, 'run.sh'), join(dist, 'run.sh'))
  const total = readdirSync(dist).reduce((sum, f) => sum + statSync(join(dist, f)).size, 0)
  console.log(`${archive}: ${mib(statSync(archive).size)}; bench/gpu/dist in all ${mib(total)}`)
  if (total > LIMIT_BYTES)
    throw new Error(`bench/gpu/dist is ${mib(total)}, over ${mib(LIMIT_BYTES)}`)
}

await main()
