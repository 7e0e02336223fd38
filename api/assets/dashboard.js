// The performance dashboard. It reads everything through POST /graphql, as any other client
// of the API does, so it shows exactly what its caller may see.
//
// Who is asking:
//   - a pasted API token (kept in sessionStorage for this tab, sent as `Authorization:
//     Bearer`), for the signed-in view;
//   - or a council's slug (`?org=SLUG` in the address, or typed in), sent as
//     `X-Organisation`, for the public portal.
//   A token may also be handed over in the address fragment (`#token=...`, never sent to
//   any server); it is moved to sessionStorage and removed from the address at once. This
//   exists for automated tests and kiosk set-ups: people should paste their token.
//
// Routes (in the fragment): `#/` the overview; `#/indicators/ID` one indicator (e-mails
// link there). The query string carries `org`, `plan` and `period`; never a token.
'use strict';

(function () {
  const TOKEN_KEY = 'pmf.token';

  const state = {
    token: null,
    // Signed in by the pmf_session cookie (HttpOnly: the page only knows it works).
    session: false,
    org: null,
    viewer: null,
    organisation: null,
    plans: [],
    planId: null,
    period: null,
    users: [],
    filters: { ownerId: '', status: '', quartile: '', frequency: '', search: '' },
    routeToken: 0,
  };

  // ---------------------------------------------------------------- helpers

  function $(id) { return document.getElementById(id); }

  /** Builds an element; text children are always text nodes (never parsed as HTML). */
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  function s(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
  }

  function append(node, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }

  /** Replaces a node's children, skipping null and false like `h` does. */
  function fill(node, ...children) {
    node.replaceChildren();
    append(node, children);
    return node;
  }

  function setStatus(text) { $('status').textContent = text || ''; }

  class ApiError extends Error {
    constructor(message, code) { super(message); this.code = code; }
  }

  function authHeaders() {
    if (state.token) return { Authorization: 'Bearer ' + state.token };
    if (state.org) return { 'X-Organisation': state.org };
    return {};
  }

  async function gql(query, variables) {
    let response;
    try {
      response = await fetch('/graphql', {
        method: 'POST',
        headers: Object.assign({ 'Content-Type': 'application/json', Accept: 'application/json' }, authHeaders()),
        body: JSON.stringify({ query, variables: variables || {} }),
        // The session cookie goes only when no token or portal is chosen.
        credentials: state.token || state.org ? 'omit' : 'same-origin',
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError('The server could not be reached. Check your connection and try again.', 'NETWORK');
    }
    let body;
    try { body = await response.json(); } catch (e) {
      throw new ApiError('The server answered ' + response.status + ' without data.', 'INTERNAL');
    }
    if (body.errors && body.errors.length) {
      const first = body.errors[0];
      throw new ApiError(body.errors.map((e) => e.message).join('; '), (first.extensions || {}).code);
    }
    return body.data;
  }

  // ---------------------------------------------------------------- periods

  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad2 = (n) => String(n).padStart(2, '0');

  function parsePeriod(text) {
    let m = /^(\d{4})-(\d{2}) Q([1-4])$/.exec(text);
    if (m) return { kind: 'Q', y: +m[1], q: +m[3] };
    m = /^(\d{4})-(\d{2})$/.exec(text);
    if (!m) return null;
    const y = +m[1], n = +m[2];
    if (n === (y + 1) % 100) return { kind: 'Y', y };
    if (n >= 1 && n <= 12) return { kind: 'M', y, m: n };
    return null;
  }

  function formatPeriod(p) {
    const fy = (y) => y + '-' + pad2((y + 1) % 100);
    if (p.kind === 'Y') return fy(p.y);
    if (p.kind === 'Q') return fy(p.y) + ' Q' + p.q;
    return p.y + '-' + pad2(p.m);
  }

  function stepPeriod(p, n) {
    if (p.kind === 'Y') return { kind: 'Y', y: p.y + n };
    if (p.kind === 'Q') {
      const i = p.y * 4 + (p.q - 1) + n;
      return { kind: 'Q', y: Math.floor(i / 4), q: (i % 4 + 4) % 4 + 1 };
    }
    const i = p.y * 12 + (p.m - 1) + n;
    return { kind: 'M', y: Math.floor(i / 12), m: (i % 12 + 12) % 12 + 1 };
  }

  /** The months (1-based, calendar) a period covers: [year, month] of its first month, count. */
  function periodMonths(p, fyStart) {
    if (p.kind === 'M') return [p.y, p.m, 1];
    if (p.kind === 'Y') return [p.y, fyStart, 12];
    const idx = fyStart - 1 + (p.q - 1) * 3;
    return [p.y + Math.floor(idx / 12), idx % 12 + 1, 3];
  }

  function describePeriod(p, fyStart) {
    const [y, m, count] = periodMonths(p, fyStart);
    if (count === 1) return MONTHS[m - 1] + ' ' + y;
    const endIdx = y * 12 + (m - 1) + count - 1;
    const ey = Math.floor(endIdx / 12), em = endIdx % 12 + 1;
    return MONTHS[m - 1] + (y !== ey ? ' ' + y : '') + ' to ' + MONTHS[em - 1] + ' ' + ey;
  }

  function currentQuarter(date, fyStart) {
    const month = date.getMonth() + 1;
    const fyYear = month >= fyStart ? date.getFullYear() : date.getFullYear() - 1;
    const idx = (month - fyStart + 12) % 12;
    return { kind: 'Q', y: fyYear, q: Math.floor(idx / 3) + 1 };
  }

  function periodOptions(fyStart, selected) {
    const now = new Date();
    const q = currentQuarter(now, fyStart);
    const quarters = [];
    for (let i = 0; i < 8; i++) quarters.push(stepPeriod(q, -i));
    const years = [];
    for (let i = 0; i < 4; i++) years.push({ kind: 'Y', y: q.y - i });
    const months = [];
    const thisMonth = { kind: 'M', y: now.getFullYear(), m: now.getMonth() + 1 };
    for (let i = 0; i < 15; i++) months.push(stepPeriod(thisMonth, -i));
    const groups = [['Quarters', quarters], ['Financial years', years], ['Months', months]];
    const all = [].concat(quarters, years, months).map(formatPeriod);
    if (selected && !all.includes(selected)) {
      const p = parsePeriod(selected);
      if (p) groups.unshift(['Chosen', [p]]);
    }
    return groups;
  }

  function defaultPeriod(fyStart) {
    // The last complete quarter: the one a quarterly report is written about.
    return formatPeriod(stepPeriod(currentQuarter(new Date(), fyStart), -1));
  }

  // ---------------------------------------------------------------- labels

  const INDICATOR_STATUS = {
    GREEN: ['Green', 'G', 'green'], AMBER: ['Amber', 'A', 'amber'], RED: ['Red', 'R', 'red'],
    MONITOR_ONLY: ['Monitor only', 'M', 'grey'], NO_DATA: ['In progress', '–', 'grey'],
    NO_TARGET: ['No target', 'NT', 'grey'],
  };
  const ACTION_STATUS = {
    RED: ['Red', 'red'], AMBER: ['Amber', 'amber'], GREEN: ['Green', 'green'], BLUE: ['Blue', 'blue'],
    COMPLETED: ['Completed', 'completed'], NOT_STARTED: ['Not started', 'grey'],
  };
  const TREND = { IMPROVING: 'Improving', DETERIORATING: 'Deteriorating', NO_CHANGE: 'No change', NOT_COMPARABLE: 'Not comparable' };
  const ARROW = { UP: '↑', DOWN: '↓', SAME: '→' };
  const FREQUENCY = { MONTHLY: 'Monthly', QUARTERLY: 'Quarterly', ANNUAL: 'Annual' };

  function statusBadge(status) {
    const [label, , cls] = INDICATOR_STATUS[status] || [status, '?', 'grey'];
    return h('span', { class: 'badge ' + cls }, label);
  }

  function actionBadge(status) {
    const [label, cls] = ACTION_STATUS[status] || [status, 'grey'];
    return h('span', { class: 'badge ' + cls }, label);
  }

  function change(previous, status) {
    if (!previous) return null;
    const [pl, pletter] = INDICATOR_STATUS[previous] || [previous, '?'];
    const [cl, cletter] = INDICATOR_STATUS[status] || [status, '?'];
    return h('abbr', { class: 'change', title: pl + ' last period, ' + cl + ' now' }, pletter + ' → ' + cletter);
  }

  function trend(trendValue, direction) {
    return h('span', { class: 'trend' }, h('span', { 'aria-hidden': 'true' }, ARROW[direction] || '–'), ' ', TREND[trendValue] || trendValue);
  }

  function formatValue(value, unit, decimals) {
    if (value === null || value === undefined) return '–';
    const d = Math.max(0, Math.min(6, decimals || 0));
    const text = Math.abs(value).toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d });
    const sign = value < 0 && Number(text.replace(/,/g, '')) !== 0 ? '-' : '';
    if (unit === 'PERCENT') return sign + text + '%';
    if (unit === 'CURRENCY') return sign + '£' + text;
    if (unit === 'DAYS') return sign + text + ' days';
    return sign + text;
  }

  // ---------------------------------------------------------------- access

  function readAccess() {
    const params = new URLSearchParams(location.search);
    if (location.hash.startsWith('#token=')) {
      const token = decodeURIComponent(location.hash.slice('#token='.length)).trim();
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      history.replaceState(null, '', location.pathname + location.search + '#/');
    }
    state.token = sessionStorage.getItem(TOKEN_KEY);
    state.org = state.token ? null : (params.get('org') || '').trim() || null;
    state.planId = params.get('plan');
    state.period = params.get('period');
  }

  function writeQuery() {
    const params = new URLSearchParams();
    if (!state.token && state.org) params.set('org', state.org);
    if (state.planId) params.set('plan', state.planId);
    if (state.period) params.set('period', state.period);
    const query = params.toString();
    history.replaceState(null, '', location.pathname + (query ? '?' + query : '') + (location.hash || '#/'));
  }

  function showAccess(message) {
    $('app').hidden = true;
    $('access').hidden = false;
    fill($('who'));
    $('org-name').textContent = 'Performance dashboard';
    const error = $('access-error');
    error.hidden = !message;
    error.textContent = message || '';
    if (state.org) $('org-input').value = state.org;
  }

  async function signOut() {
    if (state.session) {
      // Ends the session on the server; the answer clears the cookie.
      try {
        await fetch('/auth/sign-out', { method: 'POST', credentials: 'same-origin', redirect: 'manual' });
      } catch (e) { /* the sign-in page says what happened */ }
      location.assign('/auth/sign-in?signed_out=1');
      return;
    }
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    state.org = null;
    state.viewer = null;
    history.replaceState(null, '', location.pathname + '#/');
    showAccess('');
    $('org-input').focus();
  }

  function renderWho() {
    const who = $('who');
    if (state.viewer) {
      fill(who,
        h('span', null, 'Signed in as ', h('strong', null, state.viewer.name), ' (' + state.viewer.role.toLowerCase() + ')'),
        state.viewer.role === 'ADMIN' ? h('a', { class: 'button secondary', href: '#/import', id: 'import-link' }, 'Import a workbook') : null,
        h('button', { type: 'button', class: 'secondary', onclick: signOut }, 'Sign out'));
    } else {
      fill(who,
        h('span', null, 'Public view: published information only'),
        h('a', { class: 'button secondary', href: '/auth/sign-in' + (state.org ? '?org=' + encodeURIComponent(state.org) : '') }, 'Sign in'));
    }
  }

  // ---------------------------------------------------------------- start

  async function start() {
    if (!state.token && !state.org) {
      // Perhaps signed in by the session cookie: ask who we are.
      let who = null;
      let ended = '';
      try { who = await gql('query Session { viewer { id } }'); } catch (e) {
        if (e.code === 'UNAUTHENTICATED' && /session/.test(e.message)) ended = 'Your session has ended. Please sign in again.';
      }
      state.session = Boolean(who && who.viewer);
      if (!state.session) {
        showAccess(ended);
        if (location.hash === '#/token') { $('token-details').open = true; $('token-input').focus(); }
        return;
      }
    } else {
      state.session = false;
    }
    $('access').hidden = true;
    $('app').hidden = false;
    setStatus('Loading…');
    let data;
    try {
      data = await gql(`query Start {
        viewer { id name role }
        organisation { name slug financialYearStartMonth }
        plans { id title kind startDate endDate }
      }`);
    } catch (e) {
      if (e.code === 'UNAUTHENTICATED' || e.code === 'NOT_FOUND') {
        if (state.token) sessionStorage.removeItem(TOKEN_KEY);
        state.token = null;
        showAccess(e.message);
        return;
      }
      setStatus('');
      fill($('view'), h('div', { class: 'error', role: 'alert' }, e.message));
      return;
    }
    state.viewer = data.viewer;
    state.organisation = data.organisation;
    state.plans = data.plans;
    document.title = data.organisation.name + ': performance dashboard';
    $('org-name').textContent = data.organisation.name + ' performance';
    renderWho();
    if (state.viewer) {
      try {
        state.users = (await gql('query Users { users { id name } }')).users;
      } catch (e) {
        state.users = [];
      }
    }
    if (!state.plans.some((p) => p.id === state.planId)) {
      // The corporate plan when there is one (plans come newest first).
      const corporate = state.plans.find((p) => p.kind === 'CORPORATE_PLAN');
      state.planId = corporate ? corporate.id : state.plans.length ? state.plans[0].id : null;
    }
    const fyStart = state.organisation.financialYearStartMonth;
    if (!state.period || !parsePeriod(state.period)) state.period = defaultPeriod(fyStart);
    renderControls();
    writeQuery();
    await route();
  }

  function renderControls() {
    const fyStart = state.organisation.financialYearStartMonth;
    const planSelect = $('plan-select');
    fill(planSelect, ...state.plans.map((p) => h('option', { value: p.id, selected: p.id === state.planId }, p.title)));
    const periodSelect = $('period-select');
    fill(periodSelect, ...periodOptions(fyStart, state.period).map(([label, periods]) =>
      h('optgroup', { label }, periods.map((p) => {
        const text = formatPeriod(p);
        return h('option', { value: text, selected: text === state.period }, text + ' (' + describePeriod(p, fyStart) + ')');
      }))));
    renderReportLinks();
  }

  function reportPath(extension, table) {
    let path = '/reports/' + encodeURIComponent(state.planId) + '/' + encodeURIComponent(state.period) + (extension || '');
    const params = new URLSearchParams();
    if (!state.token && state.org) params.set('org', state.org);
    if (table) params.set('table', table);
    const query = params.toString();
    return path + (query ? '?' + query : '');
  }

  /** Signed in: fetch with the Authorization header and hand the browser a blob. */
  async function fetchReport(extension, table, openWindow) {
    const target = openWindow ? window.open('', '_blank') : null;
    setStatus('Preparing the report…');
    try {
      const response = await fetch(reportPath(extension, table), { headers: authHeaders(), credentials: 'omit', cache: 'no-store' });
      const blob = await response.blob();
      if (!response.ok) throw new Error(await blob.text());
      const url = URL.createObjectURL(blob);
      if (target) {
        target.location.href = url;
      } else {
        const a = h('a', { href: url, download: 'report-' + state.period.replace(' ', '-') + '-' + (table || 'report') + (extension || '.html') });
        document.body.append(a);
        a.click();
        a.remove();
      }
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      setStatus('');
    } catch (e) {
      if (target) target.close();
      setStatus('The report could not be made: ' + e.message);
    }
  }

  function renderReportLinks() {
    const box = $('report-links');
    if (!state.planId) { fill(box); return; }
    const tables = ['summary', 'exceptions', 'indicators', 'actions', 'benchmarking'];
    if (state.token && !state.session) {
      fill(box,
        h('button', { type: 'button', onclick: () => fetchReport('', null, true) }, 'Printable report'),
        h('select', { id: 'csv-select', 'aria-label': 'Table to download as CSV' }, tables.map((t) => h('option', { value: t }, 'CSV: ' + t + ' table'))),
        h('button', { type: 'button', class: 'secondary', onclick: () => fetchReport('.csv', $('csv-select').value, false) }, 'Download CSV'));
    } else {
      fill(box,
        h('a', { class: 'button', href: reportPath('', null), target: '_blank', rel: 'noopener' }, 'Printable report'),
        ...tables.map((t) => h('a', { class: 'button secondary', href: reportPath('.csv', t), download: '' }, 'CSV: ' + t)));
    }
  }

  // ---------------------------------------------------------------- routing

  async function route() {
    const token = ++state.routeToken;
    const m = /^#\/indicators\/([^/?#]+)/.exec(location.hash);
    try {
      if (m) await renderIndicator(decodeURIComponent(m[1]), token);
      else if (location.hash === '#/import') renderImport();
      else await renderOverview(token);
    } catch (e) {
      if (token !== state.routeToken) return;
      setStatus('');
      fill($('view'), h('div', { class: 'error', role: 'alert' }, e.message));
    }
  }

  // ---------------------------------------------------------------- import (ADMIN)

  const IMPORT = `mutation Import($file: Upload!, $dryRun: Boolean) {
    importWorkbook(file: $file, dryRun: $dryRun) {
      ok dryRun errors { sheet row column message } counts { sheet created updated unchanged }
    }
  }`;

  /** Sends the workbook by the GraphQL multipart request spec: operations, map, the file. */
  async function uploadWorkbook(file, dryRun) {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: IMPORT, variables: { file: null, dryRun } }));
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', file, file.name);
    let response;
    try {
      response = await fetch('/graphql', {
        method: 'POST',
        headers: Object.assign({ Accept: 'application/json' }, authHeaders()),
        body: form,
        credentials: state.session ? 'same-origin' : 'omit',
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError('The server could not be reached. Check your connection and try again.', 'NETWORK');
    }
    if (response.status === 413) throw new ApiError('The workbook is larger than the server accepts.', 'BAD_USER_INPUT');
    let body;
    try { body = await response.json(); } catch (e) {
      throw new ApiError('The server answered ' + response.status + ' without data.', 'INTERNAL');
    }
    if (body.errors && body.errors.length) {
      throw new ApiError(body.errors.map((e) => e.message).join('; '), (body.errors[0].extensions || {}).code);
    }
    return body.data.importWorkbook;
  }

  function importReport(report) {
    if (!report.ok) {
      return h('section', { id: 'import-report', 'aria-labelledby': 'import-report-heading' },
        h('h2', { id: 'import-report-heading' }, report.errors.length + (report.errors.length === 1 ? ' problem' : ' problems') + ': nothing was imported'),
        h('p', null, 'Correct these in the workbook and check it again.'),
        h('table', { id: 'import-errors' },
          h('thead', null, h('tr', null, ['Sheet', 'Row', 'Column', 'Problem'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, report.errors.map((e) => h('tr', null,
            h('td', null, e.sheet), h('td', null, e.row == null ? '' : String(e.row)),
            h('td', null, e.column || ''), h('td', null, e.message))))));
    }
    return h('section', { id: 'import-report', 'aria-labelledby': 'import-report-heading' },
      h('h2', { id: 'import-report-heading' }, report.dryRun ? 'The workbook is ready to import' : 'Imported'),
      h('table', { id: 'import-counts' },
        h('thead', null, h('tr', null, ['Sheet', report.dryRun ? 'Would be created' : 'Created', report.dryRun ? 'Would be updated' : 'Updated', 'Unchanged'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, report.counts.map((c) => h('tr', { 'data-sheet': c.sheet },
          h('td', null, c.sheet), h('td', null, String(c.created)), h('td', null, String(c.updated)), h('td', null, String(c.unchanged)))))));
  }

  function renderImport() {
    setStatus('');
    const view = $('view');
    if (!state.viewer || state.viewer.role !== 'ADMIN') {
      fill(view, h('h1', null, 'Import a workbook'), h('p', null, 'Only the performance team (ADMIN) can import workbooks.'));
      return;
    }
    const result = h('div', { id: 'import-result', 'aria-live': 'polite' });
    const input = h('input', { id: 'import-file', type: 'file', accept: '.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', required: '' });
    const run = async (dryRun) => {
      const file = input.files && input.files[0];
      if (!file) { fill(result, h('div', { class: 'error', role: 'alert' }, 'Choose a workbook (.xlsx) first.')); return; }
      setStatus(dryRun ? 'Checking ' + file.name + '…' : 'Importing ' + file.name + '…');
      try {
        const report = await uploadWorkbook(file, dryRun);
        setStatus('');
        const confirm = report.ok && report.dryRun
          ? h('button', { type: 'button', id: 'import-confirm', onclick: () => run(false) }, 'Import ' + file.name)
          : null;
        fill(result, importReport(report), confirm);
      } catch (e) {
        setStatus('');
        fill(result, h('div', { class: 'error', role: 'alert' }, e.message));
      }
    };
    const form = h('form', { id: 'import-form', class: 'panel', onsubmit: (e) => { e.preventDefault(); run(true); } },
      h('label', { for: 'import-file' }, 'Workbook (.xlsx)'),
      h('p', { class: 'hint' }, 'In the layout of the ', h('a', { href: '/templates/register.xlsx' }, 'template'), ' or of an export. It is checked first: nothing is stored until you confirm.'),
      input,
      h('button', { type: 'submit', id: 'import-check' }, 'Check the workbook'));
    fill(view, h('h1', null, 'Import a workbook'), form, result);
    focusHeading();
  }

  function focusHeading() {
    const h1 = $('view').querySelector('h1');
    if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: false }); }
  }

  // ---------------------------------------------------------------- overview

  const COUNTS = `actions { red amber green blue completed notStarted redPct amberPct greenPct bluePct }
                  indicators { red amber green monitorOnly noData noTarget redPct amberPct greenPct }`;

  async function renderOverview(token) {
    if (!state.planId) {
      setStatus('');
      fill($('view'), h('h1', null, 'No plans'), h('p', null, state.viewer ? 'This council has no plans yet.' : 'This council has not published a plan yet.'));
      return;
    }
    setStatus('Loading ' + state.period + '…');
    const data = await gql(`query Overview($plan: ID!, $period: String!) {
      plan(id: $plan) { id title }
      performanceSummary(planId: $plan, period: $period) {
        period
        overall { ${COUNTS} }
        priorities { priority { id code title } counts { ${COUNTS} } }
        exceptions {
          status commentary nextSteps
          priority { id code title }
          owner { name }
          indicator { id ref title unit decimals }
          action { id ref title dueDate }
          result { actual target trend direction previousStatus }
        }
      }
    }`, { plan: state.planId, period: state.period });
    if (token !== state.routeToken) return;
    const summary = data.performanceSummary;
    const view = $('view');
    fill(view,
      h('h1', null, data.plan ? data.plan.title : 'Plan', h('span', { class: 'muted' }, ': ' + summary.period)),
      h('h2', { id: 'tiles-heading' }, 'Priorities at a glance'),
      h('ul', { class: 'tiles', 'aria-labelledby': 'tiles-heading' },
        tile({ id: 'overall', title: 'All priorities' }, summary.overall, true),
        summary.priorities.map((p) => tile(p.priority, p.counts, false))),
      exceptionsSection(summary.exceptions),
      h('section', { id: 'indicator-list', 'aria-labelledby': 'indicators-heading' },
        h('h2', { id: 'indicators-heading' }, 'Indicators'),
        filtersForm(),
        h('div', { id: 'indicator-results' })));
    setStatus('');
    await loadIndicators(null, token);
  }

  function countItem(cls, label, value, field, pct) {
    return h('div', { class: 'c-' + cls },
      h('dt', null, label),
      h('dd', { 'data-count': field }, String(value), pct === undefined ? null : h('span', { class: 'pct' }, '(' + pct + '%)')));
  }

  function tile(priority, counts, overall) {
    const i = counts.indicators, a = counts.actions;
    const title = priority.code ? priority.code + '. ' + priority.title : priority.title;
    return h('li', { class: 'tile' + (overall ? ' overall' : ''), 'data-priority-id': priority.id },
      h('h3', null, title),
      h('p', { class: 'label', id: 'ti-' + priority.id }, 'Indicators'),
      h('dl', { 'aria-labelledby': 'ti-' + priority.id },
        countItem('red', 'Red', i.red, 'indicators-red', i.redPct),
        countItem('amber', 'Amber', i.amber, 'indicators-amber', i.amberPct),
        countItem('green', 'Green', i.green, 'indicators-green', i.greenPct),
        countItem('grey', 'Monitor only', i.monitorOnly, 'indicators-monitorOnly'),
        countItem('grey', 'In progress', i.noData, 'indicators-noData')),
      h('p', { class: 'label', id: 'ta-' + priority.id }, 'Actions'),
      h('dl', { 'aria-labelledby': 'ta-' + priority.id },
        countItem('red', 'Red', a.red, 'actions-red', a.redPct),
        countItem('amber', 'Amber', a.amber, 'actions-amber', a.amberPct),
        countItem('green', 'Green', a.green, 'actions-green', a.greenPct),
        countItem('blue', 'Blue', a.blue, 'actions-blue', a.bluePct),
        countItem('completed', 'Completed', a.completed, 'actions-completed')));
  }

  function exceptionsSection(exceptions) {
    const section = h('section', { id: 'exceptions', 'aria-labelledby': 'exceptions-heading' },
      h('h2', { id: 'exceptions-heading' }, 'Exceptions: red and amber'));
    if (!exceptions.length) {
      section.append(h('p', { class: 'none' }, 'No indicator or action is red or amber for ' + state.period + '.'));
      return section;
    }
    const rows = exceptions.map((e) => {
      const item = e.indicator
        ? h('a', { href: '#/indicators/' + encodeURIComponent(e.indicator.id) }, e.indicator.ref + ' ' + e.indicator.title)
        : h('span', null, (e.action.ref ? e.action.ref + ' ' : '') + e.action.title, h('span', { class: 'muted' }, ' (action)'));
      const r = e.result;
      const unit = e.indicator ? e.indicator.unit : null, dec = e.indicator ? e.indicator.decimals : 0;
      return h('tr', null,
        h('td', null, e.priority ? (e.priority.code ? e.priority.code + '. ' : '') + e.priority.title : ''),
        h('th', { scope: 'row' }, item, e.owner ? h('div', { class: 'muted' }, 'Owner: ' + e.owner.name) : null),
        h('td', null, e.indicator ? statusBadge(e.status) : actionBadge(e.status), r ? change(r.previousStatus, e.status) : null),
        h('td', { class: 'num' }, r ? formatValue(r.actual, unit, dec) : '–'),
        h('td', { class: 'num' }, r ? formatValue(r.target, unit, dec) : '–'),
        h('td', null, r ? trend(r.trend, r.direction) : '–'),
        h('td', { class: 'text' }, e.commentary || h('span', { class: 'none' }, 'No commentary'),
          e.nextSteps ? h('div', null, h('strong', null, 'Next steps: '), e.nextSteps) : null));
    });
    section.append(h('div', { class: 'table-wrap' }, h('table', null,
      h('caption', null, exceptions.length + ' red or amber item' + (exceptions.length === 1 ? '' : 's') + ', ' + state.period),
      h('thead', null, h('tr', null, ['Priority', 'Indicator or action', 'Status', 'Actual', 'Target', 'Trend', 'Commentary']
        .map((t, i) => h('th', { scope: 'col', class: i === 3 || i === 4 ? 'num' : null }, t)))),
      h('tbody', null, rows))));
    return section;
  }

  function filtersForm() {
    const f = state.filters;
    const select = (id, label, options, value) => h('div', { class: 'field' },
      h('label', { for: id }, label),
      h('select', { id, name: id }, options.map(([v, t]) => h('option', { value: v, selected: v === value }, t))));
    const form = h('form', { class: 'filters', id: 'filters', 'aria-label': 'Filter indicators' },
      state.viewer ? select('filter-owner', 'Owner', [['', 'Anyone']].concat(state.users.map((u) => [u.id, u.name])), f.ownerId) : null,
      select('filter-status', 'Status in ' + state.period, [['', 'Any status']].concat(Object.entries(INDICATOR_STATUS).map(([k, v]) => [k, v[0]])), f.status),
      select('filter-quartile', 'Among comparators in ' + state.period, [['', 'Any position'], ['4', 'Worst quartile'], ['3', 'Third quartile'], ['2', 'Second quartile'], ['1', 'Top quartile']], f.quartile),
      select('filter-frequency', 'Frequency', [['', 'Any frequency']].concat(Object.entries(FREQUENCY)), f.frequency),
      h('div', { class: 'field' }, h('label', { for: 'filter-search' }, 'Search'),
        h('input', { id: 'filter-search', type: 'search', value: f.search, autocomplete: 'off' })),
      h('button', { type: 'submit', class: 'secondary' }, 'Apply filters'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      readFilters();
      loadIndicators(null, state.routeToken);
    });
    form.addEventListener('change', (ev) => {
      if (ev.target.tagName === 'SELECT') { readFilters(); loadIndicators(null, state.routeToken); }
    });
    return form;
  }

  function readFilters() {
    const owner = $('filter-owner');
    state.filters = {
      ownerId: owner ? owner.value : '',
      status: $('filter-status').value,
      quartile: $('filter-quartile').value,
      frequency: $('filter-frequency').value,
      search: $('filter-search').value.trim(),
    };
  }

  async function loadIndicators(after, token) {
    const f = state.filters;
    const filter = { planId: state.planId };
    if (f.ownerId) filter.ownerId = f.ownerId;
    if (f.status) { filter.status = f.status; filter.statusPeriod = state.period; }
    if (f.quartile) { filter.quartile = Number(f.quartile); filter.statusPeriod = state.period; }
    if (f.frequency) filter.frequency = f.frequency;
    if (f.search) filter.search = f.search;
    const box = $('indicator-results');
    if (!box) return;
    box.setAttribute('aria-busy', 'true');
    const data = await gql(`query Indicators($filter: IndicatorFilter, $after: String, $period: String!) {
      indicators(filter: $filter, first: 50, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node {
          id ref title unit decimals frequency owner { name }
          result(period: $period) { actual target status previousStatus trend direction }
        } }
      }
    }`, { filter, after, period: state.period });
    if (token !== state.routeToken) return;
    box.removeAttribute('aria-busy');
    const conn = data.indicators;
    const rows = conn.edges.map(({ node: n }) => h('tr', { 'data-id': n.id },
      h('td', null, n.ref),
      h('th', { scope: 'row' }, h('a', { href: '#/indicators/' + encodeURIComponent(n.id) }, n.title),
        n.owner ? h('div', { class: 'muted' }, n.owner.name) : null),
      h('td', null, FREQUENCY[n.frequency] || n.frequency),
      h('td', { class: 'num' }, formatValue(n.result.actual, n.unit, n.decimals)),
      h('td', { class: 'num' }, formatValue(n.result.target, n.unit, n.decimals)),
      h('td', null, statusBadge(n.result.status), change(n.result.previousStatus, n.result.status)),
      h('td', null, trend(n.result.trend, n.result.direction))));
    let table = box.querySelector('tbody');
    if (!after || !table) {
      table = h('tbody');
      fill(box,
        h('p', { id: 'indicator-count' }, conn.totalCount + ' indicator' + (conn.totalCount === 1 ? '' : 's') + ' match.'),
        h('div', { class: 'table-wrap' }, h('table', null,
          h('caption', { class: 'visually-hidden' }, 'Indicators, ' + state.period),
          h('thead', null, h('tr', null, ['Ref', 'Indicator', 'Frequency', 'Actual', 'Target', 'Status', 'Trend']
            .map((t, i) => h('th', { scope: 'col', class: i === 3 || i === 4 ? 'num' : null }, t)))),
          table)));
    }
    table.append(...rows);
    const old = box.querySelector('.more');
    if (old) old.remove();
    if (conn.pageInfo.hasNextPage) {
      box.append(h('button', { type: 'button', class: 'secondary more', onclick: () => loadIndicators(conn.pageInfo.endCursor, state.routeToken) }, 'Show more indicators'));
    }
  }

  // ---------------------------------------------------------------- one indicator

  const SERIES_LENGTH = { MONTHLY: 24, QUARTERLY: 8, ANNUAL: 5 };

  async function renderIndicator(id, token) {
    setStatus('Loading the indicator…');
    const first = await gql(`query Indicator($id: ID, $period: String!) {
      indicator(id: $id) {
        id ref title definition unit decimals polarity frequency cumulative monitorOnly dataSource
        owner { name }
        priority { code title plan { id title } }
        result(period: $period) { ratedPeriod actual target targetIsProRata status previousStatus trend direction commentary dueDate
          benchmark { period lagged group { name } ownValue rank of quartile median best worst values { areaCode areaName value own rank } } }
      }
    }`, { id, period: state.period });
    if (token !== state.routeToken) return;
    const ind = first.indicator;
    if (!ind) {
      setStatus('');
      fill($('view'), h('a', { class: 'back', href: '#/' }, '← Back to the overview'),
        h('h1', null, 'Indicator not found'),
        h('p', null, state.viewer ? 'There is no indicator with this id in your council.' : 'There is no published indicator with this id. Sign in to see unpublished ones.'));
      return;
    }
    const to = parsePeriod(ind.result.ratedPeriod) || parsePeriod(state.period);
    const from = stepPeriod(to, -((SERIES_LENGTH[ind.frequency] || 8) - 1));
    const data = await gql(`query Series($id: ID, $from: String!, $to: String!) {
      indicator(id: $id) { series(from: $from, to: $to) { period actual target status commentary enteredAt } }
    }`, { id, from: formatPeriod(from), to: formatPeriod(to) });
    if (token !== state.routeToken) return;
    const series = data.indicator ? data.indicator.series : [];
    const r = ind.result;
    const unit = ind.unit, dec = ind.decimals;
    const view = $('view');
    fill(view,
      h('a', { class: 'back', href: '#/' }, '← Back to the overview'),
      h('h1', null, ind.ref + ' ' + ind.title),
      ind.definition ? h('p', { class: 'text' }, ind.definition) : null,
      h('div', { class: 'headline', 'aria-label': 'Result for ' + state.period, role: 'group' },
        h('div', null, h('div', { class: 'muted' }, 'Actual, ' + r.ratedPeriod), h('div', { class: 'big' }, formatValue(r.actual, unit, dec))),
        h('div', null, h('div', { class: 'muted' }, 'Target' + (r.targetIsProRata ? ' (pro-rata)' : '')), h('div', { class: 'big' }, formatValue(r.target, unit, dec))),
        h('div', null, h('div', { class: 'muted' }, 'Status'), h('div', null, statusBadge(r.status), change(r.previousStatus, r.status))),
        h('div', null, h('div', { class: 'muted' }, 'Direction of travel'), h('div', null, trend(r.trend, r.direction))),
        h('div', null, h('div', { class: 'muted' }, 'Data due'), h('div', null, r.dueDate))),
      r.commentary ? h('p', { class: 'text' }, h('strong', null, 'Commentary: '), r.commentary) : null,
      h('h2', { id: 'chart-heading' }, 'Trend'),
      chart(ind, series),
      h('h2', { id: 'history-heading' }, 'Values and commentary'),
      historyTable(ind, series),
      r.benchmark ? benchmarkSection(ind, r.benchmark) : null,
      h('h2', null, 'About this indicator'),
      h('dl', { class: 'facts' },
        fact('Priority', ind.priority ? (ind.priority.code ? ind.priority.code + '. ' : '') + ind.priority.title : 'None'),
        ind.owner ? fact('Owner', ind.owner.name) : null,
        fact('Frequency', (FREQUENCY[ind.frequency] || ind.frequency) + (ind.cumulative ? ', cumulative (year to date)' : '')),
        fact('Better when', ind.polarity === 'HIGHER_IS_BETTER' ? 'higher' : ind.polarity === 'LOWER_IS_BETTER' ? 'lower' : 'not rated (neutral)'),
        ind.monitorOnly ? fact('Rating', 'Monitor only: reported, never rated') : null,
        ind.dataSource ? fact('Data source', ind.dataSource) : null));
    setStatus('');
  }

  function fact(term, value) { return [h('dt', null, term), h('dd', null, value)]; }

  const QUARTILE = { 1: 'top quartile', 2: 'second quartile', 3: 'third quartile', 4: 'bottom quartile' };

  /** The council among its comparator group: a bar per area, best first, ours marked, and
   *  a table of the same values beside it (the chart is an image; the table is the data). */
  function benchmarkSection(ind, b) {
    const unit = ind.unit, dec = ind.decimals;
    const summary = 'Rank ' + b.rank + ' of ' + b.of + ' (' + QUARTILE[b.quartile] + ') in ' + b.group.name + ', ' + b.period +
      (b.lagged ? ' (the latest comparator data)' : '') + '. Median ' + formatValue(b.median, unit, dec) + ', best ' + formatValue(b.best, unit, dec) + '.';
    const W = 760, L = 230, R = 90, row = 22, T = 8;
    const H = T * 2 + row * b.values.length;
    const lo = Math.min(0, ...b.values.map((v) => v.value)), hi = Math.max(...b.values.map((v) => v.value), 0);
    const span = hi - lo || 1;
    const x = (v) => L + (v - lo) * (W - L - R) / span;
    const titleId = 'bench-title-' + ind.id, descId = 'bench-desc-' + ind.id;
    const svg = s('svg', { class: 'chart bench', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': titleId + ' ' + descId },
      s('title', { id: titleId }, ind.ref + ' ' + ind.title + ' compared with ' + b.group.name),
      s('desc', { id: descId }, summary),
      s('line', { class: 'median', x1: x(b.median).toFixed(1), x2: x(b.median).toFixed(1), y1: 0, y2: H }),
      b.values.map((v, i) => {
        const y = T + i * row;
        const x0 = x(Math.min(0, v.value)), x1 = x(Math.max(0, v.value));
        return [
          s('text', { class: 'axis' + (v.own ? ' own' : ''), x: L - 8, y: y + 15, 'text-anchor': 'end' }, (v.own ? '▶ ' : '') + v.areaName),
          s('rect', { class: v.own ? 'own' : 'other', x: x0.toFixed(1), y: y + 3, width: Math.max(1, x1 - x0).toFixed(1), height: row - 6 },
            s('title', null, v.areaName + ': ' + formatValue(v.value, unit, dec) + ', rank ' + v.rank)),
          s('text', { class: 'axis' + (v.own ? ' own' : ''), x: (x1 + 6).toFixed(1), y: y + 15 }, formatValue(v.value, unit, dec))];
      }));
    const table = h('div', { class: 'table-wrap' }, h('table', { id: 'benchmark' },
      h('caption', null, 'Values of ' + b.group.name + ', ' + b.period + ', best first'),
      h('thead', null, h('tr', null, ['Rank', 'Area', 'Value'].map((t, i) => h('th', { scope: 'col', class: i !== 1 ? 'num' : null }, t)))),
      h('tbody', null, b.values.map((v) => h('tr', { class: v.own ? 'own' : null },
        h('td', { class: 'num' }, String(v.rank)),
        h('th', { scope: 'row' }, v.own ? [h('strong', null, v.areaName), ' (us)'] : v.areaName),
        h('td', { class: 'num' }, formatValue(v.value, unit, dec)))))));
    return [
      h('h2', { id: 'benchmark-heading' }, 'Compared with other councils'),
      h('p', { class: 'text', id: 'benchmark-summary' }, summary),
      h('figure', { class: 'chart-wrap' }, svg, h('figcaption', null, h('ul', { class: 'legend' },
        h('li', null, h('span', { class: 'key-bar own', 'aria-hidden': 'true' }), 'Our value'),
        h('li', null, h('span', { class: 'key-bar', 'aria-hidden': 'true' }), 'Comparator councils'),
        h('li', null, h('span', { class: 'key-line median', 'aria-hidden': 'true' }), 'Median')))),
      table];
  }

  function historyTable(ind, series) {
    const rows = series.slice().reverse().filter((p) => p.actual !== null || p.commentary).map((p) => h('tr', null,
      h('th', { scope: 'row' }, p.period),
      h('td', { class: 'num' }, formatValue(p.actual, ind.unit, ind.decimals)),
      h('td', { class: 'num' }, formatValue(p.target, ind.unit, ind.decimals)),
      h('td', null, statusBadge(p.status)),
      h('td', { class: 'text' }, p.commentary || h('span', { class: 'none' }, '—')),
      h('td', null, p.enteredAt ? p.enteredAt.slice(0, 10) : '')));
    if (!rows.length) return h('p', { class: 'none' }, 'No values recorded in this range yet.');
    return h('div', { class: 'table-wrap' }, h('table', { id: 'history' },
      h('caption', null, 'Values, targets and commentary, latest first'),
      h('thead', null, h('tr', null, ['Period', 'Actual', 'Target', 'Status', 'Commentary', 'Entered']
        .map((t, i) => h('th', { scope: 'col', class: i === 1 || i === 2 ? 'num' : null }, t)))),
      h('tbody', null, rows)));
  }

  /** Two lines under a point: the quarter or month, then the year when it changes. */
  function axisLabel(period, previous) {
    const p = parsePeriod(period), q = previous ? parsePeriod(previous) : null;
    if (!p) return [period];
    if (p.kind === 'Q') return ['Q' + p.q, !q || q.y !== p.y ? formatPeriod({ kind: 'Y', y: p.y }) : ''];
    if (p.kind === 'M') return [MONTHS[p.m - 1], !q || q.y !== p.y ? String(p.y) : ''];
    return [period, ''];
  }

  /** Values as a line, the target as a dashed line, each point coloured (and titled) by status. */
  function chart(ind, series) {
    const W = 760, H = 300, L = 64, R = 16, T = 16, B = 46;
    const values = series.flatMap((p) => [p.actual, p.target]).filter((v) => v !== null && v !== undefined);
    const wrap = h('figure', { class: 'chart-wrap' });
    if (!values.length) {
      wrap.append(h('p', { class: 'none' }, 'Nothing to draw yet: no values or targets in this range.'));
      return wrap;
    }
    let lo = Math.min(...values), hi = Math.max(...values);
    if (lo === hi) { lo -= Math.abs(lo) * 0.1 || 1; hi += Math.abs(hi) * 0.1 || 1; }
    if (lo > 0 && lo < (hi - lo)) lo = 0;
    // "Nice" gridlines: steps of 1, 2, 2.5 or 5 times a power of ten.
    const rough = (hi - lo) / 4;
    const power = Math.pow(10, Math.floor(Math.log10(rough)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((v) => v >= rough) || rough;
    lo = Math.floor(lo / step) * step;
    hi = Math.ceil(hi / step) * step;
    const stepDecimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step / power === 2.5 ? 1 : 0));
    const n = series.length;
    const x = (i) => L + (n === 1 ? (W - L - R) / 2 : i * (W - L - R) / (n - 1));
    const y = (v) => T + (hi - v) * (H - T - B) / (hi - lo);
    const line = (key) => {
      let d = '', pen = false;
      series.forEach((p, i) => {
        const v = p[key];
        if (v === null || v === undefined) { pen = false; return; }
        d += (pen ? ' L ' : ' M ') + x(i).toFixed(1) + ' ' + y(v).toFixed(1);
        pen = true;
      });
      return d.trim();
    };
    const ticks = [];
    for (let t = lo; t <= hi + step / 2; t += step) ticks.push(t);
    const every = Math.max(1, Math.ceil(n / 12));
    // Label the latest point and every `every`-th one before it.
    const labelled = series.map((_, i) => i).filter((i) => (n - 1 - i) % every === 0);
    const titleId = 'chart-title-' + ind.id, descId = 'chart-desc-' + ind.id;
    const described = series.filter((p) => p.actual !== null).map((p) =>
      p.period + ' ' + formatValue(p.actual, ind.unit, ind.decimals) + ' (' + (INDICATOR_STATUS[p.status] || [p.status])[0] + ')').join(', ');
    const svg = s('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': titleId + ' ' + descId },
      s('title', { id: titleId }, ind.ref + ' ' + ind.title + ': values and target'),
      s('desc', { id: descId }, described || 'No values yet.'),
      ticks.map((t) => [
        s('line', { class: 'grid', x1: L, x2: W - R, y1: y(t).toFixed(1), y2: y(t).toFixed(1) }),
        s('text', { class: 'axis', x: L - 6, y: (y(t) + 4).toFixed(1), 'text-anchor': 'end' }, formatValue(t, ind.unit, stepDecimals))]),
      labelled.map((i, k) => s('text', { class: 'axis', x: x(i).toFixed(1), y: H - B + 18, 'text-anchor': 'middle' },
        axisLabel(series[i].period, k === 0 ? null : series[labelled[k - 1]].period).map((line, j) =>
          s('tspan', { x: x(i).toFixed(1), dy: j === 0 ? 0 : 14 }, line)))),
      line('target') ? s('path', { class: 'target', d: line('target') }) : null,
      line('actual') ? s('path', { class: 'actual', d: line('actual') }) : null,
      series.map((p, i) => {
        if (p.actual === null || p.actual === undefined) return null;
        const cls = (INDICATOR_STATUS[p.status] || ['', '', 'grey'])[2];
        return s('circle', { class: 'p-' + cls, cx: x(i).toFixed(1), cy: y(p.actual).toFixed(1), r: 5.5 },
          s('title', null, p.period + ': ' + formatValue(p.actual, ind.unit, ind.decimals) + ', ' + (INDICATOR_STATUS[p.status] || [p.status])[0]));
      }));
    wrap.append(svg, h('figcaption', null, h('ul', { class: 'legend' },
      h('li', null, h('span', { class: 'key-line', 'aria-hidden': 'true' }), 'Actual'),
      h('li', null, h('span', { class: 'key-line target', 'aria-hidden': 'true' }), 'Target'),
      h('li', null, statusBadge('GREEN')), h('li', null, statusBadge('AMBER')), h('li', null, statusBadge('RED')),
      h('li', null, h('span', { class: 'badge grey' }, 'Not rated')))));
    return wrap;
  }

  // ---------------------------------------------------------------- wiring

  document.addEventListener('DOMContentLoaded', () => {
    readAccess();
    $('public-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const slug = $('org-input').value.trim();
      if (!slug) return;
      sessionStorage.removeItem(TOKEN_KEY);
      state.token = null;
      state.org = slug;
      writeQuery();
      start();
    });
    $('token-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const token = $('token-input').value.trim();
      if (!token) return;
      $('token-input').value = '';
      sessionStorage.setItem(TOKEN_KEY, token);
      state.token = token;
      state.org = null;
      writeQuery();
      start();
    });
    $('plan-select').addEventListener('change', (ev) => {
      state.planId = ev.target.value;
      writeQuery();
      renderReportLinks();
      location.hash = '#/';
      route();
    });
    $('period-select').addEventListener('change', (ev) => {
      state.period = ev.target.value;
      writeQuery();
      renderReportLinks();
      route();
    });
    $('controls').addEventListener('submit', (ev) => ev.preventDefault());
    window.addEventListener('hashchange', () => {
      if (location.hash.startsWith('#token=')) { readAccess(); start(); return; }
      // Move focus to the new page's heading, as a page load would for a screen reader.
      if (state.organisation) route().then(focusHeading);
    });
    start();
  });
})();
