import { describe, expect, it } from 'vitest'
import { toCsv } from './csv'

describe('toCsv', () => {
  it('quotes commas, quotes and newlines and ends rows with CRLF', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 'say "hi"'],
          ['line\nbreak', 3],
        ],
      ),
    ).toBe('a,b\r\n"x,y","say ""hi"""\r\n"line\nbreak",3\r\n')
  })

  it('leaves empty cells for null and keeps numbers as numbers', () => {
    expect(
      toCsv(
        ['n', 'v'],
        [
          [null, -0.5],
          [undefined, 1e-4],
        ],
      ),
    ).toBe('n,v\r\n,-0.5\r\n,0.0001\r\n')
  })

  it('defuses text that a spreadsheet would evaluate', () => {
    expect(toCsv(['name'], [['=HYPERLINK("x")'], ['-run'], ['@a']])).toBe(
      `name\r\n"'=HYPERLINK(""x"")"\r\n'-run\r\n'@a\r\n`,
    )
  })
})
