// Every page a reader follows (README.md, docs/*.md) whose ```ts examples are programs has a test
// that runs them against a real broker: this test fails when a page with examples is added (or
// loses its test) without one. Pages whose ```ts blocks are declarations, not programs, are listed
// with the reason.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')
const NOT_PROGRAMS: Record<string, string> = {
  'docs/CONTRACTS.md': 'interface declarations of the module contracts, not runnable code',
}

function files(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) files(p, out)
    else if (e.name.endsWith('.ts')) out.push(p)
  }
  return out
}

it('every page with ```ts examples is run by an integration or fault test', () => {
  const pages = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)].filter(
    (p) => p.endsWith('.md') && /^```ts$/m.test(readFileSync(join(root, p), 'utf8')),
  )
  expect(pages.length).toBeGreaterThan(5)
  const tests = [...files(join(root, 'test/integration')), ...files(join(root, 'test/fault'))].map((f) => ({
    file: relative(root, f),
    text: readFileSync(f, 'utf8'),
  }))
  const missing = pages.filter(
    (page) => NOT_PROGRAMS[page] === undefined && !tests.some((t) => t.text.includes(`'${page}'`)),
  )
  expect(missing, 'pages whose examples no test runs').toEqual([])
})
