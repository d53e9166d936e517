/** 公示发布: which classes each county publishes (the disclosure_publish rule, from a date), a
 * preview of exactly what the public page will show (POST /api/disclosure/preview: the rows a
 * publication made now would serve), then the publication itself; afterwards the public page
 * (/disclosure.html) shows it without login (§四(四)). */
import * as api from '../api'
import { date, escapeHtml, mu, num } from '../format'
import { problem, running, say, todayBeijing, type AdminContext } from './common'

const CLASSES: { id: api.DisclosureClass; name: string }[] = [
  { id: 'unsupplied', name: '批而未供' }, { id: 'idle', name: '闲置' }, { id: 'inefficient', name: '低效' },
]
/** The preview lists this many rows; the counts above it are of every row. */
const SHOWN = 200

export async function renderPublish(box: HTMLElement, ctx: AdminContext): Promise<void> {
  const cityWide = !ctx.user.county_scope
  box.innerHTML = `<h3>公开范围</h3><div class="settings"><p class="muted">正在载入…</p></div>
    <h3>预览与发布</h3>
    ${cityWide ? '' : '<p class="muted">公开清单面向全市，由市级管理员发布。</p>'}
    <div class="actions"><button type="button" class="preview" ${cityWide ? '' : 'disabled'}>预览公开内容</button>
      <button type="button" class="publish" disabled>发布</button></div>
    <p class="job-status" role="status" data-testid="publish-status"></p>
    <div class="preview-box" data-testid="publish-preview"></div>`
  const previewButton = box.querySelector<HTMLButtonElement>('.preview')!
  const publishButton = box.querySelector<HTMLButtonElement>('.publish')!
  const status = box.querySelector<HTMLElement>('.job-status')!
  const shown = box.querySelector<HTMLElement>('.preview-box')!
  previewButton.onclick = async () => {
    publishButton.disabled = true
    try {
      const p = await running(previewButton, status, () => api.previewDisclosure())
      say(status, `以下为基准日 ${date(p.as_of)} 发布后公众将看到的内容（尚未发布）`)
      shown.innerHTML = previewHtml(p)
      publishButton.disabled = false
    } catch (e) {
      say(status, problem(e), 'error')
    }
  }
  publishButton.onclick = async () => {
    try {
      const r = await running(publishButton, status, () => api.publishDisclosure())
      const n = CLASSES.reduce((s, c) => s + r.counts[c.id].items, 0)
      status.className = 'saved'
      status.innerHTML = `已发布：基准日 ${date(r.as_of)}，共 ${n} 条。<a href="/disclosure.html" target="_blank" rel="noopener">查看公开页面</a>`
      publishButton.disabled = true
    } catch (e) {
      say(status, problem(e), 'error')
    }
  }
  await renderSettings(box.querySelector<HTMLElement>('.settings')!, ctx)
}

function previewHtml(p: api.DisclosurePreview): string {
  const counts = CLASSES.map((c) => `<li>${c.name}：<b data-count="${c.id}">${p.counts[c.id].items}</b> 条，${mu(p.counts[c.id].area_mu)}</li>`).join('')
  const rows = p.items.slice(0, SHOWN).map((i) => `<tr><td>${escapeHtml(i.class_label)}</td><td>${escapeHtml(i.ref)}</td><td>${escapeHtml(i.county_name)}</td>
    <td>${escapeHtml(i.cluster_name ?? '—')}</td><td>${num(i.area_mu)}</td><td>${date(i.since)}</td><td>${escapeHtml(i.detail ?? '')}</td><td>${escapeHtml(i.responsible_unit)}</td></tr>`).join('')
  return `<p class="muted">依据：${escapeHtml(p.basis)}</p><ul class="counts">${counts}</ul>
    ${p.items.length ? `<div class="scroll"><table class="preview"><tr><th>类别</th><th>宗地或批次</th><th>区县</th><th>集聚区</th><th>面积（亩）</th><th>起始日期</th><th>情形</th><th>责任单位</th></tr>${rows}</table></div>` : '<p class="muted">按当前公开范围，没有要公开的条目。</p>'}
    ${p.items.length > SHOWN ? `<p class="muted">仅列出前 ${SHOWN} 条，共 ${p.items.length} 条。</p>` : ''}`
}

async function renderSettings(box: HTMLElement, ctx: AdminContext): Promise<void> {
  let settings: api.DisclosureSetting[]
  try {
    settings = (await api.disclosureSettings()).settings
  } catch (e) {
    box.innerHTML = `<p class="error" role="alert">${escapeHtml(problem(e))}</p>`
    return
  }
  const mine = ctx.user.county_scope ? settings.filter((s) => ctx.user.county_scope!.includes(s.county_code)) : settings
  box.innerHTML = `<p class="muted">勾选即从今天起公开该类用地；改动记入规则版本。</p>
    <div class="scroll"><table class="settings-table"><tr><th>区县</th>${CLASSES.map((c) => `<th>${c.name}</th>`).join('')}</tr>
    ${mine.map((s) => `<tr data-county="${escapeHtml(s.county_code)}"><td>${escapeHtml(s.county_name)}</td>${CLASSES.map((c) =>
      `<td><input type="checkbox" data-class="${c.id}" aria-label="${escapeHtml(`${s.county_name}公开${c.name}`)}" ${s[c.id] ? 'checked' : ''}></td>`).join('')}</tr>`).join('')}
    </table></div><p class="form-message" role="alert"></p>`
  const message = box.querySelector<HTMLElement>('.form-message')!
  for (const input of box.querySelectorAll<HTMLInputElement>('input[data-class]')) {
    input.onchange = async () => {
      const county = input.closest<HTMLElement>('tr')!.dataset.county!
      const cls = CLASSES.find((c) => c.id === input.dataset.class)!
      input.disabled = true
      try {
        await api.setDisclosure({ county, class: cls.id, publish: input.checked, from: todayBeijing(),
          note: `${ctx.countyName(county)}${input.checked ? '公开' : '不公开'}${cls.name}用地` })
        say(message, `已设置：${ctx.countyName(county)}自今天起${input.checked ? '公开' : '不公开'}${cls.name}用地`)
      } catch (e) {
        input.checked = !input.checked
        say(message, problem(e), 'error')
      } finally {
        input.disabled = false
      }
    }
  }
}
