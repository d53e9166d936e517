/** The password policy (身份鉴别, GB/T 22239-2019 8.1.4.1 a: "口令具有复杂度要求并定期更换"):
 * a minimum length, characters of several classes, not the user name, not one of the account's
 * last N passwords; a password set by someone else (a bootstrap, a new account, a reset) or older
 * than passwordMaxDays is changed at the next sign-in. The settings are ONEMAP_PASSWORD_* (config.ts). */
import type { SignInSettings } from './config'

export const POLICY_MESSAGES = {
  tooShort: (n: number) => `密码至少 ${n} 位 / the password needs at least ${n} characters`,
  classes: (n: number) => `密码须包含小写字母、大写字母、数字、其他字符中的至少 ${n} 类 / the password needs characters of at least ${n} of the classes lower case, upper case, digits, other`,
  username: '密码不能包含用户名 / the password may not contain the user name',
  reused: (n: number) => `不能使用最近 ${n} 次用过的密码 / the password may not be one of your last ${n}`,
  same: '新密码不能与当前密码相同 / the new password must differ from the current one',
  mustChange: '请先修改密码（首次登录、密码已重置或已过期）/ change your password first: it was set for you, or it expired',
  wrongCurrent: '当前密码错误 / the current password is wrong',
} as const

const CLASSES = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/]

/** What is wrong with a new password under the policy, or null (the history is checked apart). */
export function policyProblem(password: string, username: string, s: SignInSettings): string | null {
  if ([...password].length < s.passwordMinLength) return POLICY_MESSAGES.tooShort(s.passwordMinLength)
  if (CLASSES.filter((c) => c.test(password)).length < s.passwordClasses) return POLICY_MESSAGES.classes(s.passwordClasses)
  if (password.toLowerCase().includes(username.toLowerCase())) return POLICY_MESSAGES.username
  return null
}

/** Whether a password must be changed before anything else: set by someone else, or too old. */
export function mustChange(u: { password_must_change: boolean; password_changed_at: Date }, s: SignInSettings, now = Date.now()): boolean {
  return u.password_must_change || (s.passwordMaxDays > 0 && now - u.password_changed_at.getTime() > s.passwordMaxDays * 86_400_000)
}
