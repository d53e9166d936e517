import { describe, expect, it } from 'vitest'
import proj4 from 'proj4'
import {
  SUPPORTED_EPSG, bboxMisfit, describeEpsg, detectCrsFromPrj, epsgFromCrsName,
  inferCrsFromCoordinates, legacyDatumOfEpsg, parseWkt, proj4Def, requireSupportedEpsg, sixDigitCandidates,
} from './crs'
import { decideCrs } from './crs-decide'
import { expectIngestError, gdalSrs, run } from '../test/ingest-helpers'

/** Round-trip check against GDAL/PROJ, not against our own table: every supported code. */
describe('detectCrsFromPrj on what GDAL writes for every supported code', () => {
  it.each(SUPPORTED_EPSG.map((c) => [c]))('EPSG:%i in ESRI WKT, WKT1 and WKT2', (epsg) => {
    for (const format of ['wkt_esri', 'wkt1', 'wkt2']) {
      const decision = detectCrsFromPrj(gdalSrs(epsg, format), `${format}.prj`)
      expect(decision, format).toMatchObject({ epsg, source: 'prj' })
    }
  })

  it.each(SUPPORTED_EPSG.map((c) => [c]))('proj4Def(%i) equals PROJ’s definition', (epsg) => {
    const squash = (s: string) => s.trim().split(/\s+/).sort().join(' ')
    const gdal = gdalSrs(epsg, 'proj4')
    // PROJ spells 4326 as +datum=WGS84 like us; everything else should match parameter for parameter.
    expect(squash(proj4Def(epsg))).toBe(squash(gdal))
  })
})

describe('detectCrsFromPrj: ESRI names seen in county data', () => {
  it('reads the .prj GDAL writes for EPSG:4546 and 4525 (ArcGIS writes the same)', () => {
    const cm111 = 'PROJCS["CGCS2000_3_Degree_GK_CM_111E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",111.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
    expect(detectCrsFromPrj(cm111, 'a.prj').epsg).toBe(4546)
    const zone37 = cm111.replace('CM_111E', 'Zone_37').replace('500000.0', '37500000.0')
    expect(detectCrsFromPrj(zone37, 'a.prj').epsg).toBe(4525)
  })

  it('decides by parameters, not by the name', () => {
    const misnamed = gdalSrs(4547, 'wkt_esri').replace('CGCS2000_3_Degree_GK_CM_114E', 'my_project')
    expect(detectCrsFromPrj(misnamed, 'a.prj').epsg).toBe(4547)
    // Without a name hint a CM that is both a 3- and a 6-degree meridian is read as 3-degree.
    const unnamed = gdalSrs(4508, 'wkt_esri').replace('CGCS2000_GK_CM_111E', 'unnamed')
    expect(detectCrsFromPrj(unnamed, 'a.prj').epsg).toBe(4546)
  })

  it('accepts a CGCS2000 label on the WGS 84 flattening (a quirk of some Chinese software)', () => {
    const quirk = gdalSrs(4546, 'wkt_esri').replace('298.257222101', '298.257223563')
    expect(detectCrsFromPrj(quirk, 'a.prj').epsg).toBe(4546)
  })

  it('refuses a CGCS2000 label on an unrelated ellipsoid', async () => {
    const odd = gdalSrs(4546, 'wkt_esri').replace('6378137.0,298.257222101', '6377397.155,299.1528128')
    await expectIngestError(() => detectCrsFromPrj(odd, 'a.prj'), 'crs_unsupported', 'a.prj')
  })

  it('accepts a .prj that only says EPSG:nnnn', () => {
    expect(detectCrsFromPrj('EPSG:4526\n', 'a.prj')).toMatchObject({ epsg: 4526, source: 'prj' })
  })

  it('names the file and the EPSG in the reason', () => {
    const d = detectCrsFromPrj(gdalSrs(4546, 'wkt_esri'), '宗地.prj')
    expect(d.reason).toContain('宗地.prj')
    expect(d.reason).toContain('EPSG:4546')
  })
})

describe('legacy datums are refused, with the reason', () => {
  it.each([
    [2383, 'Xian 1980'], [2327, 'Xian 1980'], [2360, 'Xian 1980'], [4610, 'Xian 1980'],
    [2435, 'Beijing 1954'], [2412, 'Beijing 1954'], [21453, 'Beijing 1954'], [4214, 'Beijing 1954'],
    [4555, 'New Beijing'],
  ])('EPSG:%i (%s) in ESRI WKT and WKT1', async (epsg, datum) => {
    for (const format of ['wkt_esri', 'wkt1']) {
      const e = await expectIngestError(() => detectCrsFromPrj(gdalSrs(epsg, format), 'old.prj'),
        'crs_legacy_datum', datum, 'old.prj', 'No public datum shift', '没有公开的转换参数')
      expect(e.status).toBe(422)
    }
    expect(legacyDatumOfEpsg(epsg)).toContain(datum)
  })

  it('refuses a Krasovsky ellipsoid even under a CGCS2000 label', async () => {
    const liar = gdalSrs(2435, 'wkt_esri').replace(/Beijing_1954/g, 'CGCS2000')
    await expectIngestError(() => detectCrsFromPrj(liar, 'x.prj'), 'crs_legacy_datum', 'Beijing 1954')
  })

  it('takes a stated CRS over a legacy .prj only once the user confirms it, keeping what the .prj said', async () => {
    const prjText = gdalSrs(2383, 'wkt_esri')
    const evidence = { stated: 'EPSG:4547', file: 'old.prj', bbox: null, declared: () => detectCrsFromPrj(prjText, 'old.prj') }
    await expectIngestError(() => decideCrs(evidence), 'crs_stated_conflict', 'EPSG:4547', 'old.prj', 'Xian 1980', 'confirmCrs')
    const d = await decideCrs({ ...evidence, confirmStated: true })
    expect(d).toMatchObject({ epsg: 4547, source: 'override' })
    expect(d.reason).toContain('Xian 1980')
  })

  it('names what the user typed when the stated code is not supported (not "EPSG:EPSG:9999")', async () => {
    const e = await expectIngestError(() => requireSupportedEpsg('EPSG:9999'), 'crs_override_unsupported', '"EPSG:9999"')
    expect(e.message).not.toContain('EPSG:EPSG')
  })
})

describe('garbage and unsupported .prj', () => {
  it.each(['', 'hello world', 'PROJCS["x",GEOGCS[', '<xml/>', 'GEOGCS["a"]]]'])('%j is unparseable', async (text) => {
    await expectIngestError(() => detectCrsFromPrj(text, '坏.prj'), 'crs_unparseable', '坏.prj')
  })

  it.each([32650, 2326, 3395, 4269])('EPSG:%i is refused as unsupported', async (epsg) => {
    await expectIngestError(() => detectCrsFromPrj(gdalSrs(epsg, 'wkt_esri'), 'x.prj'), 'crs_unsupported', 'x.prj')
  })

  it('refuses a GK with a non-standard central meridian', async () => {
    const odd = gdalSrs(4546, 'wkt_esri').replace('PARAMETER["Central_Meridian",111.0]', 'PARAMETER["Central_Meridian",112.5]')
    await expectIngestError(() => detectCrsFromPrj(odd, 'x.prj'), 'crs_unsupported', '112.5')
  })

  it('refuses a false easting that contradicts the central meridian', async () => {
    const odd = gdalSrs(4525, 'wkt_esri').replace('37500000.0', '38500000.0')
    await expectIngestError(() => detectCrsFromPrj(odd, 'x.prj'), 'crs_unsupported', '38500000')
  })
})

describe('inferCrsFromCoordinates', () => {
  it('degrees → CGCS2000 geographic', () => {
    expect(inferCrsFromCoordinates([112.4, 34.6, 112.5, 34.7])).toMatchObject({ epsg: 4490, source: 'inferred' })
  })

  it.each([[37, 4525], [38, 4526], [25, 4513], [45, 4533], [19, 4497]])('zone %i prefix → EPSG:%i', (zone, epsg) => {
    const x = zone * 1e6 + 636000
    expect(inferCrsFromCoordinates([x, 3830000, x + 900, 3831000]).epsg).toBe(epsg)
  })

  it('6-digit eastings do not tell their zone: every 3-degree zone is a candidate, and alone they are refused', async () => {
    const bbox = [636000, 3830000, 637000, 3831000] as const
    expect(sixDigitCandidates(bbox)).toEqual(Array.from({ length: 21 }, (_, i) => 4534 + i))
    expect(sixDigitCandidates([37636000, 3830000, 37637000, 3831000])).toBeNull()
    await expectIngestError(() => inferCrsFromCoordinates(bbox, 'a.shp'), 'crs_unknown', 'a.shp', '6 digits')
  })

  it.each([
    [[1e9, 1e9, 1e9 + 1, 1e9 + 1]],
    [[37e6 + 500000, 10, 37e6 + 600000, 20]], // northing at the equator: not China
    [[37e6 + 500000, 3.8e6, 38e6 + 600000, 3.9e6]], // straddles two zones
    [[NaN, 0, 1, 1]],
  ])('%j cannot be told', async (bbox) => {
    await expectIngestError(() => inferCrsFromCoordinates(bbox as unknown as [number, number, number, number]), 'crs_unknown')
  })
})

describe('bboxMisfit and the plausibility check', () => {
  it('catches a CM .prj over zone-prefixed eastings, and GK over degrees', () => {
    expect(bboxMisfit(4546, [37636000, 3830000, 37637000, 3831000])).toMatch(/eastings/)
    expect(bboxMisfit(4525, [37636000, 3830000, 37637000, 3831000])).toBeNull()
    expect(bboxMisfit(4546, [112.4, 34.6, 112.5, 34.7])).toMatch(/degrees/)
    expect(bboxMisfit(4490, [636000, 3830000, 637000, 3831000])).toMatch(/not degrees/)
  })

  it('refuses a .prj whose coordinates do not fit, saying the .prj declared it', async () => {
    const prjText = gdalSrs(4546, 'wkt_esri')
    await expectIngestError(
      () => decideCrs({ declared: () => detectCrsFromPrj(prjText, 'a.prj'), file: 'a.prj', bbox: [37636000, 3830000, 37637000, 3831000] }),
      'crs_coordinates_mismatch', 'a.prj declares', 'EPSG:4546')
  })

  it('refuses a stated CRS whose coordinates do not fit, saying the user stated it', async () => {
    await expectIngestError(() => decideCrs({ stated: 4546, file: 'a.shp', bbox: [37636000, 3830000, 37637000, 3831000] }),
      'crs_stated_mismatch', 'you stated EPSG:4546', 'a.shp')
  })
})

describe('describeEpsg, proj4Def, epsgFromCrsName', () => {
  it('describes in English and Chinese', () => {
    expect(describeEpsg(4546)).toContain('CGCS2000 / 3-degree Gauss-Kruger CM 111E')
    expect(describeEpsg(4525)).toContain('第37带')
    expect(describeEpsg(2383)).toContain('not supported')
  })

  it('gives the GK definitions of the brief', () => {
    expect(proj4Def(4525)).toBe('+proj=tmerc +lat_0=0 +lon_0=111 +k=1 +x_0=37500000 +y_0=0 +ellps=GRS80 +units=m +no_defs')
    expect(proj4Def(4547)).toBe('+proj=tmerc +lat_0=0 +lon_0=114 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs')
    expect(() => proj4Def(2383)).toThrow()
  })

  it.each([
    ['EPSG:4490', 4490], ['urn:ogc:def:crs:EPSG::4546', 4546], ['urn:ogc:def:crs:EPSG:6.6:4525', 4525],
    ['urn:ogc:def:crs:OGC:1.3:CRS84', 4326], ['http://www.opengis.net/def/crs/EPSG/0/4547', 4547], ['nonsense', null],
  ])('%s → %s', (name, epsg) => {
    expect(epsgFromCrsName(name)).toBe(epsg)
  })

  it('parses WKT2 escaped quotes and bare enumerations', () => {
    const tree = parseWkt('PROJCRS["a ""quoted"" name",CS[Cartesian,2],AXIS["x",east]]')
    expect(tree?.args[0]).toBe('a "quoted" name')
    expect(tree?.args[1]).toEqual({ keyword: 'CS', args: ['Cartesian', 2] })
  })
})

// proj4 is what the web map uses; check its output against PROJ's for a Luoyang point.
describe('proj4Def agrees with PROJ numerically', () => {
  it.each([4546, 4547, 4525, 4526, 3857])('EPSG:%i', (epsg) => {
    const lonLat: [number, number] = [112.4537, 34.6197]
    const out = run('bash', ['-c', `echo "${lonLat.join(' ')}" | gdaltransform -s_srs EPSG:4326 -t_srs EPSG:${epsg}`])
    const [gx, gy] = out.trim().split(/\s+/).map(Number)
    const [px, py] = proj4(proj4Def(4326), proj4Def(epsg), lonLat)
    expect(Math.abs(px - gx)).toBeLessThan(0.01)
    expect(Math.abs(py - gy)).toBeLessThan(0.01)
  })
})
