/**
 * Drives the heartbeat state machines of the next-generation group protocols for every member it
 * serves: ConsumerMember (KIP-848 'consumer' protocol, ConsumerGroupHeartbeat) and ShareMember
 * (KIP-932 share groups, ShareGroupHeartbeat) — one driver per protocol, one timer each, requests
 * through a transport, notices to a callback. Runs inside the heartbeat worker (heartbeat-worker.ts,
 * its own connections) and, for `heartbeatThread: false` and unit tests, on the main thread. Clock
 * and timers are injected so tests can step it.
 */
import { ErrorCode } from '../../error-codes.js'
import { type Clock, systemClock } from '../../internal/clock.js'

/** The error code of a 'coordinator' notice caused by a transport failure (the members' onFailure). */
const NETWORK_FAILURE = ErrorCode.NETWORK_EXCEPTION

/** What the driver needs of a member's state machine (sans-IO, driven with `now`). */
export interface HeartbeatMember<Req, Res, Cmd, Notice extends { type: string }> {
  /** What is due now: a request to send (or null), notices, and when to look again at the latest. */
  poll(
    now: number,
    lastPollAt: number,
    coordinatorKnown: boolean,
  ): { request: Req | null; notices: Notice[]; nextWakeAt: number }
  onResponse(now: number, res: Res): Notice[]
  /** The request failed without a response. */
  onFailure(now: number): Notice[]
  handle(now: number, cmd: Cmd): Notice[]
  readonly sent: number
  readonly received: number
}

export interface MemberHeartbeatTransport<C, Req, Res> {
  /** Sends the member's heartbeat; resolves with its response, rejects on a transport failure. */
  heartbeat(id: number, coordinator: C, request: Req): Promise<Res>
  /** The member is gone or its coordinator changed: release what the transport holds for it. */
  release?(id: number): void
}

interface Entry<C, M> {
  member: M
  lastPollAt: () => number
  coordinator: C | null
}

export class MemberHeartbeatDriver<C, Req, Res, Cmd, Notice extends { type: string }> {
  readonly #members = new Map<number, Entry<C, HeartbeatMember<Req, Res, Cmd, Notice>>>()
  readonly #transport: MemberHeartbeatTransport<C, Req, Res>
  readonly #clock: Clock
  readonly #onNotice: (id: number, notice: Notice) => void
  readonly #onHeartbeat: ((id: number, member: HeartbeatMember<Req, Res, Cmd, Notice>) => void) | undefined
  #timer: unknown = null
  #timerAt = Number.POSITIVE_INFINITY

  constructor(
    transport: MemberHeartbeatTransport<C, Req, Res>,
    onNotice: (id: number, notice: Notice) => void,
    clock: Clock = systemClock,
    onHeartbeat?: (id: number, member: HeartbeatMember<Req, Res, Cmd, Notice>) => void,
  ) {
    this.#transport = transport
    this.#onNotice = onNotice
    this.#clock = clock
    this.#onHeartbeat = onHeartbeat
  }

  member(id: number): HeartbeatMember<Req, Res, Cmd, Notice> | undefined {
    return this.#members.get(id)?.member
  }

  has(id: number): boolean {
    return this.#members.has(id)
  }

  add(id: number, member: HeartbeatMember<Req, Res, Cmd, Notice>, lastPollAt: () => number): void {
    this.#members.set(id, { member, lastPollAt, coordinator: null })
  }

  /** The coordinator to heartbeat to; null stops heartbeats until one is given (a due leave is dropped). */
  setCoordinator(id: number, coordinator: C | null): void {
    const e = this.#members.get(id)
    if (e === undefined) return
    if (e.coordinator !== null && e.coordinator !== coordinator) this.#transport.release?.(id)
    e.coordinator = coordinator
    this.tick()
  }

  command(id: number, cmd: Cmd): void {
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

  #answered(id: number, e: Entry<C, HeartbeatMember<Req, Res, Cmd, Notice>>, apply: (now: number) => Notice[]): void {
    if (this.#members.get(id) !== e) return
    const notices = apply(this.#clock.now())
    this.#onHeartbeat?.(id, e.member)
    for (const n of notices) {
      // The worker cannot heartbeat to a coordinator that said it is not one: wait for the next.
      if (n.type === 'coordinator' && (n as { errorCode?: number }).errorCode !== NETWORK_FAILURE) e.coordinator = null
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
