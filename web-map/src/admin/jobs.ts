/** 任务: the work an administrator starts by hand — the analysis refresh (全量重算), the alert scan
 * (预警扫描) and the yearly enterprise ratings (年度评价) — each a job on the server's job table
 * (server/jobs/queue.ts: run once by whichever process claims it) followed here with its state and
 * progress (the button disabled, the seconds counted), then its result in Chinese or why it failed.
 * Under them every background job (后台任务: these and the scheduled refresh and scan) with its
 * state and progress from the job table (GET /api/jobs), read again with 刷新. */
import * as api from '../api'
import { beijingTime, chinese, date, escapeHtml, num } from '../format'
import { problem, say, todayBeijing, type AdminContext } from './common'

const seconds = (ms: number) => `${num(ms / 1000, 1)} 秒`
/** How often a started job is read again while it runs. */
const FOLLOW_MS = 500

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
      <p class="muted">上面启动的任务和定时的快照更新、预警扫描：由任一服务进程领取运行一次，进度记录在任务表中。</p>
      <button type="button" class="reload">刷新</button><div data-testid="job-list"><p class="muted">正在载入…</p></div></section>`
  const list = box.querySelector<HTMLElement>('[data-testid=job-list]')!
  const progress = (j: api.Job) => [j.done !== null && j.total ? `${j.done}/${j.total}` : '', j.message ?? ''].filter(Boolean).join(' · ') || '—'
  /** A button that starts a job on the server (202: queued on the job table, run once by whichever
   * process claims it), then follows it at GET /api/jobs/:id — its state and progress beside the
   * seconds counted — until it is done (its result in words) or failed (why, in Chinese). */
  const job = <R>(id: string, start: () => Promise<api.Job<R>>, done: (r: R) => string) => {
    const section = box.querySelector<HTMLElement>(`[data-job=${id}]`)!
    const button = section.querySelector<HTMLButtonElement>('.run')!
    const status = section.querySelector<HTMLElement>('.job-status')!
    button.onclick = async () => {
      const text = button.textContent
      const started = Date.now()
      button.disabled = true
      button.setAttribute('aria-busy', 'true')
      button.textContent = '正在运行…'
      status.className = 'job-status running'
      const show = (j: api.Job) => { status.textContent = `${j.state_name}：${progress(j)}，已用 ${Math.round((Date.now() - started) / 1000)} 秒` }
      try {
        let j = await start()
        status.dataset.jobId = String(j.id)
        void reload()
        while (j.state === 'queued' || j.state === 'running') {
          show(j)
          await new Promise((r) => setTimeout(r, FOLLOW_MS))
          j = await api.job<R>(j.id)
        }
        if (j.state === 'failed') say(status, `失败：${chinese(j.message ?? j.state_name)}`, 'error')
        else say(status, done(j.result as R))
        void reload()
      } catch (e) {
        say(status, `失败：${problem(e)}`, 'error')
      } finally {
        button.disabled = false
        button.removeAttribute('aria-busy')
        button.textContent = text
      }
    }
  }
  job('refresh', api.refreshAnalysis, (r) => {
    ctx.changed()
    return `完成：基准日 ${date(r.as_of)}，认定结果 ${r.findings} 条，批次 ${r.batches} 个，变化图斑 ${r.changes} 个，用时 ${seconds(r.duration_ms)}`
  })
  job('scan', api.scanAlerts, ({ result: r }) => {
    ctx.changed()
    return `完成：基准日 ${date(r.as_of)}，候选 ${r.candidates} 处，新建预警 ${r.created} 条，自动分派 ${r.assigned} 条，升级逾期 ${r.escalated} 条，用时 ${seconds(r.duration_ms)}`
  })
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
  job('ratings', () => api.storeRatings(Number(box.querySelector<HTMLSelectElement>('[data-job=ratings] select')!.value)),
    (r) => `完成：${r.year} 年评价已保存 ${r.stored} 家企业（A 类 ${r.counts.A}，B 类 ${r.counts.B}，C 类 ${r.counts.C}，D 类 ${r.counts.D}）`)
}
