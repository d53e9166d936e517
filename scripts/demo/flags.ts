/** Official flags for inefficient types 1 (产业转型: listed for 关停并转 / 退二优二, or failing
 * environment or safety) and 6 (其他, with a reason), annex 3 art. 2(1) and 2(6). The flagged
 * parcels are producing ones picked by the seeded generator; one of each kind was cleared before
 * the reference date, so it is a near miss (the flag no longer holds). */
import { Rng } from './random'
import type { ParcelFlagRow, ParcelRow } from './types'

const TRANSITION_REASONS = [
  '列入关停并转名单（环保不达标）',
  '列入退二优二名单',
  '安全生产评估不达标，责令转型',
  '属淘汰类产业（产业结构调整指导目录）',
]
const OTHER_REASONS = ['厂房长期出租给非工业用途', '县级认定：用地效率明显偏低', '项目主体灭失，县政府认定低效']

export function buildFlags(parcels: readonly ParcelRow[], seed: number): ParcelFlagRow[] {
  const rng = new Rng(seed, 'parcel-flags')
  const producing = parcels.filter((p) => p.stage === 'producing' && p.cluster_code !== null)
  const picked = rng.shuffle([...producing]).slice(0, TRANSITION_REASONS.length + OTHER_REASONS.length)
  return picked.map((p, i): ParcelFlagRow => {
    const transition = i < TRANSITION_REASONS.length
    const reason = transition ? TRANSITION_REASONS[i]! : OTHER_REASONS[i - TRANSITION_REASONS.length]!
    // the last of each kind was cleared (rectified) before the reference date 2025-06-30
    const cleared = i === TRANSITION_REASONS.length - 1 || i === picked.length - 1
    return {
      parcel_code: p.code,
      county_code: p.county_code,
      kind: transition ? 'industry_transition' : 'other',
      reason,
      set_by: `${p.county_code}县自然资源局`,
      set_on: `2023-0${1 + (i % 9)}-15`,
      cleared_on: cleared ? '2024-12-31' : null,
    }
  })
}
