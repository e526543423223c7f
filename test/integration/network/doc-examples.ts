/**
 * Runs the examples of docs/configuration.md: every ```ts block whose first line is
 * `// example: <name>`, with the placeholder endpoints and paths replaced by the test broker's, and
 * `'kafka-wire'` pointing at the sources.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = join(import.meta.dirname, '../../..')
const dir = mkdtempSync(join(tmpdir(), 'kw-doc-examples-'))

export function docExamples(file = 'docs/configuration.md'): Map<string, string> {
  const text = readFileSync(join(root, file), 'utf8')
  const out = new Map<string, string>()
  for (const m of text.matchAll(/```ts\n\/\/ example: ([\w-]+)\n([\s\S]*?)```/g)) out.set(m[1]!, m[2]!)
  return out
}

/** Runs one example with `replacements` (literal text → value); returns what it logged. */
export async function runDocExample(name: string, replacements: Record<string, string>): Promise<string[]> {
  let code = docExamples().get(name)
  if (code === undefined) throw new Error(`no example ${name} in docs/configuration.md`)
  for (const [from, to] of Object.entries(replacements)) code = code.split(from).join(to)
  code = code.replace(/from 'kafka-wire'/g, `from ${JSON.stringify(join(root, 'src/index.ts'))}`)
  const logged: string[] = []
  code = code.replace(/console\.log\(/g, '__log(')
  code = `const __log = (...a: unknown[]) => (globalThis as any).__kwDocLog(a.map(String).join(' '))\n${code}`
  ;(globalThis as any).__kwDocLog = (line: string) => logged.push(line)
  const file = join(dir, `${name}-${Date.now()}.ts`)
  writeFileSync(file, code)
  await import(file)
  return logged
}
