/**
 * The one reader of Java `.properties` text, with java.util.Properties.load semantics. Used by
 * `fromProperties` (cluster/options.ts) and by the test kit (testing/config.ts).
 *
 * - Lines end at \n, \r or \r\n. Leading spaces, tabs and form feeds are skipped.
 * - A line whose first other character is `#` or `!` is a comment (and never continues).
 * - A line ending in an odd number of backslashes continues on the next line; the next line's
 *   leading whitespace is dropped. An empty continuation line ends the entry.
 * - The key ends at the first unescaped `=`, `:` or whitespace; whitespace, then one `=` or `:`,
 *   then whitespace are skipped before the value. Trailing whitespace belongs to the value.
 * - Escapes: \t \n \r \f, \uXXXX (exactly four hex digits, else an error, as in Java), and `\x`
 *   for any other x is x itself. A later key replaces an earlier one.
 */
import { ConfigError } from '../errors.js'

const WS = /^[ \t\f]+/
const ODD_BACKSLASHES_AT_END = /(^|[^\\])(\\\\)*\\$/

/** Parses the text of a Java `.properties` file. Throws ConfigError for a malformed \uXXXX escape. */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split(/\r\n|\r|\n/)
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(WS, '')
    if (line === '' || line[0] === '#' || line[0] === '!') continue
    const first = i + 1
    while (ODD_BACKSLASHES_AT_END.test(line)) {
      line = line.slice(0, -1)
      if (i + 1 >= lines.length) break // a trailing backslash at the end of input is dropped
      const next = lines[++i]!.replace(WS, '')
      if (next === '') break
      line += next
    }
    let k = 0
    while (k < line.length) {
      const c = line[k]!
      if (c === '\\') k += 2
      else if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break
      else k++
    }
    const key = line.slice(0, Math.min(k, line.length))
    let v = k
    while (v < line.length && /[ \t\f]/.test(line[v]!)) v++
    if (v < line.length && (line[v] === '=' || line[v] === ':')) v++
    while (v < line.length && /[ \t\f]/.test(line[v]!)) v++
    out[unescapeProperty(key, first)] = unescapeProperty(line.slice(v), first)
  }
  return out
}

function unescapeProperty(s: string, line: number): string {
  if (!s.includes('\\')) return s
  return s.replace(/\\(u(.{0,4})|[\s\S])/g, (_, e: string, hex: string | undefined) => {
    if (hex !== undefined) {
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new ConfigError('properties', `malformed \\uXXXX escape on line ${line}`)
      }
      return String.fromCharCode(Number.parseInt(hex, 16))
    }
    return e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e
  })
}
