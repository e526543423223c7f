// A reader runs README.md and the docs pages in order on one broker: each page writes and reads
// topics of its own, so that one page's records (strings, JSON, partition counts) never break
// another's example (#18 item 6: producing.md filled `orders` with strings that consuming.md
// JSON-parsed). Topic names are taken from the code blocks: `topic: '…'`, `subscribe(['…'])`,
// `partitionsFor('…')` and `--topic …`.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')

function topicsOf(page: string): Set<string> {
  const text = readFileSync(join(root, page), 'utf8')
  const code = [...text.matchAll(/^```(?:ts|js|sh|bash)\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).join('\n')
  const names = new Set<string>()
  for (const m of code.matchAll(/\btopic: '([^'$`{]+)'/g)) names.add(m[1]!)
  for (const m of code.matchAll(/partitionsFor\('([^']+)'\)/g)) names.add(m[1]!)
  for (const m of code.matchAll(/subscribe\(\[([^\]]*)\]/g)) {
    for (const n of m[1]!.matchAll(/'([^']+)'/g)) names.add(n[1]!)
  }
  for (const m of code.matchAll(/--topic ([\w.-]+)/g)) names.add(m[1]!)
  return names
}

it('no two pages (README.md, docs/*.md) use the same topic in their examples', () => {
  const pages = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ]
  const owners = new Map<string, string[]>()
  for (const page of pages) for (const t of topicsOf(page)) owners.set(t, [...(owners.get(t) ?? []), page])
  expect(owners.size).toBeGreaterThan(15)
  const shared = [...owners].filter(([, p]) => p.length > 1).map(([t, p]) => `${t}: ${p.join(', ')}`)
  expect(shared).toEqual([])
})
