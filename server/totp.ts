/** The second factor (身份鉴别 8.1.4.1 d, "两种或两种以上组合的鉴别技术"): TOTP (RFC 6238: SHA-1,
 * 6 digits, 30 s, the form every authenticator app reads) with otplib, and one-time recovery
 * codes. A code is taken within one step either side of now (clock drift) and once only: the
 * step it was accepted at is kept (users repo acceptTotpStep). */
import crypto from 'node:crypto'
import { generateSecret, generateURI, verify } from 'otplib'
import QRCode from 'qrcode'

export const TOTP_MESSAGES = {
  wrongCode: '动态口令或恢复码错误 / the code (or recovery code) is wrong or was already used',
  noStep: '当前会话无需动态口令 / this session is not waiting for a second factor',
  required: '请输入动态口令（身份验证器 App 中的 6 位数字）/ enter the 6-digit code of your authenticator app',
  enrolRequired: '此角色须先绑定动态口令（身份验证器 App）/ this role must set up a second factor (an authenticator app) first',
  noPending: '请先开始绑定（POST /api/auth/totp/enrol）/ start the set-up first',
  enrolled: '已绑定动态口令 / a second factor is already set up',
} as const

export const RECOVERY_CODES = 10

/** A new secret (160 bits, base32), its otpauth:// URI and that URI as an SVG QR code. */
export async function newEnrolment(issuer: string, username: string): Promise<{ secret: string; uri: string; qr_svg: string }> {
  const secret = generateSecret()
  const uri = generateURI({ issuer, label: username, secret })
  const qr_svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
  return { secret, uri, qr_svg }
}

/** The time step a code is right for (one step of drift either way), after `afterStep`; null: wrong. */
export async function codeStep(secret: string, code: string, afterStep: number | null): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null
  const r = await verify({ secret, token: code, epochTolerance: 30, ...(afterStep !== null ? { afterTimeStep: afterStep } : {}) })
  // a TOTP result carries the step it matched (otplib's union type also covers HOTP's)
  return r.valid ? (r as { timeStep: number }).timeStep : null
}

const BASE32 = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789' // no I, O, 0, 1: read aloud and typed without doubt

/** Ten recovery codes of 80 random bits each, XXXX-XXXX-XXXX-XXXX, shown once. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODES }, () => {
    const chars = Array.from(crypto.randomBytes(16), (b) => BASE32[b & 31]!).join('')
    return chars.match(/.{4}/g)!.join('-')
  })
}

/** How a recovery code is kept: sha256 of its letters, without dashes or case. */
export const recoveryHash = (code: string) => crypto.createHash('sha256').update(code.replace(/[-\s]/g, '').toUpperCase()).digest('hex')

export const isRecoveryCode = (code: string) => /^[A-Za-z2-9]{4}(-?[A-Za-z2-9]{4}){3}$/.test(code.trim())
