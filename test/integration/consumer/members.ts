/**
 * Group members as child processes (fixtures/member.mjs), for tests that block a member's event
 * loop, stop it polling or kill it. Needs the built package (`npm run build`).
 */
import { type ChildProcess, fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const script = join(here, 'fixtures', 'member.mjs')
const built = join(here, '..', '..', '..', 'dist', 'esm', 'index.js')

export interface MemberEvent {
  type: string
  [key: string]: any
}

export interface MemberConfig {
  bootstrapServers: string
  groupId: string
  topics: string[]
  options?: Record<string, unknown>
  commit?: 'sync' | 'none'
}

export function requireBuild(): void {
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` before the integration tests`)
}

export class Member {
  readonly name: string
  readonly child: ChildProcess
  readonly events: MemberEvent[] = []
  /** Every record value this member processed. */
  readonly processed: { partition: number; offset: bigint; value: string }[] = []
  exited = false
  #waiters: (() => void)[] = []

  constructor(name: string, config: MemberConfig) {
    requireBuild()
    this.name = name
    this.child = fork(script, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.child.on('message', (msg: MemberEvent) => {
      this.events.push(msg)
      if (msg.type === 'records') {
        for (const r of msg.records)
          this.processed.push({ partition: r.partition, offset: BigInt(r.offset), value: r.value })
      }
      for (const w of this.#waiters.splice(0)) w()
    })
    this.child.on('exit', () => {
      this.exited = true
      for (const w of this.#waiters.splice(0)) w()
    })
  }

  /** The latest 'state' event. */
  get state(): { generationId: number; memberState: string | null; assignment: number[] } | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) if (this.events[i]!.type === 'state') return this.events[i] as any
    return undefined
  }

  get assignment(): number[] {
    return this.state?.assignment ?? []
  }

  eventsOf(type: string): MemberEvent[] {
    return this.events.filter((e) => e.type === type)
  }

  /** Waits until `predicate` holds (checked on every event), or fails after `timeoutMs`. */
  async until(what: string, predicate: () => boolean, timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!predicate()) {
      const error = this.events.find((e) => e.type === 'error')
      if (error) throw new Error(`${this.name} failed: ${error.message}`)
      if (Date.now() > deadline) throw new Error(`${this.name}: timed out waiting for ${what}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200)
        this.#waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  send(cmd: Record<string, unknown>): void {
    this.child.send(cmd)
  }

  async close(): Promise<void> {
    if (this.exited) return
    this.send({ cmd: 'close' })
    await this.until('exit', () => this.exited, 30000)
  }

  kill(): void {
    this.child.kill('SIGKILL')
  }
}

/**
 * Waits until the members' assignments cover `partitions` exactly once, all stable. Under the
 * classic protocol all members are in one generation; under 'consumer' each member has its own
 * epoch (it moves when that member's assignment does), so only the classic check compares them.
 */
export async function untilBalanced(
  members: Member[],
  partitions: number,
  timeoutMs = 60000,
  protocol: 'classic' | 'consumer' = 'classic',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const owned = members.flatMap((m) => m.assignment)
    const stable = members.every((m) => m.state?.memberState === 'STABLE')
    const generations = new Set(members.map((m) => m.state?.generationId))
    if (
      stable &&
      (protocol === 'consumer' || generations.size === 1) &&
      owned.length === partitions &&
      new Set(owned).size === partitions &&
      members.every((m) => m.assignment.length > 0)
    ) {
      return
    }
    for (const m of members) {
      const error = m.events.find((e) => e.type === 'error')
      if (error) throw new Error(`${m.name} failed: ${error.message}`)
    }
    if (Date.now() > deadline) {
      throw new Error(`group not balanced: ${members.map((m) => `${m.name}=${JSON.stringify(m.state)}`).join(' ')}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}
