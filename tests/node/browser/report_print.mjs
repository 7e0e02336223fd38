// The quarterly report as printed: A4 portrait and A4 landscape (`?layout=landscape`). For
// each, the page is laid out as print lays it out (print media, the width of the A4 page
// inside the report's margins) and every table cell is measured: a cell whose content is
// wider than the cell (so its text runs over the next one) or a table wider than the page is
// reported. Saves report-portrait.pdf and report-landscape.pdf, and a screenshot of the first
// screenful of each (.png).
//
// Arguments: { base, plan, period, token }   (the report signed in, owners and all)
// Result: { portrait: Layout, landscape: Layout } where
//   Layout = { pageWidth, landscapeRule, tables, cells, overflowing: [{ table, row, column,
//              text, contentWidth, cellWidth }], wideTables: [{ table, width }], pdf }
import { scenario, pdf, screenshot } from './lib.mjs';

// The report's @page margins are 11 mm left and right; 96 CSS px per inch.
const MM = 96 / 25.4;
const WIDTHS = { portrait: (210 - 22) * MM, landscape: (297 - 22) * MM };

async function measure(page) {
  return page.evaluate(() => {
    const overflowing = [];
    const wideTables = [];
    let cells = 0;
    const tables = [...document.querySelectorAll('table')];
    const pageWidth = document.documentElement.clientWidth;
    tables.forEach((table, t) => {
      const name = table.id || table.className || `table ${t + 1}`;
      if (table.getBoundingClientRect().width > pageWidth + 1) {
        wideTables.push({ table: name, width: Math.round(table.getBoundingClientRect().width) });
      }
      for (const [r, row] of [...table.rows].entries()) {
        for (const [c, cell] of [...row.cells].entries()) {
          cells += 1;
          // What the content needs against what the cell has (padding included in both).
          const contentWidth = cell.scrollWidth;
          const cellWidth = cell.clientWidth;
          // Any child box that sticks out of the cell's right edge also counts.
          const right = cell.getBoundingClientRect().right;
          const sticksOut = [...cell.querySelectorAll('*')].some(
            (e) => e.getClientRects().length > 0 && e.getBoundingClientRect().right > right + 1,
          );
          if (contentWidth > cellWidth + 1 || sticksOut) {
            overflowing.push({
              table: name,
              row: r,
              column: c,
              text: cell.innerText.slice(0, 80),
              contentWidth,
              cellWidth,
            });
          }
        }
      }
    });
    const landscapeRule = [...document.querySelectorAll('style')].some((s) =>
      s.textContent.includes('size: A4 landscape'),
    );
    return { pageWidth, landscapeRule, tables: tables.length, cells, overflowing, wideTables };
  });
}

scenario(async (t) => {
  const { base, plan, period, token } = t.args;
  const out = {};
  for (const layout of ['portrait', 'landscape']) {
    const context = await t.newContext({
      viewport: { width: Math.floor(WIDTHS[layout]), height: 1100 },
      extraHTTPHeaders: { Authorization: `Bearer ${token}` },
    });
    const page = await context.newPage();
    const query = layout === 'landscape' ? '?layout=landscape' : '';
    const response = await page.goto(
      `${base}/reports/${encodeURIComponent(plan)}/${encodeURIComponent(period)}${query}`,
    );
    if (!response.ok()) throw new Error(`the report answered ${response.status()}`);
    await page.emulateMedia({ media: 'print' });
    const seen = await measure(page);
    seen.screenshot = await screenshot(page, `report-${layout}.png`, { fullPage: false });
    seen.pdf = await pdf(page, `report-${layout}.pdf`, { landscape: false, preferCSSPageSize: true });
    out[layout] = seen;
  }
  return out;
});
