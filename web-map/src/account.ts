/** 账户与安全: the sign-in steps after the password (the second factor, its set-up with a QR code
 * and recovery codes shown once, a forced password change), the security officer's user
 * administration and the audit officer's audit trail (GB/T 22239-2019 8.1.4.1–3). One module, so
 * that the rest of the map need not know about them; login.ts calls it. */
import * as api from './api'
import { escapeHtml, label } from './format'
import { AUDIT_KIND, ROLE } from '../../server/labels/codes'
import './admin/admin.css'

export type Step = 'ok' | 'totp' | 'enrol' | 'password'


const short = (e: unknown) => (e instanceof api.ApiError ? e.message.split(' / ')[0]! : '操作失败')

/** Every call through the map's one fetch wrapper (api.ts): the token sent, a refusal an ApiError. */
async function call<T>(url: string, method = 'GET', body?: unknown): Promise<T> {
  return (await api.request<T>(url, { method, body })).data
}

/** The sign-in step the current token is at. */
export async function currentStep(): Promise<Step> {
  return (await call<{ sign_in_step?: Step }>('/api/auth/me')).sign_in_step ?? 'ok'
}

/** A dialog over the page; closed by the caller. */
function dialog(title: string, id: string): { box: HTMLElement; close(): void } {
  const shade = document.createElement('div')
  shade.id = id
  shade.setAttribute('style', 'position:fixed;inset:0;background:rgba(20,30,40,.45);z-index:1000;display:flex;align-items:flex-start;justify-content:center;overflow:auto')
  shade.innerHTML = `<section role="dialog" aria-modal="true" aria-label="${escapeHtml(title)}"
    style="background:#fff;margin:6vh 1em;padding:1em 1.4em;border-radius:6px;max-width:min(1100px,96vw);min-width:min(420px,96vw);box-shadow:0 4px 24px rgba(0,0,0,.3)">
    <h2 style="margin:.2em 0 .6em;font-size:1.15em">${escapeHtml(title)}</h2><div class="account-body"></div></section>`
  document.body.appendChild(shade)
  return { box: shade.querySelector<HTMLElement>('.account-body')!, close: () => shade.remove() }
}

/** Walks the token through its sign-in steps; resolves when it may do everything ('ok'), rejects
 * when the user gives up (logged out). */
export function runSteps(first: Step): Promise<void> {
  const d = dialog('登录验证', 'sign-in-steps')
  return new Promise<void>((resolve, reject) => {
    const done = (step: Step) => {
      if (step === 'ok') {
        d.close()
        resolve()
      } else show(step)
    }
    const giveUp = async () => {
      d.close()
      await api.logout()
      reject(new Error('signed out'))
    }
    const form = (html: string, submit: (data: FormData) => Promise<void>) => {
      d.box.innerHTML = `<form class="step-form">${html}<p><button type="submit">确定</button> <button type="button" class="give-up">退出登录</button></p>
        <p class="error" role="alert" style="color:#b00020"></p></form>`
      const f = d.box.querySelector<HTMLFormElement>('form')!
      f.querySelector<HTMLButtonElement>('.give-up')!.onclick = () => void giveUp()
      f.onsubmit = async (e) => {
        e.preventDefault()
        try {
          await submit(new FormData(f))
        } catch (err) {
          f.querySelector('.error')!.textContent = short(err)
        }
      }
      f.querySelector<HTMLInputElement>('input')?.focus()
    }
    const show = (step: Step) => {
      if (step === 'totp') {
        form(`<p>请输入身份验证器 App 中的 6 位动态口令，或一个恢复码。</p>
          <input name="code" data-testid="totp-code" autocomplete="one-time-code" inputmode="numeric" required maxlength="24" aria-label="动态口令">`,
        async (data) => done((await call<{ next: Step }>('/api/auth/totp', 'POST', { code: String(data.get('code')).trim() })).next))
      } else if (step === 'password') {
        form(`<p>密码须修改后才能继续（首次登录、密码已重置或已过期）：至少 10 位，含大写字母、小写字母、数字、其他字符中的至少 3 类，不含用户名，不与最近用过的相同。</p>
          <p><input name="current" type="password" required autocomplete="current-password" placeholder="当前密码" aria-label="当前密码"></p>
          <p><input name="password" type="password" required autocomplete="new-password" placeholder="新密码" aria-label="新密码"></p>
          <p><input name="again" type="password" required autocomplete="new-password" placeholder="再次输入新密码" aria-label="再次输入新密码"></p>`,
        async (data) => {
          if (data.get('password') !== data.get('again')) throw new api.ApiError(400, 'mismatch', '两次输入的新密码不一致')
          await call('/api/auth/password', 'POST', { current: String(data.get('current')), password: String(data.get('password')) })
          done('ok')
        })
      } else if (step === 'enrol') void enrol()
    }
    const enrol = async () => {
      d.box.innerHTML = '<p>正在生成…</p>'
      try {
        const e = await call<{ secret: string; uri: string; qr_svg: string }>('/api/auth/totp/enrol', 'POST')
        form(`<p>此账户须绑定动态口令：用身份验证器 App（如 Microsoft Authenticator、FreeOTP）扫描二维码，或手动输入密钥，然后输入 App 显示的 6 位数字。</p>
          <p><img data-testid="totp-qr" alt="二维码" width="200" height="200" src="data:image/svg+xml;base64,${btoa(e.qr_svg)}"></p>
          <p>密钥：<code data-testid="totp-secret">${escapeHtml(e.secret)}</code></p>
          <input name="code" data-testid="totp-code" autocomplete="one-time-code" inputmode="numeric" required maxlength="6" aria-label="动态口令">`,
        async (data) => {
          const r = await call<{ recovery_codes: string[]; next: Step }>('/api/auth/totp/confirm', 'POST', { code: String(data.get('code')).trim() })
          d.box.innerHTML = `<p>动态口令已绑定。以下恢复码<strong>只显示这一次</strong>，每个可代替动态口令使用一次（手机丢失时）：请抄写或打印后妥善保存。</p>
            <ol data-testid="recovery-codes" style="font-family:monospace;columns:2">${r.recovery_codes.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ol>
            <p><button type="button" class="saved">我已保存恢复码</button></p>`
          d.box.querySelector<HTMLButtonElement>('.saved')!.onclick = () => done(r.next)
        })
      } catch (err) {
        d.box.innerHTML = `<p class="error" role="alert">${escapeHtml(short(err))}</p><p><button type="button" class="give-up">退出登录</button></p>`
        d.box.querySelector<HTMLButtonElement>('.give-up')!.onclick = () => void giveUp()
      }
    }
    show(first)
  })
}

interface Account {
  username: string; display_name: string; role: string; county_scope: string[] | null; active: boolean
  password_must_change: boolean; totp: boolean; created_at: string; last_login_at: string | null
}

/** 用户管理: the security officer's accounts, roles, county scopes, deactivation and resets. */
export function openUsers(): void {
  const d = dialog('用户管理', 'user-admin')
  const roleOptions = Object.entries(ROLE).map(([r, n]) => `<option value="${r}">${n}</option>`).join('')
  d.box.innerHTML = `<form class="new-user" style="display:flex;gap:.4em;flex-wrap:wrap;align-items:center">
      <input name="username" required placeholder="用户名" aria-label="用户名" pattern="[A-Za-z0-9_.\\-]{2,64}">
      <input name="display_name" required placeholder="姓名" aria-label="姓名" maxlength="64">
      <select name="role" aria-label="角色">${roleOptions}</select>
      <details class="scope-pick"><summary>区县范围（不选为全市）</summary><div class="counties">正在载入区县…</div></details>
      <button type="submit">新建用户</button></form>
    <p class="notice" role="status" data-testid="user-notice"></p>
    <div class="list"></div>
    <p><button type="button" class="close">关闭</button></p>`
  const notice = d.box.querySelector<HTMLElement>('.notice')!
  d.box.querySelector<HTMLButtonElement>('.close')!.onclick = () => d.close()
  const say = (html: string) => { notice.innerHTML = html }
  let names = new Map<string, string>()
  const countyName = (c: string) => names.get(c) ?? c
  const counties = api.countyNames().then((m) => {
    names = m
    d.box.querySelector('.scope-pick .counties')!.innerHTML = [...m].sort(([a], [b]) => a.localeCompare(b))
      .map(([code, name]) => `<label><input type="checkbox" name="county_scope" value="${escapeHtml(code)}"> ${escapeHtml(name)}</label>`).join('')
  }).catch(() => { d.box.querySelector('.scope-pick .counties')!.textContent = '区县载入失败' })
  const refresh = async () => {
    const [{ users }] = await Promise.all([call<{ users: Account[] }>('/api/users'), counties])
    d.box.querySelector('.list')!.innerHTML = `<div class="scroll"><table style="border-collapse:collapse;width:100%"><thead><tr>
        <th>用户名</th><th>姓名</th><th>角色</th><th>区县范围</th><th>状态</th><th>动态口令</th><th>最近登录</th><th></th></tr></thead><tbody>
      ${users.map((u) => `<tr data-user="${escapeHtml(u.username)}">
        <td data-label="用户名">${escapeHtml(u.username)}</td><td data-label="姓名">${escapeHtml(u.display_name)}</td><td data-label="角色">${escapeHtml(label('role', u.role))}</td>
        <td data-label="区县范围">${u.county_scope ? escapeHtml(u.county_scope.map(countyName).join('、')) : '全市'}</td>
        <td data-label="状态">${u.active ? (u.password_must_change ? '待改密码' : '正常') : '已停用'}</td><td data-label="动态口令">${u.totp ? '已绑定' : '—'}</td>
        <td data-label="最近登录">${u.last_login_at ? escapeHtml(u.last_login_at.slice(0, 16).replace('T', ' ')) : '从未'}</td>
        <td><button type="button" data-act="active">${u.active ? '停用' : '启用'}</button>
          <button type="button" data-act="reset">重置密码</button>${u.totp ? ' <button type="button" data-act="totp">解绑动态口令</button>' : ''}</td></tr>`).join('')}
      </tbody></table></div>`
    for (const row of d.box.querySelectorAll<HTMLTableRowElement>('tr[data-user]')) {
      const username = row.dataset.user!
      const user = users.find((u) => u.username === username)!
      for (const b of row.querySelectorAll<HTMLButtonElement>('button[data-act]')) {
        b.onclick = async () => {
          try {
            if (b.dataset.act === 'reset') {
              const r = await call<{ password: string }>(`/api/users/${encodeURIComponent(username)}/password-reset`, 'POST')
              say(`${escapeHtml(username)} 的新密码（只显示这一次，首次登录须修改）：<code data-testid="new-password">${escapeHtml(r.password)}</code>`)
            } else {
              await call(`/api/users/${encodeURIComponent(username)}`, 'PATCH', b.dataset.act === 'active' ? { active: !user.active } : { totp_reset: true })
              say(`${escapeHtml(username)} 已更新`)
            }
            await refresh()
          } catch (err) {
            say(`<span style="color:#b00020">${escapeHtml(short(err))}</span>`)
          }
        }
      }
    }
  }
  const form = d.box.querySelector<HTMLFormElement>('.new-user')!
  form.onsubmit = async (e) => {
    e.preventDefault()
    const data = new FormData(form)
    const scope = data.getAll('county_scope').map(String)
    try {
      const r = await call<{ user: Account; password: string }>('/api/users', 'POST', {
        username: String(data.get('username')), display_name: String(data.get('display_name')), role: String(data.get('role')),
        county_scope: scope.length ? scope : null,
      })
      say(`已新建 ${escapeHtml(r.user.username)}，初始密码（只显示这一次，首次登录须修改）：<code data-testid="new-password">${escapeHtml(r.password)}</code>`)
      form.reset()
      await refresh()
    } catch (err) {
      say(`<span style="color:#b00020">${escapeHtml(short(err))}</span>`)
    }
  }
  refresh().catch((err) => say(escapeHtml(short(err))))
}

interface AuditEvent {
  seq: number; at: string; kind: string; actor: string | null; actor_role: string | null; address: string | null
  object: string | null; result: string; detail: Record<string, unknown>
}

/** An event's details in words: each key by its field name where one is known (server/labels/),
 * lists joined, nested values shortened; the CSV export keeps them as recorded. */
const ACCOUNT_FIELD: Record<string, string> = { username: '用户名', role: '角色', county_scope: '区县范围', change: '修改内容', before: '修改前', display_name: '姓名' }
function detailText(detail: Record<string, unknown>): string {
  const value = (v: unknown): string => v === null || v === undefined ? '空' : typeof v === 'boolean' ? (v ? '是' : '否')
    : Array.isArray(v) ? v.map(value).join('、') : typeof v === 'object' ? JSON.stringify(v) : String(v)
  return Object.entries(detail ?? {}).map(([k, v]) => `${ACCOUNT_FIELD[k] ?? label('field', k)}：${k === 'role' ? label('role', v) : value(v)}`).join('；').slice(0, 200)
}

/** 审计记录: the audit officer's trail, filtered, exported as CSV, its chain checked. */
export function openAudit(): void {
  const d = dialog('审计记录', 'audit-trail')
  d.box.innerHTML = `<form class="filter" style="display:flex;gap:.4em;flex-wrap:wrap;align-items:center">
      <select name="kind" aria-label="事件"><option value="">全部事件</option>${Object.entries(AUDIT_KIND).map(([k, n]) => `<option value="${k}">${n}</option>`).join('')}</select>
      <input name="actor" placeholder="操作人" aria-label="操作人">
      <select name="result" aria-label="结果"><option value="">全部结果</option><option value="ok">成功</option><option value="refused">拒绝</option><option value="failed">失败</option></select>
      <input name="from" type="date" aria-label="起始日期"> <input name="to" type="date" aria-label="截止日期">
      <button type="submit">查询</button> <button type="button" class="export">导出 CSV</button> <button type="button" class="check">完整性校验</button></form>
    <p class="status" role="status" data-testid="audit-status"></p><div class="list" style="max-height:60vh;overflow:auto"></div>
    <p><button type="button" class="close">关闭</button></p>`
  const form = d.box.querySelector<HTMLFormElement>('.filter')!
  const status = d.box.querySelector<HTMLElement>('.status')!
  d.box.querySelector<HTMLButtonElement>('.close')!.onclick = () => d.close()
  const query = () => {
    const q = new URLSearchParams()
    for (const [k, v] of new FormData(form)) if (String(v).trim()) q.append(k, String(v).trim())
    return q
  }
  const load = async () => {
    const { events } = await call<{ events: AuditEvent[] }>(`/api/audit?${query()}`)
    status.textContent = `${events.length} 条`
    d.box.querySelector('.list')!.innerHTML = `<table style="border-collapse:collapse;width:100%;font-size:.9em"><thead><tr>
      <th>序号</th><th>时间</th><th>事件</th><th>操作人</th><th>角色</th><th>地址</th><th>对象</th><th>结果</th><th>详情</th></tr></thead><tbody>
      ${events.map((e) => `<tr data-seq="${e.seq}"><td data-label="序号">${e.seq}</td><td data-label="时间">${escapeHtml(e.at.slice(0, 19).replace('T', ' '))}</td><td data-label="事件">${escapeHtml(label('auditKind', e.kind))}</td>
        <td data-label="操作人">${escapeHtml(e.actor ?? '系统')}</td><td data-label="角色">${e.actor_role ? escapeHtml(label('role', e.actor_role)) : ''}</td><td data-label="地址">${escapeHtml(e.address ?? '')}</td>
        <td data-label="对象">${escapeHtml(e.object ?? '')}</td><td data-label="结果">${escapeHtml(label('auditResult', e.result))}</td>
        <td data-label="详情">${escapeHtml(detailText(e.detail))}</td></tr>`).join('')}</tbody></table>`
  }
  form.onsubmit = (e) => {
    e.preventDefault()
    load().catch((err) => { status.textContent = short(err) })
  }
  d.box.querySelector<HTMLButtonElement>('.export')!.onclick = async () => {
    let file: Blob
    try {
      file = await api.blob(`/api/audit/export.csv?${query()}`)
    } catch (err) {
      status.textContent = `导出失败：${short(err)}`
      return
    }
    const a = document.createElement('a')
    a.href = URL.createObjectURL(file)
    a.download = '审计记录.csv'
    a.click()
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
  }
  d.box.querySelector<HTMLButtonElement>('.check')!.onclick = async () => {
    try {
      const r = await call<{ whole: boolean; problems: { detail: string }[]; head: { seq: number | null; hash: string | null } }>('/api/audit/check')
      status.textContent = r.whole ? `完整：共 ${r.head.seq ?? 0} 条，末条哈希 ${r.head.hash?.slice(0, 16) ?? ''}…` : `发现 ${r.problems.length} 处问题：${r.problems.map((p) => p.detail).join('；')}`
    } catch (err) {
      status.textContent = short(err)
    }
  }
  load().catch((err) => { status.textContent = short(err) })
}
