/** One kind of error for everything a user did wrong: a status, a stable code, and a message
 * that names what is wrong (Chinese first, English after, as the UI shows it). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message)
  }
}

export const MESSAGES = {
  unauthenticated: '请先登录 / login required: send Authorization: Bearer <token>',
  badCredentials: '用户名或密码错误 / wrong username or password',
  badToken: '登录已失效，请重新登录 / the token is unknown or expired: log in again',
  forbidden: (role: string) => `当前角色（${role}）无权执行此操作 / the role ${role} may not do this`,
  notFound: (what: string, id: string) => `未找到${what} ${id} / no ${what} ${id}`,
  routeNotFound: (method: string, url: string) => `没有此接口 / no route ${method} ${url}`,
  internal: '服务器内部错误，已记录 / internal error, logged with the request id',
  loginDelayed: (s: number) => `登录失败次数过多，请 ${s} 秒后再试 / too many failed logins: try again in ${s} s`,
  accountLocked: (min: number) => `该账户因多次登录失败已临时锁定，请 ${min} 分钟后再试或联系管理员 / this account is locked after repeated failed logins: try again in ${min} min, or ask an administrator`,
  addressLocked: (min: number) => `此地址登录失败次数过多，已临时锁定，请 ${min} 分钟后再试 / too many failed logins from this address: try again in ${min} min`,
  tooManyLogins: (s: number) => `登录请求过于频繁，请 ${s} 秒后再试 / too many login requests from this address: try again in ${s} s`,
} as const

export const notFound = (what: string, id: string) => new HttpError(404, 'not_found', MESSAGES.notFound(what, id))
