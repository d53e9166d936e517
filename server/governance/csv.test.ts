import { describe, expect, it } from 'vitest'
import { BOM, csvField, parseCsv, toCsv } from './csv'

describe('CSV (RFC 4180, UTF-8 with BOM)', () => {
  it('quotes only fields with a comma, a quote or a line break, doubling quotes', () => {
    expect(csvField('洛龙区')).toBe('洛龙区')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('他说"好"')).toBe('"他说""好"""')
    expect(csvField('第一行\r\n第二行')).toBe('"第一行\r\n第二行"')
    expect(csvField(null)).toBe('')
    expect(csvField(0.25)).toBe('0.25')
    expect(csvField(true)).toBe('是')
  })

  it('starts with the BOM, ends records with CRLF, and reads back to the same cells', () => {
    const text = toCsv(['代码', '名称'], [['410311', '洛龙区, 含"高新"'], ['410324', '栾川\n县']])
    expect(text.startsWith(BOM)).toBe(true)
    expect(Buffer.from(text, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    expect(text.endsWith('\r\n')).toBe(true)
    expect(parseCsv(text)).toEqual([['代码', '名称'], ['410311', '洛龙区, 含"高新"'], ['410324', '栾川\n县']])
  })
})
