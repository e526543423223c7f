// Whether dist/ is up to date: both builds and the bundles exist and are newer than every input
// (src/, the tsconfigs, package.json, the build script). `npm run demo` builds only when it is not, so a
// second run starts at once (build.mjs --if-stale).
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const OUTPUTS = [
  'dist/esm/index.js',
  'dist/cjs/index.js',
  'dist/cjs/package.json',
  'dist/bundle/esm/index.js',
  'dist/bundle/cjs/index.js',
  'dist/bundle/esm/cli/bin.js',
]
const INPUTS = ['package.json', 'tsconfig.json', 'tsconfig.cjs.json', 'scripts/build.mjs']

function newestIn(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs)
  }
  return newest
}

export function buildIsFresh(root) {
  const outputs = OUTPUTS.map((f) => join(root, f))
  if (!outputs.every((f) => existsSync(f))) return false
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs))
  const inputs = INPUTS.map((f) => join(root, f)).filter((f) => existsSync(f))
  const changed = Math.max(newestIn(join(root, 'src')), ...inputs.map((f) => statSync(f).mtimeMs))
  return built > changed
}
