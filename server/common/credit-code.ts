/** 统一社会信用代码 (GB 32100-2015): 18 characters from a 31-character set (no I, O, S, V, Z); the
 * last is a check character over the first 17 with weights 3^i mod 31. Shared with the web map. */
const CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

/** The check character the first 17 characters call for, or null when one is outside the set. */
export function creditCodeCheck(first17: string): string | null {
  let sum = 0
  for (let i = 0; i < 17; i++) {
    const v = CHARS.indexOf(first17[i] ?? '')
    if (v < 0) return null
    sum += v * WEIGHTS[i]!
  }
  return CHARS[(31 - (sum % 31)) % 31]!
}

/** Why a credit code is not valid (Chinese / English), or null when it is. */
export function creditCodeProblem(code: string): string | null {
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) {
    return '应为 18 位：登记管理部门码、机构类别码、6 位行政区划码、9 位组织机构代码和校验码（不含 I、O、S、V、Z）/ must be 18 characters of GB 32100-2015 (no I, O, S, V, Z)'
  }
  const want = creditCodeCheck(code.slice(0, 17))
  if (want !== code[17]) return `校验码应为 ${want}，实为 ${code[17]} / the check character should be ${want}, not ${code[17]}`
  return null
}
