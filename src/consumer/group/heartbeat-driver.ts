/**
 * Drives the MemberHeartbeat state machines of every consumer it serves: one timer for all of them,
 * sends Heartbeat / LeaveGroup through a transport, hands notices to a callback. It runs inside the
 * heartbeat worker (heartbeat-worker.ts, with its own connections) and, for `heartbeatThread: false`
 * and unit tests, on the main thread. Clock and timers are injected so tests can step it.
 */
import { type Clock, systemClock } from '../../internal/clock.js'
import { type HeartbeatConfig, type HeartbeatNotice, MemberHeartbeat, type MemberIdentity } from './heartbeat-state.js'

export interface HeartbeatTransport<C> {
  /** Sends a Heartbeat; resolves with its error code, rejects on a transport failure. */
  heartbeat(id: number, coordinator: C, identity: MemberIdentity): Promise<number>
  /** Sends a LeaveGroup; resolves with its error code, rejects on a transport failure. */
  leaveGroup(id: number, coordinator: C, identity: MemberIdentity, reason: string): Promise<number>
  /** The member is gone or its coordinator changed: release what the transport holds for it. */
  release?(id: number): void
}

interface Member<C> {
  hb: MemberHeartbeat
  lastPollAt: () => number
  coordinator: C | null
}

export class HeartbeatDriver<C> {
  readonly #members = new Map<number, Member<C>>()
  readonly #transport: HeartbeatTransport<C>
  readonly #clock: Clock
  readonly #onNotice: (id: number, notice: HeartbeatNotice) => void
  readonly #onHeartbeat: ((id: number, hb: MemberHeartbeat) => void) | undefined
  #timer: unknown = null
  #timerAt = Number.POSITIVE_INFINITY

  constructor(
    transport: HeartbeatTransport<C>,
    onNotice: (id: number, notice: HeartbeatNotice) => void,
    clock: Clock = systemClock,
    onHeartbeat?: (id: number, hb: MemberHeartbeat) => void,
  ) {
    this.#transport = transport
    this.#onNotice = onNotice
    this.#clock = clock
    this.#onHeartbeat = onHeartbeat
  }

  get size(): number {
    return this.#members.size
  }

  member(id: number): MemberHeartbeat | undefined {
    return this.#members.get(id)?.hb
  }

  add(id: number, identity: MemberIdentity, config: HeartbeatConfig, lastPollAt: () => number): void {
    this.#members.set(id, { hb: new MemberHeartbeat(identity, config), lastPollAt, coordinator: null })
  }

  /**
   * Heartbeats for a new generation. `startedAt`: when the generation began on the main thread (the
   * Java client resets its heartbeat timer then); the first heartbeat is due an interval after it,
   * even if this call comes later. Never later than now.
   */
  start(id: number, identity: MemberIdentity, coordinator: C, startedAt = Number.POSITIVE_INFINITY): void {
    const m = this.#members.get(id)
    if (m === undefined) return
    if (m.coordinator !== null && m.coordinator !== coordinator) this.#transport.release?.(id)
    m.coordinator = coordinator
    m.hb.start(identity, Math.min(startedAt, this.#clock.now()))
    this.#schedule()
  }

  stop(id: number): void {
    this.#members.get(id)?.hb.stop()
  }

  /** Sends LeaveGroup (if the member is heartbeating or has a coordinator) and stops. Resolves with the error code, null if nothing was sent. */
  async leave(id: number, reason: string): Promise<number | null> {
    const m = this.#members.get(id)
    if (m === undefined || m.coordinator === null) return null
    m.hb.stop()
    if (m.hb.identity.memberId === '') return null
    try {
      return await this.#transport.leaveGroup(id, m.coordinator, m.hb.identity, reason)
    } catch {
      return -1
    }
  }

  remove(id: number): void {
    if (this.#members.delete(id)) this.#transport.release?.(id)
    if (this.#members.size === 0 && this.#timer !== null) {
      this.#clock.clearTimeout(this.#timer)
      this.#timer = null
      this.#timerAt = Number.POSITIVE_INFINITY
    }
  }

  /** Runs every member's clock now; reschedules itself. Public so tests can step it. */
  tick(): void {
    this.#timer = null
    this.#timerAt = Number.POSITIVE_INFINITY
    const now = this.#clock.now()
    for (const [id, m] of this.#members) {
      const step = m.hb.poll(now, m.lastPollAt())
      for (const notice of step.notices) this.#onNotice(id, notice)
      const req = step.request
      if (req === null || m.coordinator === null) continue
      const identity = { ...m.hb.identity }
      if (req.kind === 'heartbeat') {
        this.#transport.heartbeat(id, m.coordinator, identity).then(
          (errorCode) => {
            if (this.#members.get(id) !== m) return
            const notice = m.hb.onResponse(this.#clock.now(), errorCode)
            this.#onHeartbeat?.(id, m.hb)
            if (notice !== null) this.#onNotice(id, notice)
            this.#schedule()
          },
          () => {
            if (this.#members.get(id) !== m) return
            const notice = m.hb.onFailure(this.#clock.now())
            this.#transport.release?.(id)
            if (notice !== null) this.#onNotice(id, notice)
            this.#schedule()
          },
        )
      } else {
        this.#transport.leaveGroup(id, m.coordinator, identity, req.reason).catch(() => {})
      }
    }
    this.#schedule()
  }

  #schedule(): void {
    const now = this.#clock.now()
    let at = Number.POSITIVE_INFINITY
    for (const m of this.#members.values()) {
      if (m.hb.stopped) continue
      at = Math.min(at, nextWake(m, now))
    }
    if (at === Number.POSITIVE_INFINITY) return
    if (this.#timer !== null && this.#timerAt <= at) return
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer)
    this.#timerAt = at
    this.#timer = this.#clock.setTimeout(() => this.tick(), Math.max(0, at - now))
  }
}

/** The next time a member needs attention, without changing its state. */
function nextWake<C>(m: Member<C>, now: number): number {
  const hb = m.hb
  const pollDeadline = m.lastPollAt() + hb.config.maxPollIntervalMs
  const deadlines = [hb.sessionDeadline, pollDeadline]
  if (!hb.inFlight) deadlines.push(hb.heartbeatDeadline)
  return Math.max(now, Math.min(...deadlines))
}
