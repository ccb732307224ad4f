import { PASSWORD_MAX, PASSWORD_MIN, passwordProblem } from './password.js';

describe('the password rules of staff accounts', () => {
  it.each([
    ['a letter and a digit, long enough', 'kaiyuan2026', 'wang.li', null],
    ['Chinese letters count as letters', '心电图诊断中心的医生12', 'wang.li', null],
    ['one short', 'abcdefgh1', 'wang.li', 'too_short'],
    ['exactly the shortest', 'abcdefghi1', 'wang.li', null],
    ['too long', `a1${'x'.repeat(PASSWORD_MAX - 1)}`, 'wang.li', 'too_long'],
    ['exactly the longest', `a1${'x'.repeat(PASSWORD_MAX - 2)}`, 'wang.li', null],
    ['no digit', 'abcdefghijk', 'wang.li', 'needs_letter_and_digit'],
    ['no letter', '12345678901', 'wang.li', 'needs_letter_and_digit'],
    ['contains the user name, any case', 'xWANG.LI2026', 'wang.li', 'contains_username'],
    ['a user name under 3 characters is not looked for', 'abxy2026klm', 'ab', null],
  ])('%s', (_, password, username, problem) => {
    expect(passwordProblem(password, username)).toBe(problem);
  });

  it('keeps its bounds in order', () => {
    expect(PASSWORD_MIN).toBeLessThan(PASSWORD_MAX);
  });
});
