/** Passwords (argon2id, a maintained native library) and bearer tokens (random, stored hashed). */
import crypto from 'node:crypto'
import { hash, verify } from '@node-rs/argon2'

export const hashPassword = (password: string) => hash(password)
export const verifyPassword = (passwordHash: string, password: string) => verify(passwordHash, password).catch(() => false)

export function newToken(): { token: string; tokenHash: string } {
  const token = crypto.randomBytes(32).toString('base64url')
  return { token, tokenHash: hashToken(token) }
}

export const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex')

/** A password made for someone (the bootstrap admin, a new account, a reset): 18 random
 * characters holding all four classes, so that it passes any password policy OneMap accepts. */
export function newPassword(): string {
  const pick = (set: string) => set[crypto.randomInt(set.length)]!
  const chars = [...crypto.randomBytes(14).toString('base64url'), pick('abcdefghijkmnpqrstuvwxyz'), pick('ABCDEFGHJKLMNPQRSTUVWXYZ'), pick('23456789'), pick('-_.!')]
  for (let i = chars.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1)
    ;[chars[i], chars[j]] = [chars[j]!, chars[i]!]
  }
  return chars.join('')
}
