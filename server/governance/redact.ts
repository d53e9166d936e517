/** Tax per mu is an enterprise figure in aggregate (DOMAIN.md "Governance"): a report shows it only
 * to app.config.sensitiveRoles. Every other reader gets the report with those figures withheld. */
import type { Json } from '../db/repos/governance'

export const WITHHELD = { withheld: '亩均税收仅对有权查看企业数据的角色显示 / tax per mu is shown only to roles that may see enterprise figures' }

export function withholdTax(v: Json): Json {
  if (Array.isArray(v)) return v.map(withholdTax)
  if (v === null || typeof v !== 'object') return v
  const out: Json = {}
  for (const [k, x] of Object.entries(v)) {
    if (k === 'per_mu_tax') out[k] = x && typeof x === 'object' && 'weight' in x ? { value: null, left_out: 'withheld', weight: (x as Json).weight } : WITHHELD
    else if (k === 'per_mu_attainment') out[k] = null
    else out[k] = withholdTax(x)
  }
  return out
}
