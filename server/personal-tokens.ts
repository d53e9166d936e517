/** Personal access tokens (个人访问令牌): what a desktop tool sends instead of a session token
 * (QGIS's Basic and API-header authentication, GDAL's GDAL_HTTP_USERPWD or GDAL_HTTP_HEADERS,
 * ArcGIS Pro's Basic). `omp_` and 32 random bytes in base64url, so the auth plugin tells it from a
 * session token by its form alone and refuses anything else without a database look-up; stored as
 * its SHA-256 like a session (server/auth.ts). Accepted as `Authorization: Bearer omp_…` or as the
 * password of HTTP Basic (username + token). Never in a URL: a query carrying one is refused, and
 * the request log masks it. */
import crypto from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { User } from './db/repos/users'
import { hashToken } from './auth'
import { DUTY_ROLES, type Role } from './config'
import { publish, type SessionRevoked } from './events'

export const PERSONAL_TOKEN_PREFIX = 'omp_'
export const PERSONAL_TOKEN_FORMAT = /^omp_[A-Za-z0-9_-]{43}$/
/** Anything in a URL that looks like one of ours (refused, and masked in logs). */
export const TOKEN_IN_URL = /omp_[A-Za-z0-9_-]{8,}/
const TOKEN_IN_TEXT = new RegExp(TOKEN_IN_URL.source, 'g')

export type TokenScope = 'read' | 'read_write'

/** How the caller proved who it is: a session of the web map's login, or a personal token. */
export type Credential = { kind: 'session' } | {
  kind: 'token'; id: number
  /** what the token may do now: 'read' when it was made so, or when its owner signs in with a second factor */
  scope: TokenScope
  secondFactor: boolean
}

export interface TokenOwner {
  user: User
  tokenId: number
  scope: TokenScope
  /** the owner's sign-in takes a second factor (TOTP): a token of theirs may only read */
  secondFactor: boolean
}

/** Whether an account signs in with a second factor: it set one up, or its role must have one
 * (admin, security, audit when ONEMAP_TOTP_REQUIRED; server/routes/auth login). A token never
 * stands in for that factor: such an owner's tokens may only read (GB/T 22239-2019 8.1.4.1:
 * administrators authenticated by two factors). */
export const signsInWithSecondFactor = (role: Role, totpEnrolled: boolean, totpRequired: boolean) =>
  totpEnrolled || (totpRequired && DUTY_ROLES.includes(role))

export function newPersonalToken(): { token: string; tokenHash: string; displayPrefix: string } {
  const token = PERSONAL_TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url')
  return { token, tokenHash: hashToken(token), displayPrefix: token.slice(0, 8) }
}

/** The credentials of a request: a bearer token, or HTTP Basic's user name and password. */
export type Presented =
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'malformed' }

export function presented(request: FastifyRequest): Presented | null {
  const h = request.headers.authorization
  if (!h) return null
  const bearer = /^Bearer\s+(\S+)$/i.exec(h)
  if (bearer) return { kind: 'bearer', token: bearer[1]! }
  const basic = /^Basic\s+([A-Za-z0-9+/=]{1,1024})$/i.exec(h)
  if (!basic) return { kind: 'malformed' }
  // RFC 7617: user-id ":" password, UTF-8; the user-id cannot hold a colon, the password can
  const text = Buffer.from(basic[1]!, 'base64').toString('utf8')
  const colon = text.indexOf(':')
  if (colon < 0) return { kind: 'malformed' }
  return { kind: 'basic', username: text.slice(0, colon), password: text.slice(colon + 1) }
}

/** Token hash → its owner for a few seconds (as sessions are cached, plugins/auth.ts), so a desktop
 * tool paging through a layer does not look the token up once a page. Revoking drops the entry at
 * once; a token that expires or a user deactivated keeps working here for at most CACHE_MS. */
const CACHE_MS = 5_000

export class PersonalTokenCache {
  private entries = new Map<string, { owner: TokenOwner; until: number }>()
  get(tokenHash: string): TokenOwner | undefined {
    const e = this.entries.get(tokenHash)
    if (!e) return undefined
    if (e.until < Date.now()) {
      this.entries.delete(tokenHash)
      return undefined
    }
    return e.owner
  }
  set(tokenHash: string, owner: TokenOwner): void {
    if (this.entries.size > 10_000) this.entries.clear()
    this.entries.set(tokenHash, { owner, until: Date.now() + CACHE_MS })
  }
  /** Drops every entry of a token (by id: its hash is not known to whoever revokes it), here and,
   * through the change channel, in every process (server/events.ts, server/signals.ts). */
  dropToken(tokenId: number): void {
    this.forget({ kind: 'session-revoked', tokenId })
    publish({ kind: 'session-revoked', tokenId })
  }
  /** Drops every entry of a user, in every process. */
  dropUser(userId: number): void {
    this.forget({ kind: 'session-revoked', userId })
    publish({ kind: 'session-revoked', userId })
  }
  /** What a revocation (of this process or another) drops here. */
  forget(m: SessionRevoked): void {
    for (const [hash, e] of this.entries) {
      if (hash === m.tokenHash || e.owner.tokenId === m.tokenId || e.owner.user.id === m.userId) this.entries.delete(hash)
    }
  }
  clear(): void {
    this.entries.clear()
  }
}

/** Methods a read-only token may use. */
export const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The URL with every token-like value masked, for the request log. */
export const maskTokens = (url: string) => url.replace(TOKEN_IN_TEXT, 'omp_***')

export const TOKEN_MESSAGES = {
  badBasic: 'HTTP Basic 认证需要用户名和有效的个人访问令牌（不接受账户密码）/ HTTP Basic takes your user name and a valid personal access token as the password (never the account password): the token is unknown, expired, revoked, or not yours',
  readOnly: '此个人访问令牌为只读，不能修改数据 / this personal access token is read-only: it cannot change anything',
  readOnlySecondFactor: '您的账户登录需要动态口令，个人访问令牌只能读取；修改请用密码和动态口令登录 / your account signs in with a second factor (TOTP), so a personal access token of yours may only read: sign in with your password and code to change anything',
  readWriteSecondFactor: '您的账户登录需要动态口令，只能新建只读令牌（scope: read）/ your account signs in with a second factor (TOTP): your tokens may only read (scope: read)',
  dutyRole: (role: string) => `${role} 角色不使用个人访问令牌，请用密码和动态口令登录 / the ${role} role does not use personal access tokens (it sees no land data, all a desktop tool reads): sign in with your password and second factor`,
  needsSession: '管理个人访问令牌需要用账户密码登录（不能用令牌）/ tokens are made and revoked after signing in with your password, not with a token',
  tooMany: (max: number) => `有效令牌已达 ${max} 个，请先撤销不用的令牌 / you have ${max} live tokens: revoke one you no longer use first`,
  nameTaken: (name: string) => `已有同名的有效令牌“${name}” / you have a live token named "${name}" already`,
  notFound: (id: number) => `没有可撤销的令牌 ${id} / no live token ${id} of yours`,
  inUrl: '令牌不能放在网址中，请用 Authorization 请求头（Bearer 或 HTTP Basic）/ a token never goes in a URL (it would be logged and kept in histories): send it in the Authorization header, as Bearer or as the HTTP Basic password',
} as const
