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
} as const

export const notFound = (what: string, id: string) => new HttpError(404, 'not_found', MESSAGES.notFound(what, id))
