/** The parcel state carries only the county rules the parcel rules read (analysis.parcel_rule_keys,
 * sql/functions/analysis-2-state.sql), so that the full recompute does not copy every rule into
 * every row. This keeps that list complete: every key a parcel rule reads from a parcel state's
 * rules (`s.rules` / `st.rules`, and the indicator defaults of analysis.contract_indicators_7) is in it. */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const FUNCTIONS = path.resolve(__dirname, '../../sql/functions')
const read = (f: string) => readFileSync(path.join(FUNCTIONS, f), 'utf8')

describe('the county rules a parcel state carries', () => {
  it('include every rule the parcel rules read from it', () => {
    const state = read('analysis-2-state.sql')
    const list = /FUNCTION analysis\.parcel_rule_keys\(\)[\s\S]*?ARRAY\[([\s\S]*?)\]/.exec(state)
    expect(list).not.toBeNull()
    const carried = new Set([...list![1]!.matchAll(/'([a-z0-9_]+)'/g)].map((m) => m[1]))
    const read_ = new Set<string>()
    for (const f of ['analysis-3-idle.sql', 'analysis-4-inefficient.sql', 'analysis-5-use-conformity.sql']) {
      for (const m of read(f).matchAll(/\b(?:s|st)\.rules, '([a-z0-9_]+)'/g)) read_.add(m[1]!)
    }
    // the maximums' defaults, read through d.default_key (analysis.contract_indicators_7)
    const indicators = /FUNCTION analysis\.contract_indicators_7\(\)[\s\S]*?\$\$([\s\S]*?)\$\$/.exec(read('analysis-4-inefficient.sql'))
    for (const m of indicators![1]!.matchAll(/'(?:min|max)', '([a-z0-9_]+)'/g)) read_.add(m[1]!)
    expect(read_.size).toBeGreaterThan(10)
    expect(read_).toContain('green_ratio_max')
    expect([...read_].filter((k) => !carried.has(k))).toEqual([])
  })
})
