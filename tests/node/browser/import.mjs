// The dashboard's "Import a workbook" page in Chromium, as an ADMIN: a workbook with
// problems is refused with every problem listed; a good one is checked (a dry run), then
// imported on confirmation. Returns what the page showed; the Rust test
// (tests/tests/e2e/workbook.rs) compares it with the API.
//
// Arguments: { base, token, good, bad } (good and bad: paths of .xlsx files).
// Result: { linkShown, errors: [[sheet, row, column, message]], dry: {sheet: [c, u, n]},
//           done: {sheet: [c, u, n]}, doneHeading, artifacts: { import } }
import { scenario, screenshot } from './lib.mjs';

async function counts(page) {
  return page.$$eval('#import-counts tbody tr', (rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.sheet, [...r.cells].slice(1).map((c) => Number(c.textContent))])));
}

scenario(async (t) => {
  const { base, token, good, bad } = t.args;
  const page = await t.newPage();
  await page.goto(`${base}/#token=${encodeURIComponent(token)}`);
  const link = page.locator('#import-link');
  await link.waitFor();
  await link.click();
  await page.locator('#import-file').waitFor();

  await page.setInputFiles('#import-file', bad);
  await page.click('#import-check');
  await page.locator('#import-errors').waitFor();
  const errors = await page.$$eval('#import-errors tbody tr', (rows) =>
    rows.map((r) => [...r.cells].map((c) => c.textContent)));

  await page.setInputFiles('#import-file', good);
  await page.click('#import-check');
  await page.locator('#import-confirm').waitFor();
  const dry = await counts(page);
  await page.click('#import-confirm');
  await page.locator('#import-report h2', { hasText: 'Imported' }).waitFor();
  const done = await counts(page);
  const doneHeading = await page.locator('#import-report h2').innerText();
  const importPng = await screenshot(page, 'import.png');
  return { linkShown: true, errors, dry, done, doneHeading, artifacts: { import: importPng } };
});
