/** The 国土 coordinate TXT reader (txt.ts): structure, encoding, CRS from the header and the
 * eastings, X/Y order from the city's extent. Coordinates come from proj4 with the zones' own
 * definitions (crs.ts), independent of the reader's decisions. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import iconv from 'iconv-lite'
import proj4 from 'proj4'
import { afterAll, describe, expect, it } from 'vitest'
import { proj4Def } from './crs'
import { openUpload } from './read-features'
import { expectIngestError, fixturePlacer, makeTempDir, removeTempDirs } from '../test/ingest-helpers'
import { blockPolygon, decideTxtEncoding, parseTxt, placeTxt } from './txt'

afterAll(removeTempDirs)

/** Where a box lands against Luoyang's county outlines, computed with proj4 and turf from the
 * fixture (test-helpers.ts), independently of PostGIS's placement. */
const CITY = fixturePlacer()

/** [northing, easting] of a lon/lat in an EPSG code of crs.ts, to the millimetre. */
const gk = (epsg: number, lon: number, lat: number): [number, number] => {
  const [e, n] = proj4('EPSG:4326', proj4Def(epsg), [lon, lat])
  return [Math.round(n! * 1000) / 1000, Math.round(e! * 1000) / 1000]
}

/** A coordinate TXT of one square block (and a hole) at lon/lat in `epsg`. */
function txt(opts: { header?: Record<string, string>; epsg?: number; swap?: boolean; lon?: number; hole?: boolean; area?: string } = {}): string {
  const epsg = opts.epsg ?? 4525
  const header = { 坐标系: '2000国家大地坐标系', 几度分带: '3', 投影类型: '高斯克吕格', 计量单位: '米', 带号: '37', 精度: '0.001', 转换参数: ',,,,,,', ...opts.header }
  const lon = opts.lon ?? 112.45
  const lat = 34.62
  const ring = (x0: number, y0: number, s: number) => [[x0, y0], [x0 + s, y0], [x0 + s, y0 + s], [x0, y0 + s], [x0, y0]].map(([x, y]) => gk(epsg, x!, y!))
  const rings = [ring(lon, lat, 0.002), ...(opts.hole ? [ring(lon + 0.0005, lat + 0.0005, 0.0005)] : [])]
  const lines = rings.flatMap((r, k) => r.map(([n, e], i) => `J${i + 1},${k + 1},${opts.swap ? e : n},${opts.swap ? n : e}`))
  return ['[属性描述]', ...Object.entries(header).map(([k, v]) => `${k}=${v}`), '[地块坐标]',
    `${lines.length},${opts.area ?? '4.1234'},DK-1,一号地块,面,,工业用地,0601,@`, ...lines, ''].join('\r\n')
}

const file = (name: string, text: string, encoding = 'gbk') => {
  const p = join(makeTempDir('onemap-txt-'), name)
  writeFileSync(p, iconv.encode(text, encoding))
  return p
}
const open = (p: string, extra: Record<string, unknown> = {}) => openUpload(p, { layer: 'parcels', place: CITY, ...extra })

describe('parseTxt', () => {
  it('reads the header, the blocks, the rings (1 outer, 2 a hole) and closes nothing that is closed', () => {
    const doc = parseTxt(txt({ hole: true }), 'a.txt')
    expect(doc.attributes).toMatchObject({ 坐标系: '2000国家大地坐标系', 几度分带: '3', 带号: '37', 转换参数: ',,,,,,' })
    expect(doc.blocks).toHaveLength(1)
    expect(doc.blocks[0]!.fields).toEqual(['10', '4.1234', 'DK-1', '一号地块', '面', '', '工业用地', '0601'])
    const poly = blockPolygon(doc.blocks[0]!, false)
    expect(poly.coordinates.map((r) => r.length)).toEqual([5, 5])
    // [easting, northing]: the zone-37 prefix is on the easting
    expect(Math.floor(poly.coordinates[0]![0]![0]! / 1e6)).toBe(37)
  })

  it('closes a ring that does not repeat its first point, and accepts a count without the closing points', () => {
    const text = '[属性描述]\n坐标系=2000国家大地坐标系\n[地块坐标]\n4,,A,,面,,,,@\n1,1,3830000,37500000\n2,1,3830000,37500100\n3,1,3830100,37500100\n4,1,3830100,37500000\n'
    const b = parseTxt(text, 'open.txt').blocks[0]!
    expect(blockPolygon(b, false).coordinates[0]).toEqual([[37500000, 3830000], [37500100, 3830000], [37500100, 3830100], [37500000, 3830100], [37500000, 3830000]])
  })

  it('takes a header whose @ follows the last field without a comma', () => {
    const b = parseTxt('[地块坐标]\n4,0.01,A,名,面,,工业用地,0601@\n1,1,3830000,37500000\n2,1,3830000,37500100\n3,1,3830100,37500100\n1,1,3830000,37500000\n', 'at.txt').blocks[0]!
    expect(b.fields).toEqual(['4', '0.01', 'A', '名', '面', '', '工业用地', '0601'])
  })

  it.each([
    ['a point count that does not match', '[地块坐标]\n7,,A,,面,,,,@\n1,1,1,1\n2,1,2,2\n3,1,3,3\n1,1,1,1\n', /line 2: block A declares 7 points and has 4/],
    ['a coordinate that is not a number', '[地块坐标]\n4,,A,,面,,,,@\n1,1,1,1\n2,1,2,x\n3,1,3,3\n1,1,1,1\n', /line 4: the coordinates “2,x” are not numbers/],
    ['a ring number 0', '[地块坐标]\n4,,A,,面,,,,@\n1,0,1,1\n2,0,2,2\n3,0,3,3\n1,0,1,1\n', /line 3: the ring number “0”/],
    ['points before any block', '[地块坐标]\n1,1,1,1\n', /line 2: a point line before any block header/],
    ['no outer ring', '[地块坐标]\n4,,A,,面,,,,@\n1,2,1,1\n2,2,2,2\n3,2,3,3\n1,2,1,1\n', /block A has no ring 1/],
    ['no block at all', '[属性描述]\n坐标系=2000国家大地坐标系\n', /no block under \[地块坐标\]/],
  ])('refuses %s, naming the line', (_what, text, message) => {
    let error: unknown
    try {
      parseTxt(text, 'bad.txt')
    } catch (e) {
      error = e
    }
    expect((error as { code: string }).code).toBe('txt_invalid')
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message).toContain('bad.txt')
  })
})

describe('encoding', () => {
  it('GBK unless valid UTF-8, and what the user states wins', () => {
    const text = txt()
    expect(decideTxtEncoding(iconv.encode(text, 'gbk')).encoding).toBe('gbk')
    expect(decideTxtEncoding(Buffer.from(text, 'utf8')).encoding).toBe('utf8')
    expect(decideTxtEncoding(iconv.encode(text, 'gbk'), 'gb18030')).toMatchObject({ encoding: 'gb18030', source: 'override' })
  })

  it('a GBK file read whole: the block names come back as written', async () => {
    const reader = await open(file('gbk.txt', txt()))
    const features = []
    for await (const f of reader.features()) features.push(f)
    expect(features[0]!.properties).toMatchObject({ 地块编号: 'DK-1', 地块名称: '一号地块', 地块用途: '工业用地', '地块面积(公顷)': 4.1234, 界址点数: '5' })
    expect(reader.describe().sources[0]!.encoding).toMatchObject({ encoding: 'gbk', source: 'sniffed' })
    await reader.close()
  })
})

describe('CRS and column order', () => {
  const place = (text: string, override?: string, confirmOverride?: boolean) => {
    const doc = parseTxt(text, 'p.txt')
    return placeTxt({ attributes: doc.attributes, blocks: doc.blocks, file: 'p.txt', place: CITY, override, confirmOverride })
  }

  it.each([
    ['zone 37 with the prefix on Y', { epsg: 4525 }, 4525],
    ['zone 38 with the prefix on Y', { epsg: 4526, header: { 带号: '38' } }, 4526],
    ['zone 37 without prefix (CM 111°E)', { epsg: 4546 }, 4546],
    ['zone 38 without prefix (CM 114°E)', { epsg: 4547, header: { 带号: '38' } }, 4547],
    ['a 6-degree zone 19 without prefix (CM 111°E)', { epsg: 4508, header: { 几度分带: '6', 带号: '19' } }, 4508],
    ['a zone prefix and no 带号', { epsg: 4525, header: { 带号: '' } }, 4525],
  ])('%s → EPSG:%s', async (_what, opts, epsg) => {
    const r = await place(txt(opts))
    expect(r).toMatchObject({ swapped: false, crs: { epsg, source: 'txt' } })
    expect(r.crs.reason).toContain('2000国家大地坐标系')
  })

  it('columns swapped (eastings first): read swapped and said so', async () => {
    const r = await place(txt({ epsg: 4547, header: { 带号: '38' }, swap: true }))
    expect(r).toMatchObject({ swapped: true, crs: { epsg: 4547 } })
    expect(r.crs.reason).toMatch(/X and Y columns are swapped/)
    // and with the prefix
    expect(await place(txt({ epsg: 4525, swap: true }))).toMatchObject({ swapped: true, crs: { epsg: 4525 } })
  })

  it.each([
    ['1980西安坐标系', 'Xian 1980'],
    ['西安80', 'Xian 1980'],
    ['1954北京坐标系', 'Beijing 1954'],
  ])('refuses 坐标系=%s as a legacy datum', async (name, datum) => {
    let error: unknown
    try {
      await place(txt({ header: { 坐标系: name } }))
    } catch (e) {
      error = e
    }
    expect((error as { code: string }).code).toBe('crs_legacy_datum')
    expect((error as Error).message).toContain(datum)
  })

  it('refuses a 带号 that the eastings contradict, naming both', async () => {
    await expect(place(txt({ epsg: 4525, header: { 带号: '38' } }))).rejects.toThrow(/带号=38 but its eastings \(Y\) start with zone 37/)
  })

  it('6-digit eastings without a 带号 take the one zone that puts them in the city, as a shapefile without .prj; a file with no 坐标系 is refused', async () => {
    const r = await place(txt({ epsg: 4546, header: { 带号: '' } }))
    expect(r).toMatchObject({ swapped: false, crs: { epsg: 4546, source: 'inferred' } })
    expect(r.crs.reason).toMatch(/only CM 111°E puts the data inside the city/)
    // and swapped, the same zone is found for the other reading
    expect(await place(txt({ epsg: 4546, header: { 带号: '' }, swap: true }))).toMatchObject({ swapped: true, crs: { epsg: 4546, source: 'inferred' } })
    // without the city's extent nothing tells the zone
    const doc = parseTxt(txt({ epsg: 4546, header: { 带号: '' } }), 'p.txt')
    await expect(placeTxt({ attributes: doc.attributes, blocks: doc.blocks, file: 'p.txt' })).rejects.toThrow(/6 digits/)
    await expect(place(txt({ header: { 坐标系: '' } }))).rejects.toThrow(/names no 坐标系/)
  })

  it('refuses parcels outside the city whichever way the columns are read, saying where each reading puts them', async () => {
    // Zhengzhou (113.65°E) in zone 38: a real place, but not Luoyang
    await expect(place(txt({ epsg: 4547, lon: 113.65, header: { 带号: '38' } }))).rejects.toThrow(/outside the city.*as written EPSG:4547: 113\.650°E, 34\.620°N/)
  })

  it('a CRS stated at upload wins over the header once confirmed, checked against the coordinates', async () => {
    expect(await place(txt({ epsg: 4546, header: { 带号: '' } }), 'EPSG:4546')).toMatchObject({ crs: { epsg: 4546, source: 'override' } })
    // the header says zone 37 (EPSG:4546): stating 4547 over it needs a confirmation (as over a .prj)
    await expect(place(txt({ epsg: 4546 }), 'EPSG:4547')).rejects.toThrow(/you stated EPSG:4547; p\.txt says EPSG:4546/)
    // confirmed, it is still held to the city: zone 38's meridian puts these parcels 3° east
    await expect(place(txt({ epsg: 4546 }), 'EPSG:4547', true)).rejects.toThrow(/outside the city.*as written EPSG:4547: 115\.450°E, 34\.620°N/)
    // a header with the wrong 带号 (37) over coordinates of zone 38: stated and confirmed, it is read right
    const confirmed = await place(txt({ epsg: 4547 }), 'EPSG:4547', true)
    expect(confirmed).toMatchObject({ swapped: false, crs: { epsg: 4547, source: 'override' } })
    expect(confirmed.crs.reason).toMatch(/confirmed over p\.txt: EPSG:4546/)
  })

  it('the reader warns on every feature of a swapped file', async () => {
    const reader = await open(file('swapped.txt', txt({ epsg: 4547, header: { 带号: '38' }, swap: true, hole: true })))
    const features = []
    for await (const f of reader.features()) features.push(f)
    expect(features[0]!.problems.map((p) => p.code)).toEqual(['xy_swapped'])
    expect(features[0]!.geometry!.coordinates).toHaveLength(2)
    await reader.close()
  })

  it('a legacy datum refuses the upload', async () => {
    await expectIngestError(open(file('xian.txt', txt({ header: { 坐标系: '1980西安坐标系' } }))), 'crs_legacy_datum', 'xian.txt', 'Xian 1980')
  })
})
