/**
 * SCRAM credential calls: DescribeUserScramCredentials and AlterUserScramCredentials (any broker;
 * it forwards to the controller).
 *
 * The broker stores SCRAM credentials as (salt, iterations, StoredKey, ServerKey), derived from the
 * salted password; AlterUserScramCredentials therefore carries SaltedPassword = Hi(password, salt, i)
 * (RFC 5802 §2.2: PBKDF2 with HMAC-SHA-256/512 and the hash's output length), computed here — the
 * clear password never leaves the process. Like Java's ScramFormatter, the password is taken as
 * its UTF-8 bytes (no SASLprep).
 */
import { pbkdf2, randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { ErrorCode } from '../error-codes.js'
import { brokerError } from '../errors.js'
import { Apis, type RequestOf, type ResponseOf } from '../protocol/index.js'
import { invalidArgument, namedMessage, requireNonEmptyString, requireUnique } from './common.js'
import { type DriveResult, RoundReport, settle } from './driver.js'
import { scramMechanisms } from './enums.js'
import { type CompositeCall, operation, singleOperation } from './operation.js'
import type { ScramCredentialAlteration, ScramMechanism, UserScramCredentials } from './types.js'

const pbkdf2Async = promisify(pbkdf2)

export const DEFAULT_SCRAM_ITERATIONS = 4096

const HASHES: Record<ScramMechanism, { digest: string; length: number }> = {
  'SCRAM-SHA-256': { digest: 'sha256', length: 32 },
  'SCRAM-SHA-512': { digest: 'sha512', length: 64 },
}

/** RFC 5802 Hi(): PBKDF2-HMAC-SHA-256/512 of the UTF-8 password, output as long as the hash. */
export async function saltedPassword(
  mechanism: ScramMechanism,
  password: string,
  salt: Uint8Array,
  iterations: number,
): Promise<Buffer> {
  const hash = HASHES[mechanism]
  if (hash === undefined) throw invalidArgument(`Unknown SCRAM mechanism '${mechanism}'`)
  return pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, hash.length, hash.digest)
}

export function validateAlterations(alterations: readonly ScramCredentialAlteration[]): void {
  for (const a of alterations) {
    requireNonEmptyString(a?.user, 'ScramCredentialAlteration.user')
    if (a.mechanism !== 'SCRAM-SHA-256' && a.mechanism !== 'SCRAM-SHA-512') {
      throw invalidArgument(`Unknown SCRAM mechanism '${a.mechanism}' for user ${a.user}`)
    }
    if (a.op === 'upsert') {
      if (typeof a.password !== 'string' || a.password.length === 0) {
        throw invalidArgument(`SCRAM upsertion for user ${a.user} needs a non-empty password`)
      }
      const iterations = a.iterations ?? DEFAULT_SCRAM_ITERATIONS
      if (!Number.isInteger(iterations) || iterations <= 0) {
        throw invalidArgument(`SCRAM iterations for user ${a.user} must be a positive integer`)
      }
    } else if (a.op !== 'delete') {
      throw invalidArgument(`ScramCredentialAlteration.op must be 'upsert' or 'delete'`)
    }
  }
}

type Deletion = { name: string; mechanism: number }
type Upsertion = { name: string; mechanism: number; iterations: number; salt: Buffer; saltedPassword: Buffer }

/** One user's alteration, ready to send. */
export interface PreparedAlteration {
  user: string
  deletion?: Deletion
  upsertion?: Upsertion
}

export interface PreparedAlterations {
  /**
   * Alterations grouped into requests sent one after the other: a broker refuses two alterations
   * of the same user in one request (DUPLICATE_RESOURCE), so a user's second alteration (e.g. its
   * SCRAM-SHA-512 credential after its SCRAM-SHA-256 one) goes in the next wave.
   */
  waves: PreparedAlteration[][]
  /** The distinct users, in order. */
  users: string[]
}

/** Salts each upserted password (random 32-byte salt unless one is given) and groups the alterations into waves. */
export async function prepareAlterations(
  alterations: readonly ScramCredentialAlteration[],
): Promise<PreparedAlterations> {
  const waves: PreparedAlteration[][] = []
  const seen = new Map<string, number>()
  for (const a of alterations) {
    const mechanism = scramMechanisms.code(a.mechanism)
    let prepared: PreparedAlteration
    if (a.op === 'delete') {
      prepared = { user: a.user, deletion: { name: a.user, mechanism } }
    } else {
      const iterations = a.iterations ?? DEFAULT_SCRAM_ITERATIONS
      const salt = a.salt === undefined ? randomBytes(32) : Buffer.from(a.salt)
      const salted = await saltedPassword(a.mechanism, a.password, salt, iterations)
      prepared = { user: a.user, upsertion: { name: a.user, mechanism, iterations, salt, saltedPassword: salted } }
    }
    const wave = seen.get(a.user) ?? 0
    seen.set(a.user, wave + 1)
    if (waves[wave] === undefined) waves[wave] = []
    waves[wave]!.push(prepared)
  }
  return { waves, users: [...seen.keys()] }
}

/** The AlterUserScramCredentials request for the alterations of a wave whose users are in `users`. */
export function buildAlterScramRequest(
  wave: readonly PreparedAlteration[],
  users: ReadonlySet<string>,
): RequestOf<typeof Apis.AlterUserScramCredentials> {
  const selected = wave.filter((a) => users.has(a.user))
  return {
    deletions: selected.flatMap((a) => (a.deletion === undefined ? [] : [a.deletion])),
    upsertions: selected.flatMap((a) => (a.upsertion === undefined ? [] : [a.upsertion])),
  }
}

export function handleAlterScramResponse(
  response: ResponseOf<typeof Apis.AlterUserScramCredentials>,
  report: RoundReport<string>,
  apiKey: number,
): void {
  for (const r of response.results) {
    if (r.errorCode !== ErrorCode.NONE) {
      report.fail(r.user, brokerError(r.errorCode, namedMessage(`user ${r.user}`, r.errorMessage), { apiKey }))
    } else {
      report.ok(r.user, r.user)
    }
  }
}

export function buildDescribeScramRequest(
  users: readonly string[] | null,
): RequestOf<typeof Apis.DescribeUserScramCredentials> {
  return { users: users === null ? null : users.map((name) => ({ name })) }
}

/**
 * Maps a DescribeUserScramCredentials response. A top-level error is thrown; per-user errors
 * (RESOURCE_NOT_FOUND for a user without credentials) are reported per user.
 */
export function handleDescribeScramResponse(
  response: ResponseOf<typeof Apis.DescribeUserScramCredentials>,
  report: RoundReport<UserScramCredentials>,
  apiKey: number,
): void {
  if (response.errorCode !== ErrorCode.NONE) {
    throw brokerError(response.errorCode, response.errorMessage, { apiKey })
  }
  for (const r of response.results) {
    if (r.errorCode !== ErrorCode.NONE) {
      report.fail(r.user, brokerError(r.errorCode, namedMessage(`user ${r.user}`, r.errorMessage), { apiKey }))
      continue
    }
    report.ok(r.user, {
      user: r.user,
      credentials: r.credentialInfos
        .map((c) => ({ mechanism: scramMechanisms.name(c.mechanism), iterations: c.iterations }))
        .filter((c): c is { mechanism: ScramMechanism; iterations: number } => c.mechanism !== 'unknown'),
    })
  }
}

// ---------------------------------------------------------------------------------------------
// Operations (run by executor.ts)

const byUser = (a: UserScramCredentials, b: UserScramCredentials) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0)

/** The credentials of `users`, or (null) of every user with credentials, sorted by user. */
export function describeScramOperation(users: readonly string[] | null | undefined) {
  if (!users) {
    return singleOperation({
      name: 'describeUserScramCredentials',
      api: Apis.DescribeUserScramCredentials,
      route: 'any',
      build: () => buildDescribeScramRequest(null),
      handle: (response, report: RoundReport<UserScramCredentials[]>, ctx) => {
        const all = new RoundReport<UserScramCredentials>()
        handleDescribeScramResponse(response, all, ctx.apiKey)
        report.ok('call', [...all.results.values()].sort(byUser))
      },
    })
  }
  for (const u of users) requireNonEmptyString(u, 'user')
  requireUnique(users, 'user')
  return operation({
    name: 'describeUserScramCredentials',
    itemKind: 'users',
    api: Apis.DescribeUserScramCredentials,
    route: 'any',
    items: new Map(users.map((u) => [u, u])),
    itemName: (u) => `user ${u}`,
    build: (list) => buildDescribeScramRequest(list),
    handle: (response, report: RoundReport<UserScramCredentials>, ctx) =>
      handleDescribeScramResponse(response, report, ctx.apiKey),
  })
}

/** Alterations in waves (see PreparedAlterations); a user that failed in a wave is not altered further. */
export async function alterScramCall(alterations: readonly ScramCredentialAlteration[]): Promise<CompositeCall<void>> {
  validateAlterations(alterations)
  if (alterations.length === 0) return { empty: true, run: async () => {} }
  const prepared = await prepareAlterations(alterations)
  return {
    name: 'alterUserScramCredentials',
    async run(ctx) {
      const outcome: DriveResult<string> = { results: new Map(), errors: new Map() }
      for (const wave of prepared.waves) {
        const users = wave.map((a) => a.user).filter((u) => !outcome.errors.has(u))
        if (users.length === 0) continue
        const waveOutcome = await ctx.execute(
          operation({
            name: 'alterUserScramCredentials',
            itemKind: 'users',
            api: Apis.AlterUserScramCredentials,
            route: 'any',
            items: new Map(users.map((u) => [u, u])),
            build: (pending) => buildAlterScramRequest(wave, new Set(pending)),
            handle: (response, report: RoundReport<string>, ctx) =>
              handleAlterScramResponse(response, report, ctx.apiKey),
          }),
        )
        for (const [u, e] of waveOutcome.errors) outcome.errors.set(u, e)
        for (const [u, r] of waveOutcome.results) outcome.results.set(u, r)
      }
      for (const u of outcome.errors.keys()) outcome.results.delete(u)
      settle('alterUserScramCredentials', 'users', prepared.users, outcome, (u) => `user ${u}`)
    },
  }
}
