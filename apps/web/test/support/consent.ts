import type { Page } from 'playwright-core';

/**
 * The referring doctor records, on the referral page, that the patient consented aloud to remote diagnosis before
 * a witness (now): the step the rules ask for before the referral can be submitted.
 */
export async function recordVerbalConsent(page: Page, witness = '王芳（护士）'): Promise<void> {
  await page.getByTestId('consent-choose-verbal').click();
  await page.getByTestId('consent-witness').fill(witness);
  await page.getByTestId('consent-save-verbal').click();
  await page.locator('[data-testid=consent-summary][data-consent=verbal]').waitFor();
}
