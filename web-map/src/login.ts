/** Login: a form in the header, and the badge of who is signed in with a logout button. The map
 * shows only what the role may do: the server strips what it may not see; the UI hides the
 * buttons for what it may not do (editing, uploading). */
import * as api from './api'
import { escapeHtml, label } from './format'
import { currentStep, openAudit, openUsers, runSteps } from './account'

/** Roles that edit parcels (admin, analyst, surveyor: server/common/roles.ts EDITORS); inspectors record findings. */
export const EDITORS: readonly api.Role[] = ['admin', 'analyst', 'surveyor']
/** Roles that upload and commit data (analysts and administrators). */
export const UPLOADERS: readonly api.Role[] = ['admin', 'analyst']

export const can = {
  edit: (u: api.User | null) => !!u && EDITORS.includes(u.role),
  upload: (u: api.User | null) => !!u && UPLOADERS.includes(u.role),
}

export class LoginPanel {
  /** County code → name, for the user's scope (set once the clusters are known). */
  countyName: (code: string) => string = (code) => code

  constructor(private root: HTMLElement, private onChange: (user: api.User | null) => void) {}

  render(user: api.User | null): void {
    if (user) {
      const role = user.role as string
      // the security and audit officers see no land data (separated duties): no county scope, and
      // their own screens instead
      const duty = role === 'security' || role === 'audit'
      const scope = duty ? '' : user.county_scope ? `（${user.county_scope.map((c) => this.countyName(c)).join('、')}）` : '（全市）'
      const screens = role === 'security' ? '<button type="button" id="open-users">用户管理</button>'
        : role === 'audit' ? '<button type="button" id="open-audit">审计记录</button>' : ''
      this.root.innerHTML = `<span class="user" data-testid="user">${escapeHtml(user.display_name)} · ${escapeHtml(label('role', role))}${scope}</span>
        ${screens}<button type="button" id="logout">退出</button>`
      const users = this.root.querySelector<HTMLButtonElement>('#open-users')
      if (users) users.onclick = () => openUsers()
      const audit = this.root.querySelector<HTMLButtonElement>('#open-audit')
      if (audit) audit.onclick = () => openAudit()
      this.root.querySelector<HTMLButtonElement>('#logout')!.onclick = async () => {
        await api.logout()
        this.onChange(null)
      }
      return
    }
    this.root.innerHTML = `<form id="login-form" autocomplete="on">
        <input name="username" placeholder="用户名" required autocomplete="username" aria-label="用户名">
        <input name="password" type="password" placeholder="密码" required autocomplete="current-password" aria-label="密码">
        <button type="submit">登录</button>
        <span class="error" id="login-error" role="alert"></span>
      </form>`
    const form = this.root.querySelector<HTMLFormElement>('#login-form')!
    form.onsubmit = async (e) => {
      e.preventDefault()
      const data = new FormData(form)
      const error = this.root.querySelector<HTMLElement>('#login-error')!
      error.textContent = ''
      try {
        const u = await api.login(String(data.get('username')), String(data.get('password')))
        // the steps after the password: a second factor, its set-up, a forced change (account.ts)
        const step = await currentStep()
        if (step !== 'ok') {
          try {
            await runSteps(step)
          } catch {
            this.onChange(null)
            return
          }
        }
        this.onChange(u)
      } catch (err) {
        error.textContent = err instanceof api.ApiError ? err.message.split(' / ')[0]! : '登录失败'
      }
    }
  }
}
