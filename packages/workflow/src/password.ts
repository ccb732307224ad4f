/** The shortest password a staff account takes. */
export const PASSWORD_MIN = 10;
/** The longest password a staff account takes (argon2id hashes any length; this bounds the work per attempt). */
export const PASSWORD_MAX = 128;

/** Why a password is refused: the codes the API answers and the admin screen translates. */
export const PASSWORD_PROBLEMS = ['too_short', 'too_long', 'needs_letter_and_digit', 'contains_username'] as const;
/** One of {@link PASSWORD_PROBLEMS}. */
export type PasswordProblem = (typeof PASSWORD_PROBLEMS)[number];

/**
 * The password rules of staff accounts, the same on the admin screen (checked before sending) and in the API.
 *
 * @param password - the password as typed
 * @param username - the account's user name (a password may not contain it)
 * @returns the first rule the password breaks, or null when it keeps them all
 */
export function passwordProblem(password: string, username: string): PasswordProblem | null {
  if (password.length < PASSWORD_MIN) return 'too_short';
  if (password.length > PASSWORD_MAX) return 'too_long';
  if (!/\p{L}/u.test(password) || !/\p{Nd}/u.test(password)) return 'needs_letter_and_digit';
  if (username.length >= 3 && password.toLowerCase().includes(username.toLowerCase())) return 'contains_username';
  return null;
}
