#!/usr/bin/env node
// The `tmu` command. It runs the bundled CLI (`npm run build`); in a source checkout that
// has not been built yet it runs the TypeScript directly through tsx.
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const bundled = fileURLToPath(new URL('../out/main/cli.js', import.meta.url))
if (existsSync(bundled)) {
  await import(pathToFileURL(bundled).href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import(new URL('../src-main/cli/index.ts', import.meta.url).href)
}
