/**
 * The CRS of an upload, decided from the file and its coordinates, never from who uploads it:
 *
 *   1. a CRS the file declares (.prj, a GeoJSON "crs" member, a coordinate TXT's [属性描述]) is
 *      taken as declared;
 *   2. a CRS the user states wins, but where it disagrees with the declared one only once the
 *      user confirms it (the message names both: "you stated EPSG:4546; a.prj says EPSG:4525");
 *   3. with neither: degrees are CGCS2000, an 8-digit easting's first two digits are its zone,
 *      and a 6-digit easting is tried in every zone (crs.ts CM_ZONES) and kept only in the one
 *      that puts the data inside the city's extent; two that fit, or none, is a 422 listing each
 *      zone with where it would put the data (a lon/lat box and the counties there);
 *   4. whatever the source, a file that would land wholly outside the city is refused, saying
 *      where it would land and which zone, if any, would put it inside.
 * The city's extent comes from the county boundaries (server/db/reference.ts); `place` asks
 * PostGIS where a box of source coordinates lands in each candidate CRS. Without `place` (unit
 * tests, a database without boundaries) steps 3's 6-digit case and 4 are not possible: 6-digit
 * eastings are refused as unknown, and nothing else changes.
 */
import {
  type Bbox, type CrsDecision, CM_ZONES, bboxMisfit, crsInfo, inferCrsFromCoordinates, reasonWith, requireSupportedEpsg, sixDigitCandidates,
} from './crs'
import type { Placement } from '../db/repos/counties'
import { IngestError, ingestError, isIngestError } from './errors'

export type { Placement }

export type Placer = (bbox: Bbox, epsgs: readonly number[]) => Promise<Placement[]>

export interface CrsEvidence {
  /** The file named in messages: the .prj member, or the GeoJSON file. */
  file: string
  /** The extent of the file's coordinates as read (null: no shapes). */
  bbox: Bbox | null
  /** What the user stated (API `crs`, CLI `--crs`). */
  stated?: number | string
  /** The user confirms the stated CRS over what the file declares. */
  confirmStated?: boolean
  /** What the file declares: throws the file's own errors (unparseable, legacy datum…). */
  declared?: () => CrsDecision
  /** For GeoJSON without a crs member: RFC 7946 WGS 84, used when the coordinates are degrees. */
  fallback?: CrsDecision
  place?: Placer
}

const fmt = (v: number, digits = 3) => v.toFixed(digits)

/** CGCS2000 and WGS 84 degrees agree to centimetres (DOMAIN.md "Units and coordinates"): stating
 * one over the other is no disagreement worth a confirmation. */
const sameCrs = (a: number | undefined, b: number) =>
  a === b || (a !== undefined && crsInfo(a)?.kind === 'geographic' && crsInfo(b)?.kind === 'geographic')

/** "112.210–112.300°E, 34.600–34.660°N" */
export function describeBox(b: readonly [number, number, number, number]): string {
  return `${fmt(b[0])}–${fmt(b[2])}°E, ${fmt(b[1])}–${fmt(b[3])}°N`
}

function zoneLabel(epsg: number, lang: 'zh' | 'en'): string {
  const cm = crsInfo(epsg)?.centralMeridian
  if (cm === undefined) return `EPSG:${epsg}`
  return lang === 'zh' ? `EPSG:${epsg}（中央经线 ${cm}°E）` : `EPSG:${epsg} (CM ${cm}°E)`
}

/** One candidate as the user reads it, in one language (messages are "中文 / English"): the zone,
 * where it puts the data, what is there. */
export function describePlacement(p: Placement, lang: 'zh' | 'en'): string {
  const where = describeBox(p.bbox)
  const km = p.distanceKm.toFixed(0)
  if (lang === 'zh') {
    const what = p.counties.length ? `${p.counties.map((c) => c.name).join('、')}${p.fits ? '' : '（部分超出市域）'}` : `市域以外 ${km} km`
    return `${zoneLabel(p.epsg, 'zh')} → ${where}：${what}`
  }
  const what = p.counties.length ? `${p.counties.map((c) => c.name).join('、')}${p.fits ? '' : ' (partly outside the city)'}` : `outside the city, ${km} km away`
  return `${zoneLabel(p.epsg, 'en')} → ${where}: ${what}`
}

/** The candidates worth showing: those that fit or touch the city, else the nearest few. */
function shown(placements: Placement[]): Placement[] {
  const near = placements.filter((p) => p.intersects)
  const rest = placements.filter((p) => !p.intersects).sort((a, b) => a.distanceKm - b.distanceKm)
  return [...near, ...rest.slice(0, Math.max(0, 3 - near.length))]
}

const candidateDetail = (placements: Placement[]) => ({
  candidates: placements.map((p) => ({
    epsg: p.epsg, name: crsInfo(p.epsg)?.nameZh ?? `EPSG:${p.epsg}`, centralMeridian: crsInfo(p.epsg)?.centralMeridian ?? null,
    bbox: p.bbox, fits: p.fits, intersects: p.intersects, distanceKm: Math.round(p.distanceKm * 10) / 10, counties: p.counties,
  })),
})

/** What the file declares, or null; an unreadable or legacy declaration is kept to decide with. */
function readDeclared(e: CrsEvidence): { decision: CrsDecision | null; error: IngestError | null } {
  if (!e.declared) return { decision: null, error: null }
  try {
    return { decision: e.declared(), error: null }
  } catch (err) {
    if (isIngestError(err)) return { decision: null, error: err }
    throw err
  }
}

export async function decideCrs(e: CrsEvidence): Promise<CrsDecision> {
  const { file, bbox } = e
  const declared = readDeclared(e)
  const statedGiven = e.stated !== undefined && e.stated !== ''
  let decision: CrsDecision
  let placed: Placement | null = null

  if (statedGiven) {
    const stated = requireSupportedEpsg(e.stated!)
    // A legacy datum is a real disagreement (DOMAIN.md: never silently CGCS2000); an unreadable
    // or unsupported declaration says nothing to disagree with.
    const said = declared.decision ? `EPSG:${declared.decision.epsg}`
      : declared.error?.code === 'crs_legacy_datum' ? String((declared.error.detail as { datum?: string })?.datum ?? 'a legacy datum')
      : null
    if (said && !sameCrs(declared.decision?.epsg, stated) && !e.confirmStated) {
      throw ingestError('crs_stated_conflict', { file, stated, declared: said })
    }
    const misfit = bbox && bboxMisfit(stated, bbox)
    if (misfit) throw ingestError('crs_stated_mismatch', { file, stated, why: misfit })
    const note = said && !sameCrs(declared.decision?.epsg, stated) ? `（${file}: ${said}，已确认改用指定坐标系 / confirmed over ${file}: ${said}）` : ''
    decision = { epsg: stated, source: 'override', reason: reasonWith(stated, '按上传时指定的坐标系读取：', 'read as stated at upload: ') + note }
  } else if (declared.decision || declared.error) {
    if (declared.error) throw declared.error
    decision = declared.decision!
    const misfit = bbox && bboxMisfit(decision.epsg, bbox)
    if (misfit) throw ingestError('crs_coordinates_mismatch', { file, epsg: decision.epsg, why: misfit })
  } else if (e.fallback && (!bbox || !bboxMisfit(e.fallback.epsg, bbox))) {
    decision = e.fallback
  } else if (!bbox) {
    throw ingestError('crs_unknown', { file, why: 'no CRS is declared and there are no coordinates to tell it from' })
  } else if (sixDigitCandidates(bbox) && e.place) {
    const placements = await e.place(bbox, CM_ZONES)
    const fitting = placements.filter((p) => p.fits)
    if (fitting.length !== 1) {
      const list = shown(fitting.length ? fitting : placements)
      throw ingestError(fitting.length ? 'crs_zone_ambiguous' : 'crs_zone_none', {
        file, candidatesZh: list.map((q) => describePlacement(q, 'zh')).join('；'), candidatesEn: list.map((q) => describePlacement(q, 'en')).join('; '),
      }, candidateDetail(list))
    }
    placed = fitting[0]!
    const cm = crsInfo(placed.epsg)!.centralMeridian!
    const counties = placed.counties.map((c) => c.name).join('、')
    decision = {
      epsg: placed.epsg,
      source: 'inferred',
      reason: reasonWith(placed.epsg,
        `未提供坐标系，横坐标为 6 位（不带带号）；逐一试算各投影带，只有中央经线 ${cm}°E 把数据放在市域内（${describeBox(placed.bbox)}，${counties}），推定为 `,
        `no CRS given and 6-digit eastings (no zone number); of every zone tried only CM ${cm}°E puts the data inside the city (${describeBox(placed.bbox)}, ${counties}), so `),
    }
  } else {
    decision = inferCrsFromCoordinates(bbox, file)
  }

  // Jurisdiction of the file as a whole, whatever decided the CRS (features partly outside are
  // each refused after staging: check-jurisdiction.sql).
  if (e.place && bbox && !placed) {
    const [p] = await e.place(bbox, [decision.epsg])
    if (p && !p.intersects) {
      const six = sixDigitCandidates(bbox)
      const others = six ? (await e.place(bbox, six.filter((z) => z !== decision.epsg))).filter((q) => q.fits) : []
      const [readZh, readEn] = decision.source === 'override' ? [`按您指定的 EPSG:${decision.epsg} 读取`, `read as EPSG:${decision.epsg}, which you stated,`]
        : decision.source === 'prj' || decision.source === 'geojson-crs' || decision.source === 'txt' || decision.source === 'format' ? [`按其声明的 EPSG:${decision.epsg} 读取`, `read as EPSG:${decision.epsg}, which it declares,`]
        : [`按推定的 EPSG:${decision.epsg} 读取`, `read as EPSG:${decision.epsg}, inferred from its coordinates,`]
      throw ingestError('crs_outside_city', {
        file, readZh, readEn, box: describeBox(p.bbox), km: p.distanceKm.toFixed(0),
        alternativesZh: others.length ? `按 ${others.map((q) => describePlacement(q, 'zh')).join('；')} 读取则在市域内` : '',
        alternativesEn: others.length ? `read as ${others.map((q) => describePlacement(q, 'en')).join('; ')} it would lie inside the city` : '',
      }, { read: candidateDetail([p]).candidates[0], ...candidateDetail(others) })
    }
  }
  return decision
}
