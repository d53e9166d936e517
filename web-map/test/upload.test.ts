/** The upload page in headless Chromium with a shapefile made by GDAL the way county offices send
 * them: GBK attributes with Chinese field names (declared by a .cpg), CGCS2000 3-degree
 * Gauss-Kruger CM 111°E (EPSG:4546, by a .prj). The report must show the encoding and the CRS
 * with how each was decided and the Chinese values intact; the preview draws the staged parcels;
 * the commit makes them appear in the parcel tiles. */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARTIFACTS, jumpTo, loginAs, renderedProps, startHarness, waitIdle, type MapHarness, withPage } from './harness'
import { BROWSER_TEST_MS } from '../../server/test/budget'
import { FIXTURE_CENTRE, boxPolygon, rect } from '../../server/test/tiles-fixture'

let h: MapHarness
let dir: string
let zipPath: string
const OWNER = '洛阳市华夏精密机械有限公司'
const CODES = ['UP-001', 'UP-002', 'UP-003']
const boxes = CODES.map((_, i) => rect(FIXTURE_CENTRE, 120 + i * 95, -300, 200 + i * 95, -200))

beforeAll(async () => {
  h = await startHarness()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onemap-upload-'))
  const geojson = {
    type: 'FeatureCollection',
    features: CODES.map((code, i) => ({
      type: 'Feature',
      // 80 m × 100 m laid out on the ellipsoid: 8000 m²
      properties: { 宗地编号: code, 权利人: OWNER, 用地面积: 8000, 土地用途: '工业用地', 行政区代码: '410311' },
      geometry: { type: 'Polygon', coordinates: boxPolygon(boxes[i]!).coordinates[0] },
    })),
  }
  fs.writeFileSync(path.join(dir, 'in.geojson'), JSON.stringify(geojson))
  execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', '-s_srs', 'EPSG:4490', '-t_srs', 'EPSG:4546', '-lco', 'ENCODING=CP936',
    path.join(dir, '宗地.shp'), path.join(dir, 'in.geojson')])
  zipPath = path.join(dir, 'parcels.zip')
  execFileSync('zip', ['-j', '-q', zipPath, ...['shp', 'shx', 'dbf', 'prj', 'cpg'].map((e) => path.join(dir, `宗地.${e}`))])
}, 180_000)

afterAll(async () => {
  await h?.close()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

describe('uploading a GDAL-made GBK shapefile', { timeout: BROWSER_TEST_MS }, () => {
  it('is what a county office sends: GBK bytes in the DBF, a .cpg, a GK .prj', () => {
    const dbf = fs.readFileSync(path.join(dir, '宗地.dbf'))
    expect(dbf.includes(iconv.encode(OWNER, 'gbk'))).toBe(true)
    expect(dbf.includes(Buffer.from(OWNER, 'utf8'))).toBe(false)
    expect(fs.readFileSync(path.join(dir, '宗地.cpg'), 'utf8').trim()).toBe('CP936')
    expect(fs.readFileSync(path.join(dir, '宗地.prj'), 'utf8')).toMatch(/CM_111E/)
  })

  it('shows the report with the Chinese values intact, previews, commits, and the new parcels render', async () => {
    await withPage(h, async (w) => {
      await loginAs(w.page, 'analyst')
      await jumpTo(w.page, FIXTURE_CENTRE, 15)
      expect((await renderedProps(w.page, 'parcels-fill')).map((p) => p.code)).not.toContain('UP-001')

      await w.page.click('#open-upload')
      await w.page.selectOption('#upload-form select[name=layer]', 'parcels')
      await w.page.setInputFiles('#upload-form input[type=file]', zipPath)
      await w.page.click('#upload-form button[type=submit]')
      await w.page.waitForSelector('[data-testid=upload-report]', { timeout: 30_000 })
      const encoding = (await w.page.textContent('[data-testid=upload-encoding]'))!
      expect(encoding).toMatch(/GBK|CP936|GB18030/i)
      expect(encoding).toContain('.cpg')
      const crs = (await w.page.textContent('[data-testid=upload-crs]'))!
      expect(crs).toContain('EPSG:4546')
      expect(crs).toContain('.prj')
      const sample = (await w.page.textContent('[data-testid=upload-sample]'))!
      expect(sample).toContain(OWNER)
      expect(sample).toContain('工业用地')
      for (const code of CODES) expect(sample).toContain(code)
      // the mapping the pipeline proposed, in the editable form
      expect(await w.page.inputValue('#mapping-form select[name=code]')).toBe('宗地编号')
      expect(await w.page.inputValue('#mapping-form select[name=owner_name]')).toBe('权利人')
      await w.page.locator('[data-testid=upload-report]').screenshot({ path: path.join(ARTIFACTS, 'upload-report.png') })

      // the mapping edited: the server maps the staged attributes again, the file is not sent again
      const sent: string[] = []
      w.page.on('request', (r) => { if (r.url().includes('/api/uploads') && r.method() !== 'GET') sent.push(`${r.method()} ${new URL(r.url()).pathname.replace(/[0-9a-f-]{36}/, ':id')}`) })
      await w.page.selectOption('#mapping-form select[name=owner_name]', '')
      await w.page.click('#mapping-form button[type=submit]')
      await expect.poll(async () => w.page.locator('#mapping-form select[name=owner_name]').count().then(async (n) =>
        n ? w.page.inputValue('#mapping-form select[name=owner_name]') : 'gone'), { timeout: 30_000 }).toBe('')
      expect(await w.page.textContent('[data-testid=upload-report]')).toContain('已按您的选择')
      await w.page.selectOption('#mapping-form select[name=owner_name]', '权利人')
      await w.page.click('#mapping-form button[type=submit]')
      await expect.poll(async () => w.page.locator('#mapping-form select[name=owner_name]').count().then(async (n) =>
        n ? w.page.inputValue('#mapping-form select[name=owner_name]') : 'gone'), { timeout: 30_000 }).toBe('权利人')
      expect(sent).toEqual(['PUT /api/uploads/:id/mapping', 'PUT /api/uploads/:id/mapping'])
      expect(await w.page.textContent('[data-testid=upload-sample]')).toContain(OWNER)

      await w.page.click('#upload-preview')
      await w.page.waitForSelector('#upload-result:has-text("已在地图上显示")')
      await waitIdle(w.page)
      // a feature across tile edges is returned once per tile: count distinct keys
      expect(new Set((await renderedProps(w.page, 'staged-fill')).map((p) => p.key))).toEqual(new Set(CODES))

      // the sample table scrolls sideways: no cell wraps (one line each)
      const cellHeights = await w.page.$$eval('[data-testid=upload-sample] td', (tds) => tds.map((td) => td.getBoundingClientRect().height))
      expect(Math.max(...cellHeights)).toBeLessThan(40)
      // the confirmation comes before the button it confirms
      if (await w.page.locator('#accept-warnings').count()) {
        const order = await w.page.evaluate(() => document.querySelector('#accept-warnings')!.compareDocumentPosition(document.querySelector('#upload-commit')!))
        expect(order & 4).toBe(4) // DOCUMENT_POSITION_FOLLOWING
        await w.page.check('#accept-warnings')
      }
      await w.page.click('#upload-commit')
      await w.page.waitForSelector('[data-testid=upload-committed]', { timeout: 30_000 })
      expect(await w.page.textContent('[data-testid=upload-committed]')).toContain('新增 3')
      // done: the result in view, committing or discarding again disabled
      expect(await w.page.locator('[data-testid=upload-committed]').isVisible()).toBe(true)
      expect(await w.page.isDisabled('#upload-commit')).toBe(true)
      expect(await w.page.isDisabled('#upload-discard')).toBe(true)

      await jumpTo(w.page, FIXTURE_CENTRE, 15)
      await expect.poll(async () => {
        await waitIdle(w.page)
        return (await renderedProps(w.page, 'parcels-fill')).map((p) => p.code)
      }, { timeout: 10_000 }).toEqual(expect.arrayContaining(CODES))
      // 8000 m² each (PostGIS's ellipsoidal area of the reprojected shapes; ±2 m² for the GK round trip)
      const areas = (await renderedProps(w.page, 'parcels-fill')).filter((p) => CODES.includes(String(p.code))).map((p) => Number(p.area_m2))
      for (const a of areas) expect(Math.abs(a - 8000)).toBeLessThan(2)

      // the same file sent again: the report says before the commit that nothing would change
      await w.page.click('#open-upload')
      await w.page.selectOption('#upload-form select[name=layer]', 'parcels')
      await w.page.setInputFiles('#upload-form input[type=file]', zipPath)
      await w.page.click('#upload-form button[type=submit]')
      await w.page.waitForSelector('[data-testid=upload-changes]', { timeout: 30_000 })
      expect(await w.page.textContent('[data-testid=upload-changes]')).toContain('新增 0，变更 0，未变 3')
      expect(await w.page.locator('[data-testid=upload-changed]').count()).toBe(0)
      const again = (await w.page.locator('[data-testid=upload-sample] tr td:last-child').allTextContents())
      expect(again).toEqual(['未变', '未变', '未变'])
      await w.page.click('#upload-discard')
      await w.page.waitForSelector('#upload-result:has-text("已放弃")')
      expect(w.consoleErrors).toEqual([])
      expect(w.outside).toEqual([])
    })
  })

  it('states the CRS and the encoding in the form, explains a refused CRS with its candidates on the map, and reads the file in the one that fits', async () => {
    // 洛龙区 parcels surveyed in CM 114°E (EPSG:4547), shipped without .prj and .cpg: 6-digit
    // eastings and GBK bytes that nothing in the zip declares.
    const codes = ['CRS-001', 'CRS-002']
    const geojson = {
      type: 'FeatureCollection',
      features: codes.map((code, i) => ({
        type: 'Feature', properties: { 宗地编号: code, 权利人: OWNER, 土地用途: '工业用地' },
        geometry: { type: 'Polygon', coordinates: boxPolygon(rect(FIXTURE_CENTRE, -600 + i * 120, 300, -520 + i * 120, 380)).coordinates[0] },
      })),
    }
    fs.writeFileSync(path.join(dir, 'crs.geojson'), JSON.stringify(geojson))
    execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', '-s_srs', 'EPSG:4490', '-t_srs', 'EPSG:4547', '-lco', 'ENCODING=CP936',
      path.join(dir, '测量.shp'), path.join(dir, 'crs.geojson')])
    const zip = path.join(dir, 'noprj.zip')
    execFileSync('zip', ['-j', '-q', zip, ...['shp', 'shx', 'dbf'].map((e) => path.join(dir, `测量.${e}`))])

    await withPage(h, async (w) => {
      await loginAs(w.page, 'analyst')
      await w.page.click('#open-upload')
      // the zones over Luoyang (CM 111°E and 114°E, without and with the zone number) and degrees
      await expect.poll(async () => (await w.page.locator('#upload-form select[name=crs] option').allTextContents()).length).toBe(7)
      const choices = await w.page.locator('#upload-form select[name=crs] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))
      expect(choices).toEqual(['', 'EPSG:4546', 'EPSG:4525', 'EPSG:4547', 'EPSG:4526', 'EPSG:4490', 'EPSG:4326'])
      expect(await w.page.textContent('#upload-form select[name=crs]')).toContain('中央经线111°E')

      // stated wrongly as CM 111°E: 3° west of the city, refused with the zone that fits
      await w.page.selectOption('#upload-form select[name=crs]', 'EPSG:4546')
      await w.page.selectOption('#upload-form select[name=encoding]', 'gbk')
      await w.page.setInputFiles('#upload-form input[type=file]', zip)
      await w.page.click('#upload-form button[type=submit]')
      await w.page.waitForSelector('[data-testid=upload-candidates]', { timeout: 30_000 })
      expect(await w.page.textContent('#upload-report [role=alert]')).toContain('完全在市域范围以外')
      const rows = await w.page.locator('[data-testid=upload-candidates] tr[data-epsg]').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).innerText))
      expect(rows[0]).toMatch(/EPSG:4546（中央经线 111°E）（所用）.*市域以外/)
      expect(rows[1]).toMatch(/EPSG:4547（中央经线 114°E）.*洛龙区/)
      await waitIdle(w.page)
      expect((await renderedProps(w.page, 'crs-candidates-fill')).map((p) => p.epsg)).toContain(4547)
      await w.page.locator('#map').screenshot({ path: path.join(ARTIFACTS, 'upload-crs-candidates.png') })

      // read as the candidate says: the report says how, the staged parcels, the county outlines
      // and the city's extent are on the map before anything is committed
      await w.page.click('[data-testid=upload-candidates] button.use-crs[data-epsg="4547"]')
      await w.page.waitForSelector('[data-testid=upload-report]', { timeout: 30_000 })
      expect(await w.page.textContent('[data-testid=upload-crs]')).toMatch(/EPSG:4547（人工指定）/)
      expect(await w.page.textContent('[data-testid=upload-encoding]')).toMatch(/GBK（人工指定）/)
      expect(await w.page.textContent('[data-testid=upload-counties]')).toContain('洛龙区 2 个（依据区县界（图形所在））')
      expect(await w.page.textContent('[data-testid=upload-sample]')).toContain(OWNER)
      await w.page.waitForSelector('#upload-result:has-text("已在地图上显示")')
      await waitIdle(w.page)
      expect(new Set((await renderedProps(w.page, 'staged-fill')).map((p) => p.key))).toEqual(new Set(codes))
      expect((await renderedProps(w.page, 'counties-line')).length).toBeGreaterThan(0)
      const extent = await w.page.evaluate(async () => (await (window as any).onemap.map.getSource('city-extent').getData()).features.length)
      expect(extent).toBe(1)
      await jumpTo(w.page, [112.0, 34.3], 8)
      expect((await renderedProps(w.page, 'city-extent-line')).length).toBeGreaterThan(0)
      // the one refusal this test asked for, logged by the browser as a failed request; nothing else
      expect(w.consoleErrors).toEqual(['Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)'])
      expect(w.outside).toEqual([])
    })
  })

  it('takes a GeoPackage with two tables: lists them with their counts, reads the one chosen, says the CRS its srs declares', async () => {
    // two tables of 洛龙区 parcels in CM 114°E (EPSG:4547), 2 and 3 polygons, UTF-8 as GeoPackage is
    const gpkg = path.join(dir, '两表.gpkg')
    const table = (name: string, codes: string[], west: number) => {
      const src = path.join(dir, `${name}.geojson`)
      fs.writeFileSync(src, JSON.stringify({
        type: 'FeatureCollection',
        features: codes.map((code, i) => ({
          type: 'Feature', properties: { 宗地编号: code, 权利人: OWNER, 土地用途: '工业用地' },
          geometry: { type: 'Polygon', coordinates: boxPolygon(rect(FIXTURE_CENTRE, west + i * 120, 500, west + 80 + i * 120, 580)).coordinates[0] },
        })),
      }))
      execFileSync('ogr2ogr', ['-f', 'GPKG', ...(fs.existsSync(gpkg) ? ['-update'] : []), '-nln', name, '-s_srs', 'EPSG:4490', '-t_srs', 'EPSG:4547', gpkg, src])
    }
    table('一期', ['GP-001', 'GP-002'], -600)
    table('二期', ['GP-101', 'GP-102', 'GP-103'], 0)

    await withPage(h, async (w) => {
      await loginAs(w.page, 'analyst')
      await w.page.click('#open-upload')
      expect(await w.page.getAttribute('#upload-form input[type=file]', 'accept')).toContain('.gpkg')
      await w.page.setInputFiles('#upload-form input[type=file]', gpkg)
      await w.page.click('#upload-form button[type=submit]')
      await w.page.waitForSelector('[data-testid=upload-layers]', { timeout: 30_000 })
      expect(await w.page.textContent('#upload-report [role=alert]')).toContain('多个含面要素的图层')
      const rows = await w.page.locator('[data-testid=upload-layers] tr').evaluateAll((trs) => trs.slice(1).map((tr) => (tr as HTMLElement).innerText.replace(/\s+/g, ' ').trim()))
      expect(rows).toEqual(['一期 2 0 读取此图层', '二期 3 0 读取此图层'])

      await w.page.click('[data-testid=upload-layers] button.use-layer[data-layer="二期"]')
      await w.page.waitForSelector('[data-testid=upload-report]', { timeout: 30_000 })
      expect(await w.page.textContent('[data-testid=upload-report]')).toContain('3 个要素')
      expect(await w.page.textContent('[data-testid=upload-crs]')).toMatch(/EPSG:4547（依据文件格式的坐标系声明）/)
      expect(await w.page.textContent('[data-testid=upload-encoding]')).toContain('UTF-8（GPKG 规定）')
      const sample = (await w.page.textContent('[data-testid=upload-sample]'))!
      for (const code of ['GP-101', 'GP-102', 'GP-103']) expect(sample).toContain(code)
      expect(sample).not.toContain('GP-001')
      expect(sample).toContain(OWNER)
      // the other table stays one click away
      expect(await w.page.locator('[data-testid=upload-layers] button.use-layer[data-layer="一期"]').count()).toBe(1)
      expect(w.consoleErrors).toEqual(['Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)'])
      expect(w.outside).toEqual([])
    })
  })
})
