// The rest of the register editor in Chromium, as the performance team (ADMIN) uses it:
// Plans and priorities → Add a plan (the server refuses its dates the wrong way round, on
// the end date's field), then a priority and an objective under it; Actions → Add an action
// (two problems only the server can tell — a reference taken, an owner who is a VIEWER —
// listed at once), then saved and found by the search; an indicator changed (title,
// tolerance, owner). axe-core runs on each page; screenshots go to the artefacts folder.
//
// Arguments: { base, token, officer, viewer, indicator }
// Result: { planErrors, planInline, plans, priorities, objectives, actionErrors, actionInline,
//           actions, searched, indicatorNotice, users, axe, artifacts }
import { axe, scenario, screenshot, typeInto } from './lib.mjs';

const texts = (page, selector) => page.$$eval(selector, (nodes) => nodes.map((n) => n.textContent.trim()));

async function typeDate(page, id, [day, month, year]) {
  await typeInto(page, `#${id}-day`, day);
  await typeInto(page, `#${id}-month`, month);
  await typeInto(page, `#${id}-year`, year);
}

scenario(async (t) => {
  const { base, token, officer, viewer, indicator } = t.args;
  const violations = {};
  const artifacts = {};
  const page = await t.newPage();
  await page.goto(`${base}/#token=${encodeURIComponent(token)}`);
  await page.locator('#register-link').click();
  await page.locator('#register-table').waitFor();

  // A plan: its dates the wrong way round are the server's to refuse.
  await page.locator('#plans-link').click();
  await page.locator('#plans-table').waitFor();
  violations.plans = await axe(page);
  await page.locator('#add-plan').click();
  await page.locator('#plan-form').waitFor();
  await typeInto(page, '#plan-title', 'Housing Service Plan 2026-27');
  await page.locator('#plan-kind').selectOption('SERVICE_PLAN');
  await typeDate(page, 'plan-start', ['1', '4', '2026']);
  await typeDate(page, 'plan-end', ['31', '3', '2026']);
  await page.locator('#save-plan').click();
  await page.locator('#error-summary').waitFor();
  const planErrors = await texts(page, '#error-summary li');
  const planInline = await texts(page, '#plan-form .error-message');
  violations.planRefused = await axe(page);
  artifacts.planRefused = await screenshot(page, 'register-plan-refused.png');
  await typeDate(page, 'plan-end', ['31', '3', '2027']);
  await page.locator('#save-plan').click();
  await page.locator('#notice', { hasText: 'Added Housing Service Plan 2026-27' }).waitFor();
  violations.plan = await axe(page);

  // A priority of the new plan, then an objective under it.
  await page.locator('#add-priority').click();
  await page.locator('#priority-form').waitFor();
  await typeInto(page, '#priority-code', 'H1');
  await typeInto(page, '#priority-title', 'Homes people can afford');
  violations.priority = await axe(page);
  await page.locator('#save-priority').click();
  await page.locator('#priorities-table').waitFor();
  const priorities = await texts(page, '#priorities-table tbody th');
  await page.locator('#priorities-table tbody a').first().click();
  await page.locator('#add-objective').click();
  await page.locator('#objective-form').waitFor();
  await typeInto(page, '#objective-title', 'Fewer households in temporary accommodation');
  await page.locator('#save-objective').click();
  await page.locator('#objectives-list').waitFor();
  const objectives = await texts(page, '#objectives-list li');
  artifacts.priority = await screenshot(page, 'register-priority.png');
  await page.locator('a', { hasText: '← Back to Housing Service Plan 2026-27' }).click();
  await page.locator('#priorities-table').waitFor();
  await page.locator('a', { hasText: '← Back to the plans' }).click();
  await page.locator('#plans-table').waitFor();
  const plans = await texts(page, '#plans-table tbody th');

  // An action: a reference taken and a VIEWER owner, both told at once by the server.
  await page.locator('#actions-link').click();
  await page.locator('#actions-table').waitFor();
  violations.actions = await axe(page);
  await page.locator('#add-action').click();
  await page.locator('#action-form').waitFor();
  await page.locator('#action-priority').selectOption({ label: 'Housing Service Plan 2026-27: H1. Homes people can afford' });
  await typeInto(page, '#action-ref', 'A1');
  await typeInto(page, '#action-title', 'Buy 40 homes for temporary accommodation');
  await page.locator('#action-owner').selectOption(viewer);
  await typeDate(page, 'action-due', ['31', '3', '2027']);
  await page.locator('#save-action').click();
  await page.locator('#error-summary').waitFor();
  const actionErrors = await texts(page, '#error-summary li');
  const actionInline = await texts(page, '#action-form .error-message');
  violations.actionRefused = await axe(page);
  artifacts.actionRefused = await screenshot(page, 'register-action-refused.png');
  await typeInto(page, '#action-ref', 'H1.1');
  await page.locator('#action-owner').selectOption(officer);
  await page.locator('#save-action').click();
  await page.locator('#notice', { hasText: 'Added Buy 40 homes' }).waitFor();
  const actions = await texts(page, '#actions-table tbody th');
  await typeInto(page, '#actions-search', 'temporary homes');
  await page.locator('#actions-search').press('Enter');
  await page.locator('#actions-count', { hasText: '1 action.' }).waitFor();
  const searched = await texts(page, '#actions-table tbody th');

  // An indicator changed: its title, tolerance and owner.
  await page.locator('#indicators-link').click();
  await page.locator('#register-table').waitFor();
  await page.locator(`#register-table tr[data-id="${indicator}"] a`, { hasText: 'Change' }).click();
  await page.locator('#edit-indicator-form').waitFor();
  violations.editIndicator = await axe(page);
  await typeInto(page, '#edit-title', 'Calls answered within 60 seconds');
  await typeInto(page, '#edit-tolerance', '2.5');
  await page.locator('#edit-owner').selectOption(officer);
  artifacts.editIndicator = await screenshot(page, 'register-edit-indicator.png');
  await page.locator('#save-indicator').click();
  await page.locator('#notice', { hasText: 'Saved' }).waitFor();
  const indicatorNotice = await page.locator('#notice').innerText();

  // Users, found by a word of the name or e-mail.
  await page.locator('#users-link').click();
  await page.locator('#users-table').waitFor();
  await typeInto(page, '#users-search', 'OLIVE');
  await page.locator('#users-search').press('Enter');
  await page.locator('#users-count', { hasText: '1 user.' }).waitFor();
  const users = await texts(page, '#users-table tbody th');
  violations.users = await axe(page);

  return { planErrors, planInline, plans, priorities, objectives, actionErrors, actionInline, actions, searched, indicatorNotice, users, axe: violations, artifacts };
});
