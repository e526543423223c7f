/**
 * Record values of the cross-client suite, identical for every client.
 *
 * - 'random': one value of printable letters A–Z, reused for every record — what Kafka's
 *   ProducerPerformance does with --record-size (it fills one payload and sends it every time).
 * - 'json': a pool of distinct JSON-like values of exactly `size` bytes (deterministic PRNG), so
 *   compression has something realistic to work on. Record i uses value i % pool.length; the Java
 *   ProducerPerformance reads the same pool from a payload file (one value per line) and picks
 *   values at random, which gives the same compression ratio.
 *
 * Pure: used by the runner (to write the Java payload file) and by every Node driver.
 */

/** Number of distinct JSON-like values. */
export const JSON_POOL_SIZE = 1000

/** One value of `size` printable letters (deterministic). */
export function randomLetters(size, seed = 7) {
  const out = Buffer.allocUnsafe(size)
  let s = seed >>> 0
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    out[i] = 65 + ((s >>> 16) % 26)
  }
  return out
}

const EVENTS = ['signup', 'view', 'purchase', 'click', 'logout', 'search', 'add_to_cart', 'checkout', 'share', 'rate']
const SOURCES = ['twitter', 'google', 'direct', 'email', 'partner', 'ads']
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'NL', 'ES', 'IT', 'BR', 'JP', 'IN']

/** `count` distinct JSON-like values of exactly `size` bytes each, no newline inside (deterministic). */
export function jsonValues(size, count = JSON_POOL_SIZE, seed = 42) {
  let s = seed >>> 0
  const rand = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    return (s >>> 8) / 0x1000000
  }
  const pick = (xs) => xs[Math.floor(rand() * xs.length)]
  const values = []
  for (let v = 0; v < count; v++) {
    let text = ''
    while (text.length < size) {
      text +=
        `{"id":${Math.floor(rand() * 1e9)},"user":"user_${Math.floor(rand() * 30000)}","event":"${pick(EVENTS)}",` +
        `"source":"${pick(SOURCES)}","country":"${pick(COUNTRIES)}","ts":${1_700_000_000_000 + Math.floor(rand() * 1e9)},` +
        `"amount":${(rand() * 1000).toFixed(2)},"session":"${Math.floor(rand() * 0xffffffff).toString(16)}"},`
    }
    values.push(Buffer.from(text.slice(0, size), 'latin1'))
  }
  return values
}

/** Values for a scenario: `{ kind, size }` → a function from record index to value. */
export function valueSource(kind, size) {
  if (kind === 'json') {
    const pool = jsonValues(size)
    return (i) => pool[i % pool.length]
  }
  const one = randomLetters(size)
  return () => one
}
