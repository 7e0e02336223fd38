// The dashboard in Chromium: the public view, an indicator page, the signed-in view (token
// handed over in the fragment) and the printed report. Reads what the pages show and returns
// it; the Rust test (tests/tests/e2e/browser.rs) compares it with the API.
//
// Arguments: { base, org, plan, period, indicator, token }.
// Result: { public: Overview, indicator: {...}, signedIn: Overview & { url, tokenInPage },
//           artifacts: { dashboard, indicator, report } }
// where Overview = { tiles: { priorityId | "overall": { "indicators-red": n, ... } }, who,
//                    ownerFilter, exceptionsCaption }.
import { scenario, screenshot, pdf } from './lib.mjs';

/** What the overview shows, once the indicator list has loaded too. */
async function readOverview(page) {
  await page.locator('#indicator-count').waitFor();
  return page.evaluate(() => {
    const tiles = {};
    for (const tile of document.querySelectorAll('li[data-priority-id]')) {
      const counts = {};
      for (const dd of tile.querySelectorAll('[data-count]')) {
        // The number is the first text node; a percentage may follow in a <span>.
        const text = dd.firstChild ? dd.firstChild.textContent.trim() : '';
        counts[dd.dataset.count] = /^\d+$/.test(text) ? Number(text) : text;
      }
      tiles[tile.dataset.priorityId] = counts;
    }
    return {
      tiles,
      who: document.getElementById('who').innerText,
      ownerFilter: document.getElementById('filter-owner') !== null,
      exceptionsCaption: document.querySelector('#exceptions caption')?.textContent ?? null,
    };
  });
}

scenario(async (t) => {
  const { base, org, plan, period, indicator, token } = t.args;
  const query = `plan=${encodeURIComponent(plan)}&period=${encodeURIComponent(period)}`;
  const publicUrl = `${base}/?org=${encodeURIComponent(org)}&${query}`;

  // The public view: `?org=` names the council; no token anywhere.
  const overview = await t.newPage();
  await overview.goto(publicUrl);
  const publicView = await readOverview(overview);

  // An indicator page, opened as e-mails link to it.
  const page = await t.newPage();
  await page.goto(`${publicUrl}#/indicators/${encodeURIComponent(indicator)}`);
  const chart = page.locator('svg.chart');
  await chart.waitFor();
  await page.locator('#history').waitFor();
  const indicatorView = {
    heading: await page.locator('#view h1').innerText(),
    chart: await chart.evaluate((svg) => ({
      actual: svg.querySelector('path.actual')?.getAttribute('d') ?? null,
      target: svg.querySelector('path.target')?.getAttribute('d') ?? null,
      points: [...svg.querySelectorAll('circle')].map((c) => c.getAttribute('class')),
    })),
    historyRows: await page.locator('#history tbody tr').count(),
  };
  const indicatorPng = await screenshot(page, 'indicator.png');

  // Signed in, in another browser (its own storage), the token handed over in the fragment.
  const signedIn = await (await t.newContext({ viewport: { width: 1280, height: 1500 } })).newPage();
  await signedIn.goto(`${base}/?${query}#token=${encodeURIComponent(token)}`);
  const signedInView = await readOverview(signedIn);
  signedInView.url = signedIn.url();
  signedInView.tokenInPage = (await signedIn.content()).includes(token);
  const dashboardPng = await screenshot(signedIn, 'dashboard.png', { fullPage: false });

  // The public report, printed.
  const report = await t.newPage();
  await report.goto(`${base}/reports/${encodeURIComponent(plan)}/${encodeURIComponent(period)}?org=${encodeURIComponent(org)}`);
  const reportPdf = await pdf(report, 'report.pdf');

  return {
    public: publicView,
    indicator: indicatorView,
    signedIn: signedInView,
    artifacts: { dashboard: dashboardPng, indicator: indicatorPng, report: reportPdf },
  };
});
