/**
 * The one options splitter: every public constructor taking options (Producer, Consumer, Admin)
 * splits them into the shared client options and its own here, and an unknown key is a
 * ConfigError naming the closest known option. TypeScript already refuses unknown keys; this is
 * for JavaScript callers and casts, where `groupProtocl: 'consumer'` would otherwise be ignored.
 *
 * Keys that `fromProperties` derived from a Java `.properties` file are marked (an enumerable
 * symbol per key, so spreading keeps the mark): a Java config kafka-wire does not know is
 * reported back and dropped, as the Java client warns "supplied but isn't a known config",
 * so an existing client.properties keeps working.
 */
import { ConfigError } from '../errors.js'

const propertyMarks = new Map<string, symbol>()

/** The symbol under which fromProperties records the Java property an option came from. */
export function propertyMark(option: string): symbol {
  let mark = propertyMarks.get(option)
  if (mark === undefined) {
    mark = Symbol(`kafka-wire: ${option} from a .properties file`)
    propertyMarks.set(option, mark)
  }
  return mark
}

export interface SplitOptions {
  common: Record<string, unknown>
  own: Record<string, unknown>
  /** Unknown keys that came from a Java .properties file: reported, not applied. */
  ignored: { option: string; property: string }[]
}

/**
 * Splits `options` into the shared options (`commonNames`) and the client's own (`ownNames`).
 * Throws ConfigError for a non-object, or for a key in neither set (naming the closest one).
 */
export function splitOptions(
  options: unknown,
  commonNames: ReadonlySet<string>,
  ownNames: ReadonlySet<string>,
  client: string,
): SplitOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError('options', 'must be an object')
  }
  const out: SplitOptions = { common: {}, own: {}, ignored: [] }
  const o = options as Record<string | symbol, unknown>
  for (const key of Object.keys(o)) {
    if (commonNames.has(key)) out.common[key] = o[key]
    else if (ownNames.has(key)) out.own[key] = o[key]
    else {
      const mark = propertyMarks.get(key)
      const property = mark === undefined ? undefined : o[mark]
      if (typeof property === 'string') {
        out.ignored.push({ option: key, property })
        continue
      }
      const suggestion = closestName(key, [...commonNames, ...ownNames])
      throw new ConfigError(
        key,
        `unknown ${client} option '${key}'${suggestion === undefined ? '' : ` — did you mean '${suggestion}'?`}`,
      )
    }
  }
  return out
}

/**
 * The known name closest to `name` (case-insensitive, ignoring '.', '-' and '_' so Java spellings
 * match), if it is close enough to be a likely typo: at most 2 edits, or a third of its length.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[._-]/g, '')
  const target = norm(name)
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const k of known) {
    const d = editDistance(target, norm(k))
    if (d < bestDistance) {
      best = k
      bestDistance = d
    }
  }
  return bestDistance <= Math.max(2, Math.floor(target.length / 3)) ? best : undefined
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = []
  for (let i = 0; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j)
        continue
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1)
      row.push(d)
    }
    rows.push(row)
  }
  return rows[a.length]![b.length]!
}
