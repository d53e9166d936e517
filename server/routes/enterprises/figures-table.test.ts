/** Reading bureau tables: header found below a title, units converted, every problem with its row. */
import { describe, expect, it } from 'vitest'
import iconv from 'iconv-lite'
import { parseCsv, readFiguresTable, readGrid } from './figures-table'

const CODE_A = '914103000000000011'.slice(0, 17) + 'X'
const CODE_B = '914103000000000022'.slice(0, 17) + 'Y'

describe('figures tables', () => {
  it('parses quoted CSV cells with commas, doubled quotes and CRLF', () => {
    expect(parseCsv('a,"b,1","say ""hi"""\r\n1,2,3\r\n')).toEqual([['a', 'b,1', 'say "hi"'], ['1', '2', '3']])
    expect(parseCsv('代码\t税收\nX\t1')).toEqual([['代码', '税收'], ['X', '1']])
  })

  it('reads UTF-8 with a BOM and GBK alike, a blank line kept as a row so that rows count as the file\'s lines', async () => {
    const text = '统一社会信用代码,税收\r\n\r\n甲,1\r\n'
    const want = [['统一社会信用代码', '税收'], [''], ['甲', '1']]
    expect(await readGrid(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toEqual(want)
    expect(await readGrid(iconv.encode(text, 'gbk'))).toEqual(want)
  })

  it('finds the header under a title, converts 元 and 亿元 to 万元, and reports each bad cell', () => {
    const t = readFiguresTable([
      ['2023 年度亩均效益评价数据', '', '', ''],
      ['统一社会信用代码', '企业名称', '税收合计（元）', '工业总产值（亿元）', '评价等级', '备注'],
      [CODE_A, '甲公司', '1,234,500', '1.5', 'B类', ''],
      [CODE_B, '乙公司', 'n/a', '', 'E', ''],
      ['', '', '', '', '', ''],
      ['合计', '', '1,234,500', '1.5', '', ''],
    ])
    expect(t.columns).toEqual({ credit_code: '统一社会信用代码', name: '企业名称', tax_paid_wan: '税收合计（元）', output_wan: '工业总产值（亿元）', rating: '评价等级' })
    expect(t.ignored).toEqual(['备注'])
    expect(t.dataRows).toBe(2)
    expect(t.rows).toEqual([{ row: 3, creditCode: CODE_A, name: '甲公司', values: { tax_paid_wan: 123.45, output_wan: 15000, rating: 'B' } }])
    expect(t.problems).toEqual([
      { row: 4, column: '税收合计（元）', message: expect.stringContaining('not a number') },
      { row: 4, column: '评价等级', message: expect.stringContaining('A, B, C or D') },
    ])
  })

  it('refuses a table without credit codes or without figures', () => {
    expect(readFiguresTable([['企业名称', '税收'], ['甲', '1']]).problems[0]!.message).toMatch(/credit codes/)
    expect(readFiguresTable([['统一社会信用代码', '企业名称'], [CODE_A, '甲']]).problems[0]!.message).toMatch(/no figure columns/)
  })
})
