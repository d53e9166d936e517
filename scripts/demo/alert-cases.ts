/** Demolition on producing parcels (alert demolition_on_producing, DOMAIN.md "Dynamic monitoring"): the generic change
 * polygons put their demolitions on open block land only, so the demo would show no alert of that
 * type. This moves the first few generic demolitions (and any later detection of the same change)
 * onto producing parcels of their own county, keeping code, period, dates and type: the number of
 * changes and every code stay as they were, and the result is as deterministic as the rest. */
import { CASE_CHANGES, caseChangeCode } from './cases'
import type { Frame, Rect } from './geo'
import { Rng } from './random'
import { stageOf, type Timeline } from './story'
import type { RsChangeRow } from './types'

/** What this needs of a placed parcel (generate.ts's Placed). */
interface PlacedParcel {
  rect: Rect
  frame: Frame
  timeline: Timeline
  caseKey: string | null
  cluster: { fx: { county_code: string } } | null
}

export const DEMOLITIONS_ON_PRODUCING = 4

export function placeDemolitionsOnProducing(rows: RsChangeRow[], placed: readonly PlacedParcel[], seed: number,
  count = DEMOLITIONS_ON_PRODUCING): void {
  const built = new Set(CASE_CHANGES.map((c) => caseChangeCode(c.key)))
  const rng = new Rng(seed, 'alert-demolitions')
  const used = new Set<PlacedParcel>()
  let moved = 0
  for (const r of rows) {
    if (moved >= count) break
    if (r.change_type !== 'demolition' || r.linked_code !== null || built.has(r.code)) continue
    const pool = placed.filter((p) => !p.caseKey && !used.has(p) && p.cluster?.fx.county_code === r.county_code &&
      stageOf(p.timeline) === 'producing')
    if (pool.length === 0) continue
    const p = rng.pick(pool)
    used.add(p)
    // a workshop pulled down: 30–60 m × 20–40 m inside the parcel, 5 m from its edges
    const w = Math.min(rng.float(30, 60), p.rect.x1 - p.rect.x0 - 10)
    const h = Math.min(rng.float(20, 40), p.rect.y1 - p.rect.y0 - 10)
    const x0 = p.rect.x0 + 5 + rng.float(0, Math.max(0, p.rect.x1 - p.rect.x0 - 10 - w))
    const y0 = p.rect.y0 + 5 + rng.float(0, Math.max(0, p.rect.y1 - p.rect.y0 - 10 - h))
    const geom = p.frame.rect({ x0, y0, x1: x0 + w, y1: y0 + h })
    for (const x of rows) {
      if (x === r || (x.linked_code === r.code && x.linked_period === r.period)) x.geom = geom
    }
    moved++
  }
}
