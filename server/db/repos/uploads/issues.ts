/**
 * The per-feature problems of an upload's validation report, as named constants.
 * Each has a level: `error` rejects the feature (the commit refuses while any remain, unless the
 * user asks to skip the rejected ones); `warning` is committed only once the user accepts the
 * warnings. Templates use PostgreSQL format() placeholders (%s, %1$s) because most checks are set
 * operations in SQL (server/db/repos/uploads/check-*.sql) that fill them in row by row.
 * Chinese first, English after, as everywhere in the app.
 */
export type IssueLevel = 'error' | 'warning'

interface IssueDef {
  level: IssueLevel
  template: string
}

const def = (level: IssueLevel, template: string): IssueDef => ({ level, template })

export const ISSUES = {
  // Found while reading (JS)
  geometry_null: def('error', '%s'),
  geometry_nonfinite: def('error', '%s'),
  geometry_out_of_range: def('error', '%s'),
  geometry_corrupt: def('error', '%s'),
  xy_swapped: def('warning', '%s'),
  ring_too_short: def('error', '环的顶点少于 4 个，不能构成面 / a ring has fewer than 4 points and cannot bound an area'),
  ring_not_closed: def('warning', '%1$s 个环未闭合，已用首点闭合 / %1$s ring(s) were not closed and were closed with their first point'),
  value_invalid: def('error', '%s'),
  value_missing: def('error', '必填字段 %1$s 为空 / the required field %1$s is empty'),
  county_code_invalid: def('error', '行政区代码 “%1$s” 不是 6 位数字 / the county code “%1$s” is not 6 digits'),

  // Set-based checks (SQL)
  geometry_repaired: def('warning', '几何无效（%1$s），已用 ST_MakeValid 修复，请核对 / invalid geometry (%1$s), repaired with ST_MakeValid: check it'),
  geometry_empty: def('error', '图形为空或面积为零（修复后无面状部分） / the shape is empty or has zero area (no polygon left after repair)'),
  duplicate_key: def('error', '编号 %1$s 在文件中重复（第 %2$s 个要素） / the code %1$s appears more than once in the file (features %2$s)'),
  county_unknown: def('error', '无法确定所属区县：未提供行政区代码，图形不在任何区县界内，编号也不以区县代码开头 / no county: the file gives no county code, the shape lies in no county boundary and its code does not start with a county code'),
  outside_city: def('error', '不在市域范围内（或部分在外）：位于 %1$s°E, %2$s°N，距市域 %3$s km（市界已按精度 %4$s m 外扩），未导入 / outside the city (wholly or in part): at %1$s°E, %2$s°N, %3$s km from its extent (the boundary widened by its precision of %4$s m)'),
  county_mismatch: def('warning', '行政区代码列为 %1$s %2$s，但图形位于 %3$s %4$s，距 %2$s 边界 %5$s km（超出区县界精度 %6$s m），按文件所填 %1$s 记录，请核对 / the county column says %1$s %2$s but the shape lies in %3$s %4$s, %5$s km from %2$s (beyond the boundary precision of %6$s m): recorded as %1$s as the file says; check it'),
  code_prefix_mismatch: def('warning', '编号 %1$s 的前 6 位 %2$s（%3$s）与所定区县 %4$s %5$s 不符，图形距 %3$s 边界 %6$s km（超出区县界精度 %7$s m），请核对 / the code %1$s starts with %2$s (%3$s) but the feature is recorded in %4$s %5$s and lies %6$s km from %3$s (beyond the boundary precision of %7$s m): check it'),
  county_not_found: def('error', '行政区代码 %1$s 不是洛阳市的区县 / %1$s is not a county of Luoyang'),
  out_of_scope: def('error', '区县 %1$s 不在您的管辖范围内 / the county %1$s is outside your scope'),
  code_taken: def('error', '编号 %1$s 已被您管辖范围以外的记录使用 / the code %1$s is used by a record outside your scope'),
  outside_cluster: def('warning', '不在任何产业集聚区范围内 / lies outside every industrial cluster'),
  zone_outside_cluster: def('error', '规划分区不在任何产业集聚区内 / the plan zone lies in no industrial cluster'),
  area_mismatch: def('warning', '填报面积 %1$s ㎡ 与图形椭球面积 %2$s ㎡ 相差 %3$s%%（允许 %4$s%%） / stated area %1$s m² differs from the ellipsoidal area %2$s m² by %3$s%% (tolerance %4$s%%)'),
  overlap: def('warning', '与已有宗地 %1$s 重叠 %2$s ㎡ / overlaps the existing parcel %1$s by %2$s m²'),
  overlap_in_file: def('warning', '与本文件第 %1$s 个要素（%2$s）重叠 %3$s ㎡ / overlaps feature %1$s (%2$s) of the same file by %3$s m²'),
  parcel_not_found: def('error', '宗地编号 %1$s 不存在或不在您的管辖范围内 / no parcel %1$s in your scope'),
  enterprise_not_found: def('error', '统一社会信用代码 %1$s 未登记为企业 / no enterprise with the credit code %1$s'),
  cluster_not_found: def('error', '没有名为 %1$s 的产业集聚区 / no cluster %1$s'),
} as const satisfies Record<string, IssueDef>

export type IssueCode = keyof typeof ISSUES

export interface Issue {
  level: IssueLevel
  code: IssueCode
  message: string
  detail?: unknown
}

/** Fill a template in JS the way format() does in SQL (%s in order, %1$s by position, %% a percent sign). */
export function issue(code: IssueCode, ...args: (string | number)[]): Issue {
  let i = 0
  const message = ISSUES[code].template.replace(/%(?:(\d+)\$)?s|%%/g, (m, n: string | undefined) =>
    m === '%%' ? '%' : String(args[n ? Number(n) - 1 : i++] ?? ''))
  return { level: ISSUES[code].level, code, message }
}

/** The templates by code, as the SQL checks receive them. */
export const issueTemplates = (): Record<string, string> =>
  Object.fromEntries(Object.entries(ISSUES).map(([k, v]) => [k, v.template]))
