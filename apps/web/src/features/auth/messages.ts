// Messages of sign-in's second step and of the second-factor page: 简体中文 first (its keys are the
// message keys), English with exactly the same keys.
export const zh = {
  'mfa.title': '两步验证',
  'mfa.codeTitle': '输入验证码',
  'mfa.codeHelp':
    '打开手机上的身份验证器应用（如 Microsoft Authenticator、Google 身份验证器），输入“Zhiyin（知医）”显示的 6 位数字。',
  'mfa.code': '验证码',
  'mfa.recoveryHint': '手机不在身边？可以输入一个恢复码（每个只能用一次）。',
  'mfa.verify': '验证',
  'mfa.verifying': '正在验证…',
  'mfa.back': '返回重新登录',
  'mfa.enrollRequired': '您的角色要求使用两步验证。请先设置，然后继续登录。',
  'mfa.scan': '1. 用身份验证器应用扫描二维码：',
  'mfa.qrAlt': '用于添加到身份验证器应用的二维码',
  'mfa.manual': '无法扫描？手动输入密钥：',
  'mfa.confirmStep': '2. 输入应用显示的 6 位验证码，确认设置：',
  'mfa.confirm': '确认并启用',
  'mfa.start': '设置两步验证',
  'mfa.recoveryTitle': '恢复码',
  'mfa.recoveryHelp':
    '请把这些恢复码抄下或打印，妥善保存。手机丢失时，每个恢复码可代替验证码使用一次。它们只显示这一次。',
  'mfa.recoverySaved': '我已保存恢复码，继续',
  'mfa.enabled': '两步验证已启用。',
  'mfa.notEnabled': '两步验证未启用。登录时只需密码。',
  'mfa.requiredForRole': '您的角色要求使用两步验证，不能关闭。',
  'mfa.codesLeft': '剩余可用的恢复码：{count} 个。',
  'mfa.disableTitle': '关闭两步验证',
  'mfa.disableHelp': '输入当前验证码或一个恢复码以关闭。',
  'mfa.disable': '关闭两步验证',
  'mfa.disabled': '两步验证已关闭。',
  'mfa.renew': '生成新的恢复码',
  'mfa.renewHelp': '输入当前验证码；旧的恢复码将失效。',
  'mfa.link': '两步验证',
  'mfa.policyTitle': '两步验证要求',
  'mfa.policyHelp': '所选角色的用户登录时必须使用两步验证；尚未设置的用户会在下次登录时被要求设置。',
  'mfa.policyRoles': '必须使用两步验证的角色',
  'mfa.policySave': '保存两步验证要求',
  'mfa.policySaved': '已保存。',
  'error.INVALID_SECOND_FACTOR': '验证码不正确、已过期或已经用过。请输入应用中显示的新验证码。',
  'error.INVALID_CHALLENGE': '登录已超时，请重新输入用户名和密码。',
  'error.SECOND_FACTOR_REQUIRED': '您的角色要求使用两步验证，不能关闭。',
  'error.TOO_MANY_ATTEMPTS_WAIT': '尝试次数过多，请 {minutes} 分钟后再试。',
};

// This area's keys join the message keys (i18n/i18n.tsx).
declare module '../../i18n/i18n' {
  interface FeatureMessages {
    auth: typeof zh;
  }
}

export const en: Record<keyof typeof zh, string> = {
  'mfa.title': 'Two-step verification',
  'mfa.codeTitle': 'Enter your code',
  'mfa.codeHelp':
    'Open the authenticator app on your phone (e.g. Microsoft Authenticator, Google Authenticator) and enter the 6 digits shown for Zhiyin.',
  'mfa.code': 'Code',
  'mfa.recoveryHint': 'No phone at hand? Enter one of your recovery codes instead (each works once).',
  'mfa.verify': 'Verify',
  'mfa.verifying': 'Verifying…',
  'mfa.back': 'Back to sign-in',
  'mfa.enrollRequired': 'Your role requires two-step verification. Set it up to continue signing in.',
  'mfa.scan': '1. Scan the QR code with your authenticator app:',
  'mfa.qrAlt': 'QR code to add Zhiyin to an authenticator app',
  'mfa.manual': 'Cannot scan? Enter this key by hand:',
  'mfa.confirmStep': '2. Enter the 6-digit code the app shows to confirm:',
  'mfa.confirm': 'Confirm and turn on',
  'mfa.start': 'Set up two-step verification',
  'mfa.recoveryTitle': 'Recovery codes',
  'mfa.recoveryHelp':
    'Write these recovery codes down or print them and keep them safe. If you lose your phone, each one replaces a code once. They are shown only this once.',
  'mfa.recoverySaved': 'I have saved my recovery codes, continue',
  'mfa.enabled': 'Two-step verification is on.',
  'mfa.notEnabled': 'Two-step verification is off. Signing in needs only your password.',
  'mfa.requiredForRole': 'Your role requires two-step verification; it cannot be turned off.',
  'mfa.codesLeft': 'Recovery codes left: {count}.',
  'mfa.disableTitle': 'Turn off two-step verification',
  'mfa.disableHelp': 'Enter a current code or a recovery code to turn it off.',
  'mfa.disable': 'Turn off',
  'mfa.disabled': 'Two-step verification is off.',
  'mfa.renew': 'New recovery codes',
  'mfa.renewHelp': 'Enter a current code; the old recovery codes stop working.',
  'mfa.link': 'Two-step verification',
  'mfa.policyTitle': 'Two-step verification requirement',
  'mfa.policyHelp':
    'Users of the selected roles must sign in with two-step verification; those who have not set it up are asked to at their next sign-in.',
  'mfa.policyRoles': 'Roles that must use two-step verification',
  'mfa.policySave': 'Save the two-step requirement',
  'mfa.policySaved': 'Saved.',
  'error.INVALID_SECOND_FACTOR': 'The code is wrong, expired or already used. Enter the new code the app shows.',
  'error.INVALID_CHALLENGE': 'The sign-in timed out. Enter your user name and password again.',
  'error.SECOND_FACTOR_REQUIRED': 'Your role requires two-step verification; it cannot be turned off.',
  'error.TOO_MANY_ATTEMPTS_WAIT': 'Too many attempts. Try again in {minutes} minutes.',
};
