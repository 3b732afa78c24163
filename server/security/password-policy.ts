// The minimum password policy for operators, in the spirit of NIST SP 800-63B: long enough, not one
// of the passwords every guesser tries first, not the user name — and no composition rules (they
// make passwords harder to remember, not to guess). Pure; one clear message per refusal.

export const MIN_PASSWORD_LENGTH = 8;
/** scrypt's cost grows with the input: a megabyte "password" is a denial of service, not a secret */
export const MAX_PASSWORD_LENGTH = 256;

/** The passwords tried first by every guesser (top of the public breach lists), at least 8 long. */
const COMMON = new Set([
  'password', 'password1', 'password123', 'passw0rd', 'p@ssw0rd', 'p@ssword', '12345678', '123456789', '1234567890',
  '87654321', '11111111', '00000000', '88888888', '66666666', '12341234', '11223344', '123123123', '147258369',
  'qwertyui', 'qwertyuiop', 'qwerty123', '1qaz2wsx', '1q2w3e4r', 'q1w2e3r4', 'asdfghjk', 'zxcvbnm1', 'abcd1234',
  'a1b2c3d4', 'iloveyou', 'sunshine', 'princess', 'football', 'baseball', 'welcome1', 'admin123', 'administrator',
  'letmein1', 'changeme', 'trustno1', 'superman', 'woaini1314', '5201314520', 'aa123456', 'a12345678', 'abc12345',
  'abc123456', 'qq123456', 'smartestate', 'smart-estate',
]);

const SEQUENCES = ['0123456789', '9876543210', 'abcdefghijklmnopqrstuvwxyz', 'zyxwvutsrqponmlkjihgfedcba', 'qwertyuiop', 'asdfghjkl'];

/** null = acceptable; otherwise why not (English; the API returns it as `error`). */
export function passwordProblem(password: string, username?: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `password too short: at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `password too long: at most ${MAX_PASSWORD_LENGTH} characters`;
  const lower = password.toLowerCase();
  if (username && lower === username.toLowerCase()) return 'password must not be the user name';
  if (new Set(lower).size === 1) return 'password too simple: one character repeated';
  if (SEQUENCES.some((s) => s.includes(lower))) return 'password too simple: a run of consecutive keys or digits';
  if (COMMON.has(lower)) return 'password too common: it is among the first a guesser tries';
  return null;
}
