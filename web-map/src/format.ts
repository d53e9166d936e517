/** Numbers as the bureau reads them: areas in 亩 with m² beside, money in 万元, dates as written. */

/** 1 mu = 10000/15 m² (DOMAIN.md "Units and coordinates"). */
export const M2_PER_MU = 10000 / 15

const nf = (digits: number) => new Intl.NumberFormat('zh-CN', { minimumFractionDigits: digits, maximumFractionDigits: digits })
const N0 = nf(0)
const N2 = nf(2)

export function num(v: unknown, digits = 2): string {
  if (v === null || v === undefined || v === '') return '—'
  const n = Number(v)
  if (!Number.isFinite(n)) return String(v)
  return digits === 0 ? N0.format(n) : digits === 2 ? N2.format(n) : nf(digits).format(n)
}

export const mu = (v: unknown) => (v === null || v === undefined ? '—' : `${num(v)} 亩`)
export const m2 = (v: unknown) => (v === null || v === undefined ? '—' : `${num(v)} m²`)
export const wan = (v: unknown) => (v === null || v === undefined ? '—' : `${num(v)} 万元`)
export const metres = (v: number) => (v >= 1000 ? `${num(v / 1000, 3)} km` : `${num(v)} m`)

/** An area given in m², as "12.00 亩（8,000.00 m²）". */
export function areaM2(v: unknown): string {
  if (v === null || v === undefined) return '—'
  return `${num(Number(v) / M2_PER_MU)} 亩（${num(v)} m²）`
}

export const date = (v: unknown) => (v ? String(v).slice(0, 10) : '—')

export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** Life-cycle stages (DOMAIN.md "The land's life cycle"). */
export const STAGE_NAMES: Record<string, string> = {
  approved: '已批未供', supplied: '已供未建', under_construction: '在建', completed: '已竣工', producing: '已投产', recovered: '已收回',
}

export const ROLE_NAMES: Record<string, string> = {
  admin: '管理员', analyst: '分析员', surveyor: '测绘员', inspector: '巡查员',
}

export const ZONE_NAMES: Record<string, string> = {
  industrial: '工业', logistics: '物流仓储', residential: '居住配套', public: '公共服务', green: '绿地', road: '道路', other: '其他',
}

export const CHANGE_NAMES: Record<string, string> = {
  new_construction: '新增建设', demolition: '拆除', earth_moving: '推填土',
}

export const SEVERITY_NAMES: Record<string, string> = { high: '高', medium: '中', low: '低' }
