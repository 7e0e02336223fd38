// WCAG 2.2 AA in a real browser: axe-core over the dashboard's overview, an indicator page,
// the quarterly report and the sign-in page; on each, the headings' order, and a walk with
// the Tab key recording every stop and whether its focus is visible; on the report, the
// contrast of each status colour's text on its background, measured.
//
// Arguments: { base, org, plan, period, indicator }
// Result: { pages: { overview | indicator | report | signIn: Page } , statusContrast: [...] }
//   (the overview also has `charts`: its tiles' bars and its list's sparklines, as labelled)
//   Page = { url, violations: [..], violationText, headings: [levels], h1s, tabStops: [{ tag,
//            id, name, visibleFocus }] }
import { scenario, axe, describeViolations } from './lib.mjs';

/** The levels of the page's headings, in document order, and how many h1s. */
async function headings(page) {
  return page.evaluate(() => {
    const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
      .filter((h) => h.getClientRects().length > 0)
      .map((h) => Number(h.tagName[1]));
    return { levels, h1s: levels.filter((l) => l === 1).length };
  });
}

/** Presses Tab up to `max` times; each stop: what it is and whether its focus can be seen. */
async function tabWalk(page, max) {
  await page.evaluate(() => {
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
  const stops = [];
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      const s = getComputedStyle(e);
      const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
      const shadow = s.boxShadow && s.boxShadow !== 'none';
      return {
        tag: e.tagName.toLowerCase(),
        id: e.id || null,
        name: (e.getAttribute('aria-label') || e.innerText || e.value || '').trim().slice(0, 60),
        visibleFocus: Boolean(outline || shadow),
      };
    });
    if (!stop) break;
    stops.push(stop);
  }
  return stops;
}

/** WCAG's contrast ratio of two CSS colours. */
function contrastOf(fg, bg) {
  const lum = (c) => {
    const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
      const x = v / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100;
}

async function check(page, tabs) {
  const violations = await axe(page);
  const { levels, h1s } = await headings(page);
  return {
    url: page.url(),
    violations: violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })),
    violationText: describeViolations(violations),
    headings: levels,
    h1s,
    tabStops: await tabWalk(page, tabs),
  };
}

scenario(async (t) => {
  const { base, org, plan, period, indicator } = t.args;
  const page = await (await t.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  const pages = {};

  await page.goto(`${base}/?org=${encodeURIComponent(org)}`);
  await page.locator('#indicator-count').waitFor();
  const charts = await page.evaluate(() => ({
    tiles: document.querySelectorAll('li.tile').length,
    bars: [...document.querySelectorAll('li.tile svg.bars')].map((svg) => svg.getAttribute('aria-label')),
    overallBars: [...document.querySelectorAll('li.tile[data-priority-id="overall"] svg.bars')].map((svg) => svg.getAttribute('aria-label')),
    rows: document.querySelectorAll('#indicator-results tbody tr').length,
    sparks: [...document.querySelectorAll('#indicator-results tbody svg.spark')].map((svg) => ({
      label: svg.getAttribute('aria-label'),
      dots: svg.querySelectorAll('circle').length,
    })),
  }));
  pages.overview = await check(page, 40);
  pages.overview.charts = charts;

  await page.goto(`${base}/?org=${encodeURIComponent(org)}#/indicators/${encodeURIComponent(indicator)}`);
  await page.locator('svg').first().waitFor();
  pages.indicator = await check(page, 25);

  await page.goto(`${base}/reports/${encodeURIComponent(plan)}/${encodeURIComponent(period)}?org=${encodeURIComponent(org)}`);
  pages.report = await check(page, 25);
  const statusContrast = await page.evaluate(() =>
    [...new Set([...document.querySelectorAll('.badge')].map((b) => b.className))].map((className) => {
      const b = document.querySelector(`.${className.trim().split(/\s+/).join('.')}`);
      const s = getComputedStyle(b);
      return { status: className, color: s.color, background: s.backgroundColor };
    }),
  );
  for (const c of statusContrast) c.ratio = contrastOf(c.color, c.background);

  await page.goto(`${base}/auth/sign-in`);
  pages.signIn = await check(page, 10);

  return { pages, statusContrast };
});
