/** 县区规则: every county rule with its versions (value, effective date, who, when) and a form to add
 * a version from a date on — never an edit of one in force: the past must reproduce (DOMAIN.md
 * "Counties set their own thresholds… versioned, with an effective date"). The value is checked
 * here as the server checks it (server/common/rule-kinds.ts, the one definition); the server's
 * refusal, if any, is shown in Chinese. */
import * as api from '../api'
import { actorLabel, beijingTime, chinese, date, escapeHtml } from '../format'
import { CHANGE_TYPE, RULE, ZONE_TYPE } from '../../../server/labels/codes'
import { fitsRule, RULE_KIND_LABELS, type RuleKind } from '../../../server/common/rule-kinds'
import { countyOptions, problem, say, todayBeijing, type AdminContext } from './common'

const ruleName = (key: string) => (RULE as Record<string, string>)[key] ?? '其他规则'

// Text patterns (工业用地用途识别: what a land-use field is matched against, %工业% or an English
// %industrial%) are shown as written and marked data-verbatim: they are data, not codes to name.
// The basis (依据) typed by an administrator is shown; the notes of the versions the system seeded
// (the defaults, from the migrations) are developers' notes, partly in English, and are not.

/** A stored value in words: lists joined, coded members named (change types, plan zone types). */
function valueText(key: string, kind: string | null, v: unknown): string {
  if (kind === null && v !== null && typeof v === 'object') return '（结构化规则，见设置说明）'
  if (Array.isArray(v)) {
    const names: Record<string, string> = kind === 'change_types' ? CHANGE_TYPE : key === 'industrial_zone_types' ? ZONE_TYPE : {}
    return v.map((x) => names[String(x)] ?? String(x)).join('、')
  }
  if (kind === 'text') return String(v)
  if (typeof v === 'boolean') return v ? '是' : '否'
  if (v !== null && typeof v === 'object') return '（结构化规则）'
  return String(v)
}

/** The typed text as the value the rule takes (a number, "a/b", a date, a list), or undefined. */
export function parseValue(kind: RuleKind, text: string, checked: string[]): unknown {
  const s = text.trim()
  switch (kind) {
    case 'share': return /^\d+(\.\d+)?\s*\/\s*\d+(\.\d+)?$/.test(s) ? s.replace(/\s+/g, '') : s === '' ? undefined : Number(s)
    case 'days': case 'months': case 'years': case 'count': case 'positive': case 'tolerance': return s === '' ? undefined : Number(s)
    case 'date': case 'text': return s
    case 'patterns': return s.split(/[,，、;；\n]+/).map((x) => x.trim()).filter(Boolean)
    case 'change_types': return checked
  }
}

function status(v: api.RuleVersion, today: string): string {
  if (v.in_force) return '<span class="badge in-force">现行</span>'
  return v.effective_from > today ? '<span class="badge pending">待生效</span>' : '<span class="badge old">已被替代</span>'
}

export async function renderRules(box: HTMLElement, ctx: AdminContext): Promise<void> {
  box.innerHTML = '<p class="muted">正在载入规则…</p>'
  let data: { today: string; rules: api.Rule[] }
  try {
    data = await api.rules()
  } catch (e) {
    box.innerHTML = `<p class="error" role="alert">${escapeHtml(problem(e))}</p>`
    return
  }
  const settable = data.rules.filter((r) => r.kind !== null)
  const other = data.rules.filter((r) => r.kind === null)
  const item = (r: api.Rule) => `<details class="rule" data-rule="${escapeHtml(r.key)}">
      <summary>${escapeHtml(ruleName(r.key))} <span class="muted">${r.versions.length} 个版本</span></summary>
      <div class="scroll"><table class="versions"><tr><th>范围</th><th>取值</th><th>生效日期</th><th>状态</th><th>记录人</th><th>记录时间</th></tr>
      ${r.versions.map((v) => `<tr data-version="${v.id}"><td>${escapeHtml(ctx.countyName(v.county_code))}</td><td${r.kind === 'patterns' && r.key !== 'industrial_zone_types' ? ' data-verbatim' : ''}>${escapeHtml(valueText(r.key, r.kind, v.value))}</td>
        <td>${v.effective_from <= '1900-01-01' ? '默认值' : date(v.effective_from)}</td><td>${status(v, data.today)}</td>
        <td>${escapeHtml(actorLabel(v.created_by, v.created_by_name))}</td><td>${escapeHtml(beijingTime(v.created_at))}</td></tr>
        ${v.note && v.created_by?.startsWith('user:') ? `<tr class="note"><td colspan="6" class="muted">依据：${escapeHtml(v.note)}</td></tr>` : ''}`).join('')}</table></div>
      ${r.kind ? `<button type="button" class="add-version">新增版本</button><div class="form-slot"></div>` : '<p class="muted">结构化规则或有专门的设置界面，不在此修改。</p>'}
    </details>`
  box.innerHTML = `<p class="muted">规则的每个版本自生效日期起适用；已生效的版本不能修改，修正须新增版本（今天及以后生效）。</p>
    ${settable.map(item).join('')}
    ${other.length ? `<h3>其他规则</h3>${other.map(item).join('')}` : ''}`
  for (const d of box.querySelectorAll<HTMLDetailsElement>('details.rule')) {
    const rule = data.rules.find((r) => r.key === d.dataset.rule)!
    const add = d.querySelector<HTMLButtonElement>('.add-version')
    if (add) add.onclick = () => showForm(d.querySelector<HTMLElement>('.form-slot')!, rule, ctx, data.today, () => void renderRules(box, ctx).then(() => reopen(box, rule.key)))
  }
}

function reopen(box: HTMLElement, key: string): void {
  const d = box.querySelector<HTMLDetailsElement>(`details.rule[data-rule="${key}"]`)
  if (d) d.open = true
}

function showForm(slot: HTMLElement, rule: api.Rule, ctx: AdminContext, serverToday: string, saved: () => void): void {
  const kind = rule.kind as RuleKind
  const today = serverToday || todayBeijing()
  const input = kind === 'change_types'
    ? `<fieldset class="checks"><legend>取值</legend>${Object.entries(CHANGE_TYPE).map(([k, n]) => `<label><input type="checkbox" name="change" value="${k}"> ${n}</label>`).join('')}</fieldset>`
    : kind === 'date' ? '<label>取值 <input name="value" type="date" required></label>'
      : `<label>取值 <input name="value" required ${['text', 'patterns'].includes(kind) ? '' : 'inputmode="decimal"'} placeholder="${escapeHtml(chinese(RULE_KIND_LABELS[kind]))}"></label>`
  slot.innerHTML = `<form class="admin-form rule-form">
      <label>范围 <select name="county">${countyOptions(ctx, { cityWide: '全市（默认值）' })}</select></label>
      ${input}
      <label>生效日期 <input name="effective_from" type="date" required min="${today}" value="${today}"></label>
      <label>依据（文号与说明）<input name="note" required maxlength="500" placeholder="如：洛龙区规〔2026〕1号"></label>
      <p class="muted">取值应为${escapeHtml(chinese(RULE_KIND_LABELS[kind]))}</p>
      <button type="submit">保存新版本</button> <button type="button" class="cancel">取消</button>
      <p class="form-message" role="alert" data-testid="rule-message"></p></form>`
  const form = slot.querySelector<HTMLFormElement>('form')!
  const message = form.querySelector<HTMLElement>('.form-message')!
  form.querySelector<HTMLButtonElement>('.cancel')!.onclick = () => { slot.innerHTML = '' }
  form.onsubmit = async (e) => {
    e.preventDefault()
    const data = new FormData(form)
    const value = parseValue(kind, String(data.get('value') ?? ''), data.getAll('change').map(String))
    const from = String(data.get('effective_from'))
    // the server's own checks, before the round trip (server/common/rule-kinds.ts; routes/rules)
    if (value === undefined || !fitsRule(kind, value)) return say(message, `取值应为${chinese(RULE_KIND_LABELS[kind])}`, 'error')
    if (!/^\d{4}-\d{2}-\d{2}$/.test(from)) return say(message, '请填写生效日期', 'error')
    if (from < today) return say(message, `生效日期 ${from} 早于今天 ${today}：已过去的日期不能改变，请选择今天或以后的日期`, 'error')
    const button = form.querySelector<HTMLButtonElement>('button[type=submit]')!
    button.disabled = true
    try {
      await api.addRuleVersion(rule.key, { county: String(data.get('county')) || null, value, effective_from: from, note: String(data.get('note')).trim() })
      saved()
    } catch (err) {
      // the server names the rule by its key: say its name
      say(message, problem(err).replaceAll(rule.key, `「${ruleName(rule.key)}」`), 'error')
      button.disabled = false
    }
  }
}
