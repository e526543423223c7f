// `await using` is a SyntaxError in plain JavaScript on Node 20 and 22 (issue #18 §7): the pages
// where JavaScript readers land (README, getting started) do not use it, and every page that does
// says what it needs and shows the try/finally form.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
]
const code = (text: string) => [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).join('\n')

it('README and getting started examples run as plain JavaScript on Node 20 (no await using)', () => {
  for (const page of ['README.md', 'docs/getting-started.md']) {
    expect(code(readFileSync(join(root, page), 'utf8')), page).not.toMatch(/\bawait using\b/)
  }
})

it('every page whose examples use await using says it needs TypeScript or Node 24+, and shows try/finally', () => {
  for (const page of pages) {
    const text = readFileSync(join(root, page), 'utf8')
    if (!/\bawait using\b/.test(code(text))) continue
    expect(text, page).toMatch(/Node 24\+|Node 20 and 22/)
    expect(text, page).toMatch(/finally/)
  }
})
