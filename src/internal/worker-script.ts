/**
 * Worker-thread entry scripts shipped with kafka-wire (the heartbeat thread, the compression
 * thread): where the compiled script is, and the Node options a worker can start with.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { moduleDir } from './module-dir.js'
import { packageRoot } from './package-root.js'

/**
 * A compiled script shipped with kafka-wire (a worker thread's entry), given by its path under
 * the build root (`consumer/group/heartbeat-worker.js`): beside the running module (dist/esm,
 * dist/cjs, or a copy of either wherever it was put), else in the package's dist/esm (the
 * tests run from the TypeScript sources, which cannot start a worker). `found` is false when
 * neither exists; `path` is then the file that was expected.
 */
export function builtScriptPath(...segments: string[]): { path: string; found: boolean } {
  const beside = join(moduleDir, '..', ...segments)
  if (existsSync(beside)) return { path: beside, found: true }
  let file = beside
  try {
    file = join(packageRoot(), 'dist', 'esm', ...segments)
  } catch {
    // no package root above (a bundle, a copied file): `path` names the expected file
  }
  return { path: file, found: existsSync(file) }
}

/**
 * The process's Node options for a worker, less `--input-type`: a worker inherits them, and
 * with that flag (`node --input-type=module -e '…'`) Node refuses to start a worker from a file.
 */
export function workerExecArgv(): string[] {
  const args: string[] = []
  const inherited = process.execArgv
  for (let i = 0; i < inherited.length; i++) {
    const arg = inherited[i]!
    if (arg === '--input-type')
      i++ // its value follows
    else if (!arg.startsWith('--input-type=')) args.push(arg)
  }
  return args
}
