/** 企业: find, create (统一社会信用代码 checked with its check character here as on the server,
 * GB 32100-2015, server/common/credit-code.ts), edit (If-Match: someone else's edit first is said),
 * and merge two records of one company (figures, contracts and leases move; the old code is kept
 * as an alias). */
import * as api from '../api'
import { chinese, escapeHtml } from '../format'
import { creditCodeProblem } from '../../../server/common/credit-code'
import { countyOptions, problem, say, type AdminContext } from './common'

export async function renderEnterprises(box: HTMLElement, ctx: AdminContext): Promise<void> {
  box.innerHTML = `<form class="admin-form ent-search"><label>查找企业 <input name="q" type="search" placeholder="企业名称或信用代码" maxlength="100"></label>
      <button type="submit">查找</button></form>
    <ul class="ent-list" data-testid="enterprise-list"></ul>
    <div class="ent-detail"></div>
    <details class="ent-create"><summary>登记新企业</summary>
      <form class="admin-form new-enterprise">
        <label>统一社会信用代码 <input name="credit_code" required maxlength="18" autocomplete="off" style="text-transform:uppercase"></label>
        <label>企业名称 <input name="name" required minlength="2" maxlength="200"></label>
        <label>区县 <select name="county_code">${countyOptions(ctx)}</select></label>
        <label>行业 <input name="industry" maxlength="100"></label>
        <label class="check"><input type="checkbox" name="above_scale"> 规模以上</label>
        <button type="submit">登记</button>
        <p class="form-message" role="alert" data-testid="enterprise-message"></p>
      </form></details>`
  const list = box.querySelector<HTMLElement>('.ent-list')!
  const detail = box.querySelector<HTMLElement>('.ent-detail')!
  const search = box.querySelector<HTMLFormElement>('.ent-search')!
  const find = async (q: string) => {
    list.innerHTML = '<li class="muted">查找中…</li>'
    try {
      const items = await api.searchEnterprises(q)
      list.innerHTML = items.length ? items.map((e) => `<li><button type="button" class="link" data-cc="${escapeHtml(e.credit_code)}">${escapeHtml(e.name)}</button>
        <span class="muted">${escapeHtml(e.credit_code)} · ${escapeHtml(ctx.countyName(e.county_code))}${e.industry ? ` · ${escapeHtml(e.industry)}` : ''}</span></li>`).join('')
        : '<li class="muted">没有找到</li>'
      for (const b of list.querySelectorAll<HTMLButtonElement>('[data-cc]')) b.onclick = () => void showEnterprise(detail, b.dataset.cc!, ctx, () => void find(q))
    } catch (e) {
      list.innerHTML = `<li class="error" role="alert">${escapeHtml(problem(e))}</li>`
    }
  }
  search.onsubmit = (e) => {
    e.preventDefault()
    const q = String(new FormData(search).get('q') ?? '').trim()
    if (q) void find(q)
  }
  const create = box.querySelector<HTMLFormElement>('.new-enterprise')!
  const message = create.querySelector<HTMLElement>('.form-message')!
  create.onsubmit = async (e) => {
    e.preventDefault()
    const data = new FormData(create)
    const code = String(data.get('credit_code')).trim().toUpperCase()
    const bad = creditCodeProblem(code)
    if (bad) return say(message, `统一社会信用代码 ${code} 无效：${chinese(bad)}`, 'error')
    try {
      const made = await api.createEnterprise({
        credit_code: code, name: String(data.get('name')).trim(), county_code: String(data.get('county_code')),
        industry: String(data.get('industry') ?? '').trim() || null, above_scale: data.get('above_scale') === 'on',
      })
      say(message, `已登记：${made.name}（${made.credit_code}）`)
      create.reset()
      await showEnterprise(detail, made.credit_code, ctx, () => void find(made.credit_code))
    } catch (err) {
      say(message, problem(err), 'error')
    }
  }
}

async function showEnterprise(box: HTMLElement, cc: string, ctx: AdminContext, changed: () => void): Promise<void> {
  box.innerHTML = '<p class="muted">正在载入…</p>'
  let found: Awaited<ReturnType<typeof api.enterprise>>
  try {
    found = await api.enterprise(cc)
  } catch (e) {
    box.innerHTML = `<p class="error" role="alert">${escapeHtml(problem(e))}</p>`
    return
  }
  const e = found.row
  box.innerHTML = `<h3 data-testid="enterprise-name">${escapeHtml(e.name)}</h3>
    <p class="muted">${escapeHtml(e.credit_code)} · ${escapeHtml(ctx.countyName(e.county_code))}</p>
    <form class="admin-form edit-enterprise">
      <label>企业名称 <input name="name" required minlength="2" maxlength="200" value="${escapeHtml(e.name)}"></label>
      <label>行业 <input name="industry" maxlength="100" value="${escapeHtml(e.industry ?? '')}"></label>
      <label class="check"><input type="checkbox" name="above_scale" ${e.above_scale ? 'checked' : ''}> 规模以上</label>
      <label class="check"><input type="checkbox" name="intelligent_retrofit" ${e.intelligent_retrofit ? 'checked' : ''}> 已完成智能化改造</label>
      <label>修改说明 <input name="note" required maxlength="500"></label>
      <button type="submit">保存</button>
      <p class="form-message" role="alert"></p></form>
    <details><summary>合并重复记录</summary>
      <form class="admin-form merge-enterprise">
        <p class="muted">把同一企业的另一条记录并入本记录：其经营数据、合同和租赁移到本记录，原代码保留为别名。</p>
        <label>被并入记录的信用代码 <input name="from" required maxlength="18" autocomplete="off" style="text-transform:uppercase"></label>
        <label>说明 <input name="note" required maxlength="500"></label>
        <button type="submit">合并</button>
        <p class="form-message" role="alert"></p></form></details>`
  const edit = box.querySelector<HTMLFormElement>('.edit-enterprise')!
  edit.onsubmit = async (ev) => {
    ev.preventDefault()
    const data = new FormData(edit)
    const message = edit.querySelector<HTMLElement>('.form-message')!
    try {
      await api.patchEnterprise(cc, found.etag ?? '', {
        name: String(data.get('name')).trim(), industry: String(data.get('industry') ?? '').trim() || null,
        above_scale: data.get('above_scale') === 'on', intelligent_retrofit: data.get('intelligent_retrofit') === 'on', note: String(data.get('note')).trim(),
      })
      await showEnterprise(box, cc, ctx, changed)
      say(box.querySelector<HTMLElement>('.edit-enterprise .form-message')!, '已保存')
      changed()
    } catch (err) {
      say(message, problem(err), 'error')
    }
  }
  const merge = box.querySelector<HTMLFormElement>('.merge-enterprise')!
  merge.onsubmit = async (ev) => {
    ev.preventDefault()
    const data = new FormData(merge)
    const message = merge.querySelector<HTMLElement>('.form-message')!
    const from = String(data.get('from')).trim().toUpperCase()
    const bad = creditCodeProblem(from)
    if (bad) return say(message, `统一社会信用代码 ${from} 无效：${chinese(bad)}`, 'error')
    if (from === cc) return say(message, '不能把记录并入它自己', 'error')
    if (!window.confirm(`把 ${from} 并入 ${e.name}？合并后不能撤销。`)) return
    try {
      const r = await api.mergeEnterprises(cc, from, String(data.get('note')).trim())
      say(message, `已合并：移入经营数据 ${r.moved.figures} 年、合同 ${r.moved.contracts} 份、租赁 ${r.moved.leases} 项`)
      changed()
    } catch (err) {
      say(message, problem(err), 'error')
    }
  }
}
