/** 统一社会信用代码 (unified social credit code, GB 32100-2015) with real check characters, so
 * that demo enterprises pass the same validation a real upload would.
 *
 * Layout: 1 registration authority (9 = market regulation) · 2 entity type (1 = enterprise) ·
 * 3–8 county code of the registering office · 9–17 organisation code (GB 11714, 8 characters and
 * its own check character) · 18 check character over the first 17. */

/** The 31 characters of GB 32100 (no I, O, Z, S, V), in value order. */
export const CREDIT_CODE_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

/** The pattern of the enterprise.credit_code CHECK in sql/migrations/001_land_model.sql. */
export const CREDIT_CODE_PATTERN = /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/

/** GB 11714 check character of an 8-character organisation code body (digits and A–Z). */
export function orgCodeCheck(body: string): string {
  if (!/^[0-9A-Z]{8}$/.test(body)) throw new RangeError(`organisation code body "${body}" is not 8 of [0-9A-Z]`)
  let sum = 0
  for (let i = 0; i < 8; i++) sum += parseInt(body[i]!, 36) * ORG_WEIGHTS[i]!
  const c = 11 - (sum % 11)
  return c === 10 ? 'X' : c === 11 ? '0' : String(c)
}

/** GB 32100 check character of the first 17 characters. */
export function creditCodeCheck(first17: string): string {
  if (first17.length !== 17) throw new RangeError(`need 17 characters, got ${first17.length}`)
  let sum = 0
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_CODE_CHARS.indexOf(first17[i]!)
    if (v < 0) throw new RangeError(`"${first17[i]}" is not a credit-code character`)
    sum += v * CREDIT_WEIGHTS[i]!
  }
  return CREDIT_CODE_CHARS[(31 - (sum % 31)) % 31]!
}

/** True when both check characters (organisation code and the whole code) are right. */
export function isValidCreditCode(code: string): boolean {
  if (!CREDIT_CODE_PATTERN.test(code)) return false
  const org = code.slice(8, 16)
  if (/^[0-9A-Z]{8}$/.test(org) && orgCodeCheck(org) !== code[16]) return false
  return creditCodeCheck(code.slice(0, 17)) === code[17]
}

/** A valid enterprise code registered in `countyCode`, with `serial` (< 10^8) mapped one-to-one
 * onto the organisation code body; `salt` varies the mapping between seeds. */
export function makeCreditCode(countyCode: string, serial: number, salt: number): string {
  if (!Number.isInteger(serial) || serial < 0 || serial >= 1e8) throw new RangeError(`serial ${serial} out of range`)
  // 48271 is prime and coprime to 10^8, so this is a permutation of [0, 10^8).
  const body = String((serial * 48271 + (salt % 1e8)) % 1e8).padStart(8, '0')
  const first17 = `91${countyCode}${body}${orgCodeCheck(body)}`
  return first17 + creditCodeCheck(first17)
}
