/** 任务: the work an administrator starts by hand — the analysis refresh (全量重算), the alert scan
 * (预警扫描) and the yearly enterprise ratings (年度评价) — each with its running state (the button
 * disabled, the seconds counted), its result in Chinese and a clear error; these routes answer when
 * the work is done. Under them the background jobs (后台任务: the scheduled refresh and scan, which
 * whichever process claims them runs, server/jobs/queue.ts) with their state and progress from the
 * job table (GET /api/jobs), read again with 刷新. */
import * as api from '../api'
import { beijingTime, date, escapeHtml, num } from '../format'
import { problem, running, say, todayBeijing, type AdminContext } from './common'

const seconds = (ms: number) => `${num(ms / 1000, 1)} 秒`

export function renderJobs(box: HTMLElement, ctx: AdminContext): void {
  const lastYear = Number(todayBeijing().slice(0, 4)) - 1
  box.innerHTML = `
    <section class="job" data-job="refresh"><h3>全量重算</h3>
      <p class="muted">按今天的数据和规则重新计算闲置、低效、批而未供等全部认定结果（平时在数据变化后自动进行）。</p>
      <button type="button" class="run">开始重算</button><p class="job-status" role="status" data-testid="job-refresh"></p></section>
    <section class="job" data-job="scan"><h3>预警扫描</h3>
      <p class="muted">立即运行巡查预警规则并升级逾期预警；同一情形不会重复生成预警。</p>
      <button type="button" class="run">开始扫描</button><p class="job-status" role="status" data-testid="job-scan"></p></section>
    <section class="job" data-job="ratings"><h3>年度企业评价</h3>
      <p class="muted">按现行区县规则保存一个已结束年度的 A/B/C/D 分类评价（低效第 5 类据此认定）。</p>
      <label>年度 <select name="year">${[0, 1, 2].map((i) => `<option value="${lastYear - i}">${lastYear - i} 年</option>`).join('')}</select></label>
      <button type="button" class="run">保存评价</button><p class="job-status" role="status" data-testid="job-ratings"></p></section>
    <section class="job" data-job="background"><h3>后台任务</h3>
      <p class="muted">定时的全量重算和预警扫描：由任一服务进程领取运行一次，进度记录在任务表中。</p>
      <button type="button" class="reload">刷新</button><div data-testid="job-list"><p class="muted">正在载入…</p></div></section>`
  const job = (id: string, work: () => Promise<string>) => {
    const section = box.querySelector<HTMLElement>(`[data-job=${id}]`)!
    const button = section.querySelector<HTMLButtonElement>('.run')!
    const status = section.querySelector<HTMLElement>('.job-status')!
    button.onclick = async () => {
      try {
        say(status, await running(button, status, work))
      } catch (e) {
        say(status, `失败：${problem(e)}`, 'error')
      }
    }
  }
  job('refresh', async () => {
    const r = await api.refreshAnalysis()
    ctx.changed()
    return `完成：基准日 ${date(r.as_of)}，认定结果 ${r.findings} 条，批次 ${r.batches} 个，变化图斑 ${r.changes} 个，用时 ${seconds(r.duration_ms)}`
  })
  job('scan', async () => {
    const r = (await api.scanAlerts()).result
    ctx.changed()
    return `完成：基准日 ${date(r.as_of)}，候选 ${r.candidates} 处，新建预警 ${r.created} 条，自动分派 ${r.assigned} 条，升级逾期 ${r.escalated} 条，用时 ${seconds(r.duration_ms)}`
  })
  const list = box.querySelector<HTMLElement>('[data-testid=job-list]')!
  const progress = (j: api.Job) => [j.done !== null && j.total ? `${j.done}/${j.total}` : '', j.message ?? ''].filter(Boolean).join(' · ') || '—'
  const reload = async () => {
    try {
      const rows = await api.jobs()
      list.innerHTML = rows.length === 0 ? '<p class="muted">暂无后台任务</p>' : `<table><thead><tr><th>任务</th><th>状态</th><th>进度</th><th>开始</th><th>结束</th></tr></thead><tbody>${
        rows.map((j) => `<tr data-job-id="${j.id}"><td>${escapeHtml(j.kind_name)}</td><td>${escapeHtml(j.state_name)}${j.attempt > 1 ? `（第 ${j.attempt} 次）` : ''}</td><td>${escapeHtml(progress(j))}</td><td>${escapeHtml(j.started_at ? beijingTime(j.started_at) : '—')}</td><td>${escapeHtml(j.finished_at ? beijingTime(j.finished_at) : '—')}</td></tr>`).join('')
      }</tbody></table>`
    } catch (e) {
      list.innerHTML = `<p class="error" role="alert">${escapeHtml(problem(e))}</p>`
    }
  }
  box.querySelector<HTMLButtonElement>('[data-job=background] .reload')!.onclick = () => void reload()
  void reload()
  job('ratings', async () => {
    const year = Number(box.querySelector<HTMLSelectElement>('[data-job=ratings] select')!.value)
    const r = await api.storeRatings(year)
    return `完成：${r.year} 年评价已保存 ${r.stored} 家企业（A 类 ${r.counts.A}，B 类 ${r.counts.B}，C 类 ${r.counts.C}，D 类 ${r.counts.D}）`
  })
}
