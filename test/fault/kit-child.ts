/**
 * Helpers for tests that run the test kit in a separate `node` process (to kill it, or to let
 * it exit): src/testing, src/internal and the error hierarchy (errors.ts, error-codes.ts)
 * transpiled to plain ESM in a temp dir.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** Transpile the kit into `out` and write `out/<name>` with `source` (which imports './testing/index.js'). */
export async function writeKitScript(out: string, name: string, source: string): Promise<string> {
  await writeFile(path.join(out, 'package.json'), '{"type":"module"}')
  for (const sub of ['testing', 'internal']) {
    const src = path.join(repo, 'src', sub)
    const dest = path.join(out, sub)
    await mkdir(dest, { recursive: true })
    for (const f of (await readdir(src)).filter((x) => x.endsWith('.ts') && !x.endsWith('.d.ts'))) {
      const js = ts.transpileModule(await readFile(path.join(src, f), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText
      await writeFile(path.join(dest, f.replace(/\.ts$/, '.js')), js)
    }
  }
  // The error hierarchy the kit and internal/ import (errors.ts with its generated table).
  for (const f of ['errors.ts', 'error-codes.ts']) {
    const js = ts.transpileModule(await readFile(path.join(repo, 'src', f), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText
    await writeFile(path.join(out, f.replace(/\.ts$/, '.js')), js)
  }
  const script = path.join(out, name)
  await writeFile(script, source)
  return script
}

/** Environment for a child running the kit from this checkout with the JVM provider. */
export function kitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, KAFKA_WIRE_ROOT: repo, KAFKA_BOOTSTRAP_SERVERS: '', KAFKA_PROVIDER: '', ...extra }
}
