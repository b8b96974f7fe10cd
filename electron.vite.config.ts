import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, 'package.json'), 'utf8')) as {
  version: string
}
const define = { __TMU_VERSION__: JSON.stringify(pkg.version) }

export default defineConfig({
  main: {
    define,
    build: {
      outDir: 'out/main',
      // `dependencies` stay external by default, optional ones would be bundled. Dawn's
      // bindings find dawn.node beside their own file, so `webgpu` must stay in node_modules,
      // and tfjs's webgpu backend must register with the one tfjs the trainer imports.
      externalizeDeps: { include: ['webgpu', '@tensorflow/tfjs-backend-webgpu'] },
      rollupOptions: {
        // One Node bundle with three entry points: the desktop shell, the `tmu` CLI (also
        // serve mode) and the trainer process the job host forks.
        input: {
          index: resolve('src-main/electron/main.ts'),
          cli: resolve('src-main/cli/index.ts'),
          trainer: resolve('src-main/jobs/trainer-entry.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('src-main/preload/index.ts') },
        // A sandboxed renderer cannot load an ESM preload, even in a "type": "module" package.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    define,
    resolve: {
      alias: {
        '@contract': resolve('src-main/api/contract'),
        '@media': resolve('src-main/media'),
      },
    },
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve('src-renderer/index.html') } },
    },
    plugins: [vue()],
  },
})
