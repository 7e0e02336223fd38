// Officers, managers and directors doing their updates in Chromium, by clicking and typing:
// an officer opens My updates, enters a red value without commentary, is told commentary is
// needed, adds it and saves (the item leaves My updates); updates an action (a bad date is
// refused first); two people save the same value and the second chooses whose to keep; a
// director grants an extension (the due date moves) and sends a reminder; a VIEWER sees no
// form at all. axe-core runs on each page. The Rust test (tests/tests/e2e/browser_updates.rs)
// checks what was stored.
//
// Arguments: { base, tokens: { officer, manager, director, viewer }, m1, m2, m3, action }
// Result: { officer: {...}, conflict: {...}, director: {...}, viewer: {...}, axe: { page: [violations] },
//           artifacts: { name: path } }
import { axe, scenario, screenshot, typeInto } from './lib.mjs';

const artifacts = {};
const violations = {};

async function signIn(t, token) {
  const context = await t.newContext();
  const page = await context.newPage();
  await page.goto(`${t.args.base}/#token=${encodeURIComponent(token)}`);
  await page.locator('#my-updates-link').waitFor();
  return page;
}

async function check(page, name) {
  violations[name] = await axe(page);
}

/** Each row of an owed-items table: its data-item key, link texts and cells. */
async function rows(page, table) {
  return page.$$eval(`#${table}-table tbody tr`, (trs) => trs.map((tr) => ({
    item: tr.dataset.item,
    links: [...tr.querySelectorAll('td.links a, td.links button')].map((a) => a.textContent.trim()),
    due: tr.querySelector('.due').textContent.trim(),
    urgency: tr.cells[3].textContent.trim(),
    needed: tr.cells[4].textContent.trim(),
  })));
}

async function openMyUpdates(page) {
  await page.locator('#my-updates-link').click();
  await page.locator('h1', { hasText: 'My updates' }).waitFor();
  await page.locator('#mine').waitFor();
}

scenario(async (t) => {
  const { tokens, m1, m2, m3, action } = t.args;
  const period = '2025-10';

  // ------------------------------------------------------------ the officer
  const officer = await signIn(t, tokens.officer);
  await openMyUpdates(officer);
  const before = await rows(officer, 'mine');
  await check(officer, 'myUpdates');
  artifacts.myUpdates = await screenshot(officer, 'updates-my-updates.png');

  // A red value without commentary: stored, and the officer is told commentary is needed.
  await officer.locator(`tr[data-item="indicator:${m1}:${period}"] a`, { hasText: 'Enter value' }).click();
  await officer.locator('#value').waitFor();
  const facts = await officer.$$eval('#record-facts dt', (dts) => dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent]));
  await typeInto(officer, '#value', '70');
  await officer.locator('#preview', { hasText: 'Red' }).waitFor();
  const preview = await officer.locator('#preview').innerText();
  await officer.locator('#save').click();
  const summary = officer.locator('#error-summary');
  await summary.waitFor();
  const summaryText = await summary.innerText();
  const summaryRole = await summary.getAttribute('role');
  const summaryFocused = await officer.evaluate(() => document.activeElement && document.activeElement.id);
  const inline = await officer.locator('#commentary-error').innerText();
  await check(officer, 'recordValue');
  artifacts.commentaryNeeded = await screenshot(officer, 'updates-commentary-needed.png');
  // The summary's link takes the keyboard to the field.
  await summary.locator('a').click();
  const focusedAfterLink = await officer.evaluate(() => document.activeElement.id);
  await officer.keyboard.type('Two vacancies in the contact centre; both filled from December.');
  await officer.locator('#save').click();
  await officer.locator('#notice').waitFor();
  const notice = await officer.locator('#notice').innerText();
  const after = await rows(officer, 'mine');

  // An action update: a date that does not exist is refused, with the summary.
  await officer.locator(`tr[data-item="action:${action}:2025-26 Q3"] a`, { hasText: 'Update action' }).click();
  await officer.locator('#action-status').waitFor();
  await officer.locator('#action-status').selectOption('AMBER');
  await typeInto(officer, '#action-commentary', 'The contractor started late.');
  await typeInto(officer, '#next-steps', 'Fit-out in February.');
  await typeInto(officer, '#estimated-completion-day', '31');
  await typeInto(officer, '#estimated-completion-month', '2');
  await typeInto(officer, '#estimated-completion-year', '2026');
  await officer.locator('#save-update').click();
  await officer.locator('#error-summary').waitFor();
  const dateError = await officer.locator('#error-summary').innerText();
  await check(officer, 'actionUpdate');
  artifacts.actionUpdate = await screenshot(officer, 'updates-action-date-error.png');
  await typeInto(officer, '#estimated-completion-day', '28');
  await officer.locator('#save-update').click();
  await officer.locator('#notice').waitFor();
  const actionNotice = await officer.locator('#notice').innerText();
  const afterAction = await rows(officer, 'mine');

  // With the keyboard alone: Enter on the link, Tab to each field, Enter to save.
  await officer.locator(`tr[data-item="indicator:${m3}:2025-11"] a`, { hasText: 'Enter value' }).focus();
  await officer.keyboard.press('Enter');
  await officer.locator('#value').waitFor();
  const keyboardPath = [];
  for (const [keys, text] of [['Tab', '96'], ['Tab', null], ['Tab', 'Above target after the new rota.']]) {
    await officer.keyboard.press(keys);
    keyboardPath.push(await officer.evaluate(() => document.activeElement.id));
    if (text) await officer.keyboard.type(text);
  }
  await officer.keyboard.press('Tab');
  keyboardPath.push(await officer.evaluate(() => document.activeElement.id));
  await officer.keyboard.press('Enter');
  await officer.locator('#notice', { hasText: 'Saved M3' }).waitFor();
  const keyboardNotice = await officer.locator('#notice').innerText();

  // ------------------------------------------------------------ a conflict on M3
  await officer.locator(`tr[data-item="indicator:${m3}:${period}"] a`, { hasText: 'Enter value' }).click();
  await officer.locator('#value').waitFor();
  const manager = await signIn(t, tokens.manager);
  await manager.goto(`${t.args.base}/#/indicators/${m3}/record/${period}`);
  await manager.locator('#value').waitFor();
  await typeInto(manager, '#value', '95');
  await manager.locator('#save').click();
  await manager.locator('#notice').waitFor();
  await typeInto(officer, '#value', '92');
  await officer.locator('#save').click();
  const conflict = officer.locator('#conflict');
  await conflict.waitFor();
  const conflictRole = await conflict.getAttribute('role');
  const mine = await officer.locator('#conflict-table tr[data-row=value] td.mine').innerText();
  const theirs = await officer.locator('#conflict-table tr[data-row=value] td.theirs').innerText();
  const conflictText = await conflict.innerText();
  await check(officer, 'conflict');
  artifacts.conflict = await screenshot(officer, 'updates-conflict.png');
  await officer.locator('#keep-mine').click();
  await officer.locator('#notice').waitFor();
  const afterConflict = await rows(officer, 'mine');

  // The indicator page: the history of values and edits.
  await officer.goto(`${t.args.base}/#/indicators/${m3}`);
  await officer.locator('#value-edits').waitFor();
  const edits = await officer.$$eval('#value-edits tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.innerText.trim())));
  await check(officer, 'indicator');
  artifacts.history = await screenshot(officer, 'updates-indicator-history.png');

  // ------------------------------------------------------------ the director
  const director = await signIn(t, tokens.director);
  await openMyUpdates(director);
  await director.locator('#team-table').waitFor();
  const teamBefore = await rows(director, 'team');
  const key = `indicator:${m1}:2025-11`;
  await director.locator(`tr[data-item="${key}"] a`, { hasText: 'Grant an extension' }).click();
  await director.locator('#extension-date-day').waitFor();
  await director.locator('#grant').click();
  await director.locator('#error-summary').waitFor();
  const extensionErrors = await director.$$eval('#error-summary li', (lis) => lis.map((li) => li.textContent));
  await check(director, 'extension');
  await typeInto(director, '#extension-date-day', '31');
  await typeInto(director, '#extension-date-month', '1');
  await typeInto(director, '#extension-date-year', '2026');
  await typeInto(director, '#extension-reason', 'Waiting for the new telephony reports');
  await director.locator('#grant').click();
  await director.locator('#notice').waitFor();
  const extensionNotice = await director.locator('#notice').innerText();
  const teamAfter = await rows(director, 'team');
  await director.locator(`tr[data-item="indicator:${m2}:${period}"] button`, { hasText: 'Send a reminder' }).click();
  await director.locator('#nudge-status', { hasText: 'Reminder sent' }).waitFor();
  const nudgeStatus = await director.locator('#nudge-status').innerText();
  await check(director, 'team');
  artifacts.team = await screenshot(director, 'updates-team.png');

  // Approvals: one proposed indicator approved, one rejected with a reason (a reason is needed).
  await director.locator('#approvals-link').click();
  await director.locator('h1', { hasText: 'Proposed indicators' }).waitFor();
  const proposed = await director.$$eval('.approvals h2', (hs) => hs.map((x) => x.textContent));
  await check(director, 'approvals');
  await director.locator('.approvals li', { hasText: 'P1 ' }).locator('button', { hasText: 'Approve' }).click();
  await director.locator('#approval-status', { hasText: 'Approved P1' }).waitFor();
  const reject = director.locator('.approvals li', { hasText: 'P2 ' });
  await reject.locator('summary').click();
  await reject.locator('button', { hasText: 'Reject' }).click();
  await director.locator('#approval-status', { hasText: 'Enter the reason' }).waitFor();
  await director.keyboard.type('Duplicates M3');
  await reject.locator('button', { hasText: 'Reject' }).click();
  await director.locator('#approval-status', { hasText: 'Rejected P2' }).waitFor();
  const approvalsLeft = await director.locator('.approvals li').count();

  // ------------------------------------------------------------ a viewer
  const viewer = await signIn(t, tokens.viewer);
  await openMyUpdates(viewer);
  const formsOnMyUpdates = await viewer.locator('#view form, #view input, #view textarea, #view select').count();
  const viewerLinks = await viewer.locator('#view a', { hasText: /Enter value|Update action/ }).count();
  await viewer.goto(`${t.args.base}/#/indicators/${m1}/record/${period}`);
  await viewer.locator('#no-form').waitFor();
  const formsOnRecord = await viewer.locator('#view form, #view input, #view textarea, #view select').count();
  await viewer.goto(`${t.args.base}/#/indicators/${m1}`);
  await viewer.locator('#value-edits').waitFor();
  const enterLink = await viewer.locator('#enter-value-link').count();
  await check(viewer, 'viewer');

  return {
    officer: {
      before, facts, preview, summaryText, summaryRole, summaryFocused, inline, focusedAfterLink, notice, after,
      dateError, actionNotice, afterAction, keyboardPath, keyboardNotice,
    },
    conflict: { role: conflictRole, text: conflictText, mine, theirs, afterConflict, edits },
    director: { teamBefore, extensionErrors, extensionNotice, teamAfter, nudgeStatus, proposed, approvalsLeft },
    viewer: { formsOnMyUpdates, viewerLinks, formsOnRecord, enterLink },
    axe: violations,
    artifacts,
  };
});
