// The register editor in Chromium, as the performance team (ADMIN) uses it: Register → Add an
// indicator (every problem of an empty form listed at once), then its targets as a grid
// (financial years across, quarters below): a cell that is not a number is refused in the
// browser, a quarter outside the plan by the server (nothing saved), then "Check your
// answers" and the targets are saved. axe-core runs on each page.
//
// Arguments: { base, token, priority, owner, other, director, officerId } (user ids)
// Result: { emptyErrors, years, rows, cellError, serverErrors, check, notice, axe, artifacts }
import { axe, scenario, screenshot, typeInto } from './lib.mjs';

scenario(async (t) => {
  const { base, token, priority, owner } = t.args;
  const violations = {};
  const artifacts = {};
  const page = await t.newPage();
  await page.goto(`${base}/#token=${encodeURIComponent(token)}`);
  await page.locator('#register-link').click();
  await page.locator('#register-table').waitFor();
  violations.register = await axe(page);
  await page.locator('#add-indicator').click();
  await page.locator('#indicator-form').waitFor();

  await page.locator('#create-indicator').click();
  await page.locator('#error-summary').waitFor();
  const emptyErrors = await page.$$eval('#error-summary li', (lis) => lis.map((li) => li.textContent));
  violations.newIndicator = await axe(page);

  await typeInto(page, '#ind-ref', 'T1');
  await typeInto(page, '#ind-title', 'Tenancies sustained');
  await page.locator('#ind-priority').selectOption(priority);
  await page.locator('#ind-owner').selectOption(owner);
  await page.locator('#ind-unit').selectOption('PERCENT');
  await page.locator('#ind-polarity').selectOption('HIGHER_IS_BETTER');
  await page.locator('#ind-frequency').selectOption('QUARTERLY');
  await page.locator('#ind-published').check();
  artifacts.newIndicator = await screenshot(page, 'register-new-indicator.png');
  await page.locator('#create-indicator').click();

  await page.locator('#targets-grid').waitFor();
  const years = await page.$$eval('#targets-grid thead th', (ths) => ths.map((th) => th.textContent));
  const rows = await page.$$eval('#targets-grid tbody th', (ths) => ths.map((th) => th.textContent));
  await typeInto(page, '#target-2025-26', '90');
  await typeInto(page, '#target-2025-26-Q3', '88');
  await typeInto(page, '#target-2025-26-Q4', 'ninety');
  await page.locator('#review-targets').click();
  await page.locator('#error-summary').waitFor();
  const cellError = await page.locator('#error-summary').innerText();

  // The server's own check: Q1 is before the plan starts; nothing is saved.
  await typeInto(page, '#target-2025-26-Q4', '92');
  await typeInto(page, '#target-2025-26-Q1', '80');
  await page.locator('#review-targets').click();
  await page.locator('#check-answers').waitFor();
  await page.locator('#confirm-targets').click();
  await page.locator('#error-summary').waitFor();
  const serverErrors = await page.$$eval('#error-summary li', (lis) => lis.map((li) => li.textContent));
  violations.targetsRefused = await axe(page);
  artifacts.targetsRefused = await screenshot(page, 'register-targets-refused.png');

  await page.locator('#target-2025-26-Q1').fill('');
  await page.locator('#review-targets').click();
  await page.locator('#check-answers').waitFor();
  const check = await page.$$eval('#check-table tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  violations.check = await axe(page);
  artifacts.check = await screenshot(page, 'register-check-answers.png');
  await page.locator('#confirm-targets').click();
  await page.locator('#notice', { hasText: 'Saved' }).waitFor();
  const notice = await page.locator('#notice').innerText();
  artifacts.targets = await screenshot(page, 'register-targets.png');
  // Users: a role and a line manager changed; a line manager who reports to the user refused.
  await page.locator('a', { hasText: '← Back to the register' }).click();
  await page.locator('#users-link').click();
  await page.locator('#users-table').waitFor();
  violations.users = await axe(page);
  await page.locator(`#users-table tr[data-id="${t.args.other}"] a`).click();
  await page.locator('#user-form').waitFor();
  await page.locator('#user-role').selectOption('MANAGER');
  await page.locator('#user-manager').selectOption(t.args.director);
  await page.locator('#save-user').click();
  await page.locator('#notice', { hasText: 'Saved Oscar Other' }).waitFor();
  await page.locator(`#users-table tr[data-id="${t.args.director}"] a`).click();
  await page.locator('#user-form').waitFor();
  await page.locator('#user-manager').selectOption(t.args.officerId);
  await page.locator('#save-user').click();
  await page.locator('#error-summary').waitFor();
  const cycle = await page.locator('#error-summary').innerText();
  violations.user = await axe(page);
  artifacts.user = await screenshot(page, 'register-user-refused.png');
  // The council's settings: two problems at once, then saved.
  await page.locator('a', { hasText: '← Back to the users' }).click();
  await page.locator('a', { hasText: '← Back to the register' }).click();
  await page.locator('#settings-link').click();
  await page.locator('#settings-form').waitFor();
  await typeInto(page, '#set-deadline', '31');
  await typeInto(page, '#set-reminder', '8am');
  await page.locator('#save-settings').click();
  await page.locator('#error-summary').waitFor();
  const settingsErrors = await page.$$eval('#error-summary li', (lis) => lis.map((li) => li.textContent));
  violations.settings = await axe(page);
  await typeInto(page, '#set-deadline', '15');
  await typeInto(page, '#set-reminder', '07:30');
  await page.locator('#save-settings').click();
  await page.locator('#notice', { hasText: 'Saved the council' }).waitFor();
  // Exception recipients of the priority: the director ticked, saved.
  await page.locator('a', { hasText: '← Back to the register' }).click();
  await page.locator('#recipients-link').click();
  const recipients = page.locator(`form[data-priority="${priority}"]`);
  await recipients.waitFor();
  await recipients.locator(`#recipient-${priority}-${t.args.director}`).check();
  await recipients.locator('button').click();
  await page.locator('#recipients-status', { hasText: 'Saved' }).waitFor();
  const recipientsStatus = await page.locator('#recipients-status').innerText();
  violations.recipients = await axe(page);
  return { recipientsStatus, settingsErrors, cycle, emptyErrors, years, rows, cellError, serverErrors, check, notice, axe: violations, artifacts };
});
