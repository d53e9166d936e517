/** The parcel card's administration sections: 官方认定 — the official flags for 低效 types 1
 * (产业转型) and 6 (其他) (annex 3 art. 2(1), 2(6)), set with 文号, date and reason, cleared with a
 * date — and 租赁 — the leases of the parcel (annex 3 art. 14: the tenants' tax is merged into the
 * land's per-mu figures), recorded and ended. Everyone who sees the card sees its flags; the leases
 * only the roles that see enterprise figures (the server answers them only); the forms the
 * administrator only. Each write lands in the parcel's file (一地一档), which the card re-reads. */
import * as api from '../api'
import { actorLabel, areaM2, date, escapeHtml } from '../format'
import { FLAG_KIND } from '../../../server/labels/codes'
import { problem, say, todayBeijing } from './common'
import './admin.css'

const FLAG_TYPE: Record<api.Flag['kind'], string> = { industry_transition: '低效第 1 类', other: '低效第 6 类' }

export interface CardAdminHooks {
  user: api.User | null
  /** the roles that see enterprise figures (the leases name tenants and their areas) */
  figures: boolean
  /** the current land user's credit code, the usual lessor */
  landUser: string | null
  /** a write was made: re-read the card (its file shows the write) */
  written(): void
}

const isAdmin = (u: api.User | null) => u?.role === 'admin'
const CREDIT_CODE_SHAPE = /^[0-9A-HJ-NPQRTUWXY]{18}$/

export async function renderFlags(box: HTMLElement, code: string, hooks: CardAdminHooks): Promise<void> {
  box.classList.add('card-admin')
  let flags: api.Flag[]
  try {
    flags = await api.parcelFlags(code)
  } catch (e) {
    box.innerHTML = `<h3>官方认定</h3><p class="error">${escapeHtml(problem(e))}</p>`
    return
  }
  const admin = isAdmin(hooks.user)
  box.innerHTML = `<h3>官方认定（低效第 1、6 类）</h3>
    ${flags.length ? flags.map((f) => `<div class="item${f.in_force ? '' : ' ended'}" data-flag="${f.id}">
      <b>${escapeHtml(FLAG_KIND[f.kind])}</b>（${FLAG_TYPE[f.kind]}）${f.in_force ? '' : ' · 已解除'}
      <div>认定 ${date(f.set_on)}${f.doc_no ? `，${escapeHtml(f.doc_no)}` : ''} · ${escapeHtml(actorLabel(f.set_by))}</div>
      <div class="muted">${escapeHtml(f.reason)}</div>
      ${f.cleared_on ? `<div>解除 ${date(f.cleared_on)}${f.cleared_doc_no ? `，${escapeHtml(f.cleared_doc_no)}` : ''}${f.cleared_by ? ` · ${escapeHtml(actorLabel(f.cleared_by))}` : ''}${f.cleared_reason ? `：${escapeHtml(f.cleared_reason)}` : ''}</div>` : ''}
      ${admin && !f.cleared_on ? '<button type="button" class="clear-flag">解除认定</button><div class="form-slot"></div>' : ''}</div>`).join('')
    : '<p class="muted">无官方认定</p>'}
    ${admin ? `<details class="set-flag"><summary>认定低效（产业转型类 / 其他类）</summary>
      <form class="admin-form flag-form">
        <label>类别 <select name="kind"><option value="industry_transition">产业转型（低效第 1 类）</option><option value="other">其他（低效第 6 类）</option></select></label>
        <label>文号 <input name="doc_no" required maxlength="100" placeholder="如：洛政〔2026〕12号"></label>
        <label>认定日期 <input name="set_on" type="date" required value="${todayBeijing()}"></label>
        <label>理由 <input name="reason" required maxlength="1000"></label>
        <button type="submit">认定</button>
        <p class="form-message" role="alert" data-testid="flag-message"></p></form></details>` : ''}`
  const form = box.querySelector<HTMLFormElement>('.flag-form')
  if (form) form.onsubmit = async (e) => {
    e.preventDefault()
    const data = new FormData(form)
    try {
      await api.setFlag(code, { kind: data.get('kind') as api.Flag['kind'], doc_no: String(data.get('doc_no')).trim(), set_on: String(data.get('set_on')), reason: String(data.get('reason')).trim() })
      hooks.written()
    } catch (err) {
      say(form.querySelector<HTMLElement>('.form-message')!, problem(err), 'error')
    }
  }
  for (const item of box.querySelectorAll<HTMLElement>('[data-flag]')) {
    const button = item.querySelector<HTMLButtonElement>('.clear-flag')
    if (!button) continue
    const flag = flags.find((f) => f.id === Number(item.dataset.flag))!
    button.onclick = () => {
      const slot = item.querySelector<HTMLElement>('.form-slot')!
      slot.innerHTML = `<form class="admin-form clear-form">
        <label>解除日期 <input name="cleared_on" type="date" required min="${flag.set_on}" value="${todayBeijing()}"></label>
        <label>文号 <input name="doc_no" required maxlength="100"></label>
        <label>理由 <input name="reason" required maxlength="1000"></label>
        <button type="submit">确认解除</button><p class="form-message" role="alert"></p></form>`
      const f = slot.querySelector<HTMLFormElement>('form')!
      f.onsubmit = async (e) => {
        e.preventDefault()
        const data = new FormData(f)
        const on = String(data.get('cleared_on'))
        if (on < flag.set_on) return say(f.querySelector<HTMLElement>('.form-message')!, `解除日期不能早于认定日期 ${flag.set_on}`, 'error')
        try {
          await api.clearFlag(code, flag.id, { cleared_on: on, doc_no: String(data.get('doc_no')).trim(), reason: String(data.get('reason')).trim() })
          hooks.written()
        } catch (err) {
          say(f.querySelector<HTMLElement>('.form-message')!, problem(err), 'error')
        }
      }
    }
  }
}

export async function renderLeases(box: HTMLElement, code: string, hooks: CardAdminHooks): Promise<void> {
  if (!hooks.figures) {
    box.hidden = true
    return
  }
  box.classList.add('card-admin')
  let leases: api.Lease[]
  try {
    leases = await api.parcelLeases(code)
  } catch (e) {
    box.innerHTML = `<h3>租赁</h3><p class="error">${escapeHtml(problem(e))}</p>`
    return
  }
  const admin = isAdmin(hooks.user)
  box.innerHTML = `<h3>租赁</h3>
    ${leases.length ? leases.map((l) => `<div class="item${l.in_force ? '' : ' ended'}" data-lease="${l.id}">
      <b>${escapeHtml(l.tenant_name)}</b> 承租 <span class="muted">（出租方 ${escapeHtml(l.landholder_name)}）</span>
      <div>${date(l.starts_on)} 至 ${l.ends_on ? date(l.ends_on) : '今'}${l.area_m2 !== null ? ` · ${areaM2(l.area_m2)}` : ''}${l.doc_no ? ` · ${escapeHtml(l.doc_no)}` : ''}</div>
      ${l.note ? `<div class="muted">${escapeHtml(l.note)}</div>` : ''}
      ${admin && !l.ends_on ? '<button type="button" class="end-lease">结束租赁</button><div class="form-slot"></div>' : ''}</div>`).join('')
    : '<p class="muted">无租赁记录</p>'}
    ${admin ? `<details class="add-lease"><summary>登记租赁</summary>
      <form class="admin-form lease-form">
        <label>出租方信用代码 <input name="landholder_code" required maxlength="18" autocomplete="off" value="${escapeHtml(hooks.landUser ?? '')}"></label>
        <label>承租企业信用代码 <input name="tenant_code" required maxlength="18" autocomplete="off"></label>
        <label>租赁面积（m²）<input name="area_m2" type="number" min="0" step="0.01"></label>
        <label>起始日期 <input name="starts_on" type="date" required value="${todayBeijing()}"></label>
        <label>截止日期 <input name="ends_on" type="date"></label>
        <label>租赁合同编号 <input name="doc_no" maxlength="100"></label>
        <label>备注 <input name="note" maxlength="500"></label>
        <button type="submit">登记</button>
        <p class="form-message" role="alert" data-testid="lease-message"></p></form></details>` : ''}`
  const form = box.querySelector<HTMLFormElement>('.lease-form')
  if (form) form.onsubmit = async (e) => {
    e.preventDefault()
    const data = new FormData(form)
    const message = form.querySelector<HTMLElement>('.form-message')!
    const text = (k: string) => String(data.get(k) ?? '').trim()
    // both must be enterprises on record (the server checks): here only the code's shape, since a
    // record imported before the check-character rule may carry a code that fails it
    for (const [k, name] of [['landholder_code', '出租方'], ['tenant_code', '承租企业']] as const) {
      if (!CREDIT_CODE_SHAPE.test(text(k).toUpperCase())) return say(message, `${name}信用代码应为 18 位（数字和大写字母，不含 I、O、S、V、Z）`, 'error')
    }
    if (text('ends_on') && text('ends_on') < text('starts_on')) return say(message, '截止日期不能早于起始日期', 'error')
    try {
      await api.addLease(code, {
        landholder_code: text('landholder_code').toUpperCase(), tenant_code: text('tenant_code').toUpperCase(), starts_on: text('starts_on'),
        ends_on: text('ends_on') || null, area_m2: text('area_m2') ? Number(text('area_m2')) : null, doc_no: text('doc_no') || null, note: text('note') || null,
      })
      hooks.written()
    } catch (err) {
      say(message, problem(err), 'error')
    }
  }
  for (const item of box.querySelectorAll<HTMLElement>('[data-lease]')) {
    const button = item.querySelector<HTMLButtonElement>('.end-lease')
    if (!button) continue
    const lease = leases.find((l) => l.id === Number(item.dataset.lease))!
    button.onclick = () => {
      const slot = item.querySelector<HTMLElement>('.form-slot')!
      slot.innerHTML = `<form class="admin-form end-form"><label>结束日期 <input name="ends_on" type="date" required min="${lease.starts_on}" value="${todayBeijing()}"></label>
        <label>说明 <input name="note" maxlength="500"></label><button type="submit">确认结束</button><p class="form-message" role="alert"></p></form>`
      const f = slot.querySelector<HTMLFormElement>('form')!
      f.onsubmit = async (e) => {
        e.preventDefault()
        const data = new FormData(f)
        try {
          await api.endLease(code, lease.id, { ends_on: String(data.get('ends_on')), note: String(data.get('note') ?? '').trim() || null })
          hooks.written()
        } catch (err) {
          say(f.querySelector<HTMLElement>('.form-message')!, problem(err), 'error')
        }
      }
    }
  }
}
