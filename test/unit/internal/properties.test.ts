// The one .properties reader (java.util.Properties.load semantics), used by fromProperties and the test kit.
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/errors.js'
import { parseProperties } from '../../../src/internal/properties.js'
import { renderProperties, parseProperties as testKitParseProperties } from '../../../src/testing/config.js'

describe('parseProperties (java.util.Properties)', () => {
  it('handles separators, comments, escapes and continuations', () => {
    const p = parseProperties(
      [
        '# comment',
        '! also a comment',
        'a=1',
        'b : 2',
        'c 3',
        '  d=with spaces  ',
        'e=line\\',
        '    continued',
        'f=\\u0041\\tB',
        'g\\=key=v',
        'empty=',
        'h=c:\\\\path',
      ].join('\n'),
    )
    expect(p).toEqual({
      a: '1',
      b: '2',
      c: '3',
      d: 'with spaces  ',
      e: 'linecontinued',
      f: 'A\tB',
      'g=key': 'v',
      empty: '',
      h: 'c:\\path',
    })
  })
})

describe('parseProperties: the rest of Java semantics', () => {
  it('accepts \\r and \\r\\n line ends, and whitespace-only separators with = or : after them', () => {
    expect(parseProperties('a=1\r\nb=2\rc = = 3\nd\t:x\fy')).toEqual({ a: '1', b: '2', c: '= 3', d: 'x\fy' })
  })

  it('a comment line never continues, a continued line may start with # or !', () => {
    expect(parseProperties('# comment \\\nx=1\ny=a\\\n  #b\\\n  !c')).toEqual({ x: '1', y: 'a#b!c' })
  })

  it('an empty continuation line ends the entry; a trailing backslash at the end of input is dropped', () => {
    expect(parseProperties('a=1\\\n\nb=2\nc=3\\')).toEqual({ a: '1', b: '2', c: '3' })
  })

  it('an even number of trailing backslashes is an escaped backslash, not a continuation', () => {
    expect(parseProperties('a=x\\\\\nb=y')).toEqual({ a: 'x\\', b: 'y' })
  })

  it('escapes in keys: separators and whitespace can be part of a key', () => {
    expect(parseProperties('a\\ b\\:c=v\nkey\\u0041=\\r\\f\\z')).toEqual({ 'a b:c': 'v', keyA: '\r\fz' })
  })

  it('a key without a value, and a later key replaces an earlier one', () => {
    expect(parseProperties('lonely\nk=1\nk=2')).toEqual({ lonely: '', k: '2' })
  })

  it('a malformed \\uXXXX escape is a ConfigError naming the line (Java throws too)', () => {
    expect(() => parseProperties('a=1\nb=\\u00zz')).toThrow(ConfigError)
    expect(() => parseProperties('a=1\nb=\\u00zz')).toThrow(/line 2/)
    expect(() => parseProperties('b=\\u12')).toThrow(ConfigError)
  })

  it('is the test kit parser too, and reads what renderProperties writes', () => {
    expect(testKitParseProperties).toBe(parseProperties)
    const props = { 'a.b': 'x=y:z', lead: ' space', 'weird key': 'c:\\d', uni: 'h\u00e9\u2603', multi: 'a\nb' }
    expect(parseProperties(renderProperties(props))).toEqual(props)
  })
})
