/** What differs between a report as first produced and the same report computed again: every
 * leaf whose value changed, by path (numbers compared exactly, as the JSON holds them). */
import type { Json, RuleVersion } from '../db/repos/governance'

export interface Difference { path: string; then: Json; now: Json }

export function jsonDiff(a: Json, b: Json, path = '', out: Difference[] = []): Difference[] {
  if (a === b) return out
  const bothObjects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)
  if (!bothObjects) {
    out.push({ path: path || '(root)', then: a ?? null, now: b ?? null })
    return out
  }
  const keys = Array.isArray(a)
    ? Array.from({ length: Math.max(a.length, b.length) }, (_, i) => String(i))
    : [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
  for (const k of keys) jsonDiff(a[k], b[k], path ? `${path}.${k}` : k, out)
  return out
}

/** Rules in force then and now that are not the same row (a rule added, ended or replaced since). */
export function ruleVersionChanges(then: RuleVersion[], now: RuleVersion[]): { key: string; county_code: string | null; then: number | null; now: number | null }[] {
  const id = (v: RuleVersion) => `${v.key}|${v.county_code ?? ''}`
  const a = new Map(then.map((v) => [id(v), v.rule_id]))
  const b = new Map(now.map((v) => [id(v), v.rule_id]))
  const out: { key: string; county_code: string | null; then: number | null; now: number | null }[] = []
  for (const k of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (a.get(k) !== b.get(k)) {
      const [key, county] = k.split('|')
      out.push({ key: key!, county_code: county || null, then: a.get(k) ?? null, now: b.get(k) ?? null })
    }
  }
  return out
}
