/**
 * Drives the ConsumerMember state machines (KIP-848 'consumer' protocol) of every consumer it serves:
 * one timer for all, ConsumerGroupHeartbeat through a transport, notices to a callback. Runs inside
 * the heartbeat worker (heartbeat-worker.ts, its own connections) and, for `heartbeatThread: false`
 * and unit tests, on the main thread. Clock and timers are injected so tests can step it.
 */
import { ErrorCode } from '../../error-codes.js'
import { type Clock, systemClock } from '../../internal/clock.js'
import {
  type ConsumerHeartbeatRequest,
  type ConsumerHeartbeatResponse,
  ConsumerMember,
  type ConsumerMemberConfig,
  type MemberCommand,
  type MemberNotice,
} from './consumer-member.js'

/** The error code of a 'coordinator' notice caused by a transport failure (ConsumerMember.onFailure). */
const NETWORK_FAILURE = ErrorCode.NETWORK_EXCEPTION

export interface ConsumerHeartbeatTransport<C> {
  /** Sends a ConsumerGroupHeartbeat; resolves with its response, rejects on a transport failure. */
  heartbeat(id: number, coordinator: C, request: ConsumerHeartbeatRequest): Promise<ConsumerHeartbeatResponse>
  /** The member is gone or its coordinator changed: release what the transport holds for it. */
  release?(id: number): void
}

interface Entry<C> {
  member: ConsumerMember
  lastPollAt: () => number
  coordinator: C | null
}

export class ConsumerHeartbeatDriver<C> {
  readonly #members = new Map<number, Entry<C>>()
  readonly #transport: ConsumerHeartbeatTransport<C>
  readonly #clock: Clock
  readonly #onNotice: (id: number, notice: MemberNotice) => void
  readonly #onHeartbeat: ((id: number, member: ConsumerMember) => void) | undefined
  #timer: unknown = null
  #timerAt = Number.POSITIVE_INFINITY

  constructor(
    transport: ConsumerHeartbeatTransport<C>,
    onNotice: (id: number, notice: MemberNotice) => void,
    clock: Clock = systemClock,
    onHeartbeat?: (id: number, member: ConsumerMember) => void,
  ) {
    this.#transport = transport
    this.#onNotice = onNotice
    this.#clock = clock
    this.#onHeartbeat = onHeartbeat
  }

  member(id: number): ConsumerMember | undefined {
    return this.#members.get(id)?.member
  }

  add(id: number, config: ConsumerMemberConfig, lastPollAt: () => number): void {
    this.#members.set(id, { member: new ConsumerMember(config), lastPollAt, coordinator: null })
  }

  /** The coordinator to heartbeat to; null stops heartbeats until one is given (a due leave is dropped). */
  setCoordinator(id: number, coordinator: C | null): void {
    const e = this.#members.get(id)
    if (e === undefined) return
    if (e.coordinator !== null && e.coordinator !== coordinator) this.#transport.release?.(id)
    e.coordinator = coordinator
    this.tick()
  }

  command(id: number, cmd: MemberCommand): void {
    const e = this.#members.get(id)
    if (e === undefined) return
    for (const n of e.member.handle(this.#clock.now(), cmd)) this.#onNotice(id, n)
    this.tick()
  }

  remove(id: number): void {
    if (this.#members.delete(id)) this.#transport.release?.(id)
    if (this.#members.size === 0 && this.#timer !== null) {
      this.#clock.clearTimeout(this.#timer)
      this.#timer = null
      this.#timerAt = Number.POSITIVE_INFINITY
    }
  }

  /** Runs every member's clock now and sends what is due; reschedules itself. Public so tests can step it. */
  tick(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer)
    this.#timer = null
    this.#timerAt = Number.POSITIVE_INFINITY
    const now = this.#clock.now()
    let wakeAt = Number.POSITIVE_INFINITY
    for (const [id, e] of this.#members) {
      const step = e.member.poll(now, e.lastPollAt(), e.coordinator !== null)
      wakeAt = Math.min(wakeAt, step.nextWakeAt)
      for (const n of step.notices) this.#onNotice(id, n)
      if (step.request === null || e.coordinator === null) continue
      this.#transport.heartbeat(id, e.coordinator, step.request).then(
        (res) => this.#answered(id, e, (now) => e.member.onResponse(now, res)),
        () => {
          this.#transport.release?.(id)
          this.#answered(id, e, (now) => e.member.onFailure(now))
        },
      )
    }
    this.#schedule(wakeAt, now)
  }

  #answered(id: number, e: Entry<C>, apply: (now: number) => MemberNotice[]): void {
    if (this.#members.get(id) !== e) return
    const notices = apply(this.#clock.now())
    this.#onHeartbeat?.(id, e.member)
    for (const n of notices) {
      // The worker cannot heartbeat to a coordinator that said it is not one: wait for the next.
      if (n.type === 'coordinator' && n.errorCode !== NETWORK_FAILURE) e.coordinator = null
      this.#onNotice(id, n)
    }
    this.tick()
  }

  #schedule(at: number, now: number): void {
    if (at === Number.POSITIVE_INFINITY) return
    if (this.#timer !== null && this.#timerAt <= at) return
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer)
    this.#timerAt = at
    this.#timer = this.#clock.setTimeout(() => this.tick(), Math.max(0, at - now))
  }
}
