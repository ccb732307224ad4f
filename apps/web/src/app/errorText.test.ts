import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { READING_ERRORS } from '../features/reading/errors';
import { ADMIN_ERRORS } from '../features/admin/shared';
import { CRITICAL_ERRORS } from '../features/critical/errors';
import { I18nProvider } from '../i18n/i18n';
import { zhCN } from '../i18n/zh-CN';
import { ApiError, NetworkError } from '../lib/api';
import { useErrorText, type ErrorWording } from '../lib/errors';
import { FEATURE_MESSAGES } from './messages';

/** The text useErrorText gives for `err` with an area's wording, in the app's first language (Chinese). */
function textOf(err: unknown, wording?: ErrorWording): string {
  let text = '';
  function Probe() {
    text = useErrorText(wording)(err);
    return null;
  }
  renderToString(createElement(I18nProvider, { features: FEATURE_MESSAGES, children: createElement(Probe) }));
  return text;
}

const refused = (code: string, details?: Record<string, unknown>) => new ApiError(409, code, 'refused', details);

describe('useErrorText: one hook, the areas’ wording as data', () => {
  it('gives the common texts without wording', () => {
    expect(textOf(new NetworkError())).toBe(textOf(new NetworkError(), READING_ERRORS));
    expect(textOf(refused('STALE_STATE'))).toBe(zhCN['error.STALE_STATE']);
    expect(textOf(refused('SOMETHING_NEW'))).toMatch(/\(SOMETHING_NEW\)$/);
    expect(textOf(new Error('boom'))).not.toContain('boom');
  });

  it('says a rule’s reason by the workflow’s label (referral and reading areas)', () => {
    const err = refused('STALE_STATE', { reason: 'stale_plan_version' });
    expect(textOf(err, READING_ERRORS)).not.toBe(textOf(err));
    expect(textOf(err, READING_ERRORS)).toMatch(/[\u4e00-\u9fff]/);
  });

  it('names the report’s missing fields by their names on the form', () => {
    const err = new ApiError(400, 'VALIDATION_FAILED', 'invalid', { fields: ['findings', 'impression', 'other'] });
    const text = textOf(err, READING_ERRORS);
    expect(text).toContain(
      `${FEATURE_MESSAGES.zh['reading.findings']}、${FEATURE_MESSAGES.zh['reading.impression']}、`,
    );
    expect(text).toContain('other');
    expect(text).not.toContain('findings');
  });

  it('finds an admin reason under the area’s key prefixes', () => {
    const err = refused('CONFLICT', { reason: 'last_admin' });
    expect(textOf(err, ADMIN_ERRORS)).toBe('网络中至少需要一名在用的管理员。');
    expect(textOf(refused('CONFLICT', { reason: 'not_a_known_reason' }), ADMIN_ERRORS)).toBe(
      textOf(refused('CONFLICT')),
    );
  });

  it('gives an area’s own text for an error code', () => {
    const err = refused('READ_BACK_MISMATCH');
    expect(textOf(err, CRITICAL_ERRORS)).not.toBe(textOf(err));
    expect(textOf(err)).toMatch(/\(READ_BACK_MISMATCH\)$/);
  });
});
