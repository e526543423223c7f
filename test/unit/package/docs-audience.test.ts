// User docs keep "in your project" apart from "in this repository" (issue #18 §10): the test kit's
// half of testing.md uses nothing only this repository's tests have (inject(), kafkaLibDir), and
// command examples for users run the bin through npx (a bare `kafka-wire` is not on a project's PATH).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'

const root = join(import.meta.dirname, '../../..')
const read = (p: string) => readFileSync(join(root, p), 'utf8')

it('testing.md: the "In your project" part comes first and uses no repository-only names', () => {
  const text = read('docs/testing.md')
  const project = text.indexOf('# In your project')
  const repo = text.indexOf('# In this repository')
  expect(project).toBeGreaterThan(0)
  expect(repo).toBeGreaterThan(project)
  const yours = text.slice(project, repo)
  const code = [...yours.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).join('\n')
  expect(code).not.toMatch(/\binject\(|kafkaLibDir|kafkaBootstrapServers/)
})

it('README and getting started run the CLI with npx; cli.md says how to run it in a project and in the repository', () => {
  for (const page of ['README.md', 'docs/getting-started.md']) {
    const sh = [...read(page).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).join('\n')
    expect(sh, page).not.toMatch(/^kafka-wire /m)
  }
  const cli = read('docs/cli.md')
  expect(cli).toContain('npx kafka-wire --help')
  expect(cli).toContain('node dist/esm/cli/bin.js --help')
})
