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
    // A message for the next page (after a save).
    flash: null,
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
    // `problems`: every problem of a form's input, each naming its field (`extensions.problems`).
    constructor(message, code, problems) { super(message); this.code = code; this.problems = problems || []; }
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
      const problems = body.errors.flatMap((e) => (e.extensions && e.extensions.problems) || []);
      throw new ApiError(body.errors.map((e) => e.message).join('; '), (first.extensions || {}).code, problems);
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
        h('a', { class: 'button secondary', href: '#/my-updates', id: 'my-updates-link' }, 'My updates'),
        isSenior() ? h('a', { class: 'button secondary', href: '#/approvals', id: 'approvals-link' }, 'Approvals') : null,
        state.viewer.role === 'ADMIN' ? h('a', { class: 'button secondary', href: '#/register', id: 'register-link' }, 'Register') : null,
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
        h('button', { type: 'button', class: 'secondary', onclick: () => fetchReport('.csv', $('csv-select').value, false) }, 'Download CSV'),
        h('button', { type: 'button', class: 'secondary', onclick: () => fetchReport('.xlsx', null, false) }, 'Download Excel'));
    } else {
      fill(box,
        h('a', { class: 'button', href: reportPath('', null), target: '_blank', rel: 'noopener' }, 'Printable report'),
        h('a', { class: 'button secondary', href: reportPath('.xlsx', null), download: '' }, 'Excel: every table'),
        ...tables.map((t) => h('a', { class: 'button secondary', href: reportPath('.csv', t), download: '' }, 'CSV: ' + t)));
    }
    if (state.viewer && state.viewer.role === 'ADMIN' && /^\d{4}-\d{2} Q[1-4]$/.test(state.period)) {
      box.append(h('button', { type: 'button', class: 'secondary', id: 'release-pack', onclick: releasePack }, 'Release the quarterly pack'),
        h('span', { id: 'release-pack-result', role: 'status' }));
    }
  }

  // The performance team releases a quarter's pack: mailed once to the plan's recipients.
  async function releasePack() {
    const out = $('release-pack-result');
    if (!window.confirm('Send the ' + state.period + ' pack to this plan\'s recipients now? It is sent once.')) return;
    try {
      const data = await gql(`mutation Release($plan: ID!, $period: String!) {
        releaseQuarterlyPack(planId: $plan, period: $period) { period recipients }
      }`, { plan: state.planId, period: state.period });
      const r = data.releaseQuarterlyPack;
      fill(out, 'Released: the ' + r.period + ' pack goes to ' + r.recipients + ' ' + (r.recipients === 1 ? 'person' : 'people') + '.');
    } catch (e) {
      fill(out, h('span', { class: 'error-text' }, e.message));
    }
  }

  // ---------------------------------------------------------------- routing

  async function route() {
    const token = ++state.routeToken;
    // A page left half-loaded leaves no "Loading…" behind.
    setStatus('');
    const hash = location.hash;
    const m = /^#\/indicators\/([^/?#]+)$/.exec(hash);
    const record = /^#\/indicators\/([^/?#]+)\/record\/([^/?#]+)$/.exec(hash);
    const update = /^#\/actions\/([^/?#]+)\/update\/([^/?#]+)$/.exec(hash);
    const extend = /^#\/extend\/(indicators|actions)\/([^/?#]+)\/([^/?#]+)$/.exec(hash);
    const user = /^#\/register\/users\/([^/?#]+)$/.exec(hash);
    const targets = /^#\/register\/indicators\/([^/?#]+)\/targets$/.exec(hash);
    const editIndicator = /^#\/register\/indicators\/([^/?#]+)$/.exec(hash);
    const plan = /^#\/register\/plans\/([^/?#]+)$/.exec(hash);
    const newPriority = /^#\/register\/plans\/([^/?#]+)\/priorities\/new$/.exec(hash);
    const priority = /^#\/register\/priorities\/([^/?#]+)$/.exec(hash);
    const objective = /^#\/register\/priorities\/([^/?#]+)\/objectives\/([^/?#]+)$/.exec(hash);
    const action = /^#\/register\/actions\/([^/?#]+)$/.exec(hash);
    const arg = (text) => decodeURIComponent(text);
    try {
      if (record) await renderRecordValue(arg(record[1]), arg(record[2]), token);
      else if (update) await renderActionUpdate(arg(update[1]), arg(update[2]), token);
      else if (extend) await renderExtension(extend[1], arg(extend[2]), arg(extend[3]));
      else if (hash === '#/my-updates') await renderMyUpdates(token);
      else if (hash === '#/approvals') await renderApprovals(token);
      else if (hash === '#/register') await renderRegister(token);
      else if (hash === '#/register/indicators/new') await renderNewIndicator(token);
      else if (targets) await renderTargets(arg(targets[1]), token);
      else if (editIndicator) await renderEditIndicator(arg(editIndicator[1]), token);
      else if (hash === '#/register/plans') await renderPlans(token);
      else if (hash === '#/register/plans/new') await renderPlan(null, token);
      else if (plan) await renderPlan(arg(plan[1]), token);
      else if (newPriority) await renderPriority(arg(newPriority[1]), null, token);
      else if (priority) await renderPriority(null, arg(priority[1]), token);
      else if (objective) await renderObjective(arg(objective[1]), objective[2] === 'new' ? null : arg(objective[2]), token);
      else if (hash === '#/register/actions') await renderActionsRegister(token);
      else if (action) await renderActionForm(action[1] === 'new' ? null : arg(action[1]), token);
      else if (hash === '#/register/users') await renderUsers(token);
      else if (hash === '#/register/settings') await renderSettings(token);
      else if (hash === '#/register/recipients') await renderRecipients(token);
      else if (user) await renderUser(arg(user[1]), token);
      else if (m) await renderIndicator(decodeURIComponent(m[1]), token);
      else if (hash === '#/import') renderImport();
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

  // ---------------------------------------------------------------- forms (GOV.UK patterns)

  /** Who may enter anything at all: every signed-in role but VIEWER. */
  function mayEnter() { return !!state.viewer && state.viewer.role !== 'VIEWER'; }
  function isSenior() { return !!state.viewer && (state.viewer.role === 'ADMIN' || state.viewer.role === 'EXECUTIVE'); }

  function periodInPath(period) { return encodeURIComponent(period); }
  function recordPath(id, period) { return '#/indicators/' + encodeURIComponent(id) + '/record/' + periodInPath(period); }
  function actionUpdatePath(id, period) { return '#/actions/' + encodeURIComponent(id) + '/update/' + periodInPath(period); }
  function extensionPath(kind, id, period) { return '#/extend/' + kind + '/' + encodeURIComponent(id) + '/' + periodInPath(period); }

  /** A message shown once on the next page (after a save). */
  function flash(text) { state.flash = text; }
  function takeFlash() {
    const text = state.flash;
    state.flash = null;
    return text ? h('div', { class: 'notice', role: 'status', id: 'notice' }, text) : null;
  }

  /** A message as a sentence: the API's messages start in lower case. */
  function sentence(text) { return text ? text.charAt(0).toUpperCase() + text.slice(1) : text; }

  /** The error summary: every problem, each a link to its field; focused so it is read out. */
  function errorSummary(box, problems) {
    if (!problems.length) { fill(box); return; }
    fill(box, h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', 'aria-labelledby': 'error-summary-title', id: 'error-summary' },
      h('h2', { id: 'error-summary-title' }, 'There is a problem'),
      h('ul', null, problems.map((p) => h('li', null, p.field
        ? h('a', { href: '#' + p.field, 'data-field': p.field, onclick: (ev) => {
          // A link to the field, not a new route.
          ev.preventDefault();
          const field = $(p.field);
          if (field) field.focus();
        } }, sentence(p.text))
        : sentence(p.text))))));
    box.firstChild.focus();
  }

  /** Marks fields as in error (inline message above the control), clearing the others. */
  function inlineErrors(form, problems) {
    form.querySelectorAll('.error-message').forEach((n) => n.remove());
    form.querySelectorAll('.field-error').forEach((n) => n.classList.remove('field-error'));
    form.querySelectorAll('[aria-invalid]').forEach((n) => {
      n.removeAttribute('aria-invalid');
      const ids = (n.getAttribute('aria-describedby') || '').split(' ').filter((i) => i && !i.endsWith('-error'));
      if (ids.length) n.setAttribute('aria-describedby', ids.join(' ')); else n.removeAttribute('aria-describedby');
    });
    for (const p of problems) {
      const control = p.field && $(p.field);
      if (!control) continue;
      const group = control.closest('.form-group');
      const id = p.field + '-error';
      const message = h('p', { class: 'error-message', id }, h('span', { class: 'visually-hidden' }, 'Error: '), sentence(p.text));
      const place = control.closest('.control') || control;
      if (group) group.classList.add('field-error');
      place.parentNode.insertBefore(message, place);
      control.setAttribute('aria-invalid', 'true');
      const ids = (control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
      control.setAttribute('aria-describedby', ids.concat(id).join(' '));
    }
  }

  function formGroup(id, label, hint, control) {
    const hintId = hint ? id + '-hint' : null;
    if (hintId) control.setAttribute('aria-describedby', hintId);
    return h('div', { class: 'form-group' },
      h('label', { for: id }, label),
      hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
      control);
  }

  /** GOV.UK's date input: day, month and year in a fieldset. */
  function dateInput(id, legend, hint, value) {
    const [y, m, d] = (value || '').split('-');
    const part = (name, label, v, width) => h('div', { class: 'date-part' },
      h('label', { for: id + '-' + name }, label),
      h('input', { id: id + '-' + name, name: id + '-' + name, type: 'text', inputmode: 'numeric', class: 'w' + width, value: v || '', autocomplete: 'off' }));
    return h('div', { class: 'form-group' },
      h('fieldset', { role: 'group', 'aria-describedby': hint ? id + '-hint' : null },
        h('legend', null, legend),
        hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null,
        h('div', { class: 'date-input control', id }, part('day', 'Day', d, 2), part('month', 'Month', m, 2), part('year', 'Year', y, 4))));
  }

  /** A date input's value: '' when all empty, an ISO date when real, else null. */
  function readDate(id) {
    const [d, m, y] = ['day', 'month', 'year'].map((p) => $(id + '-' + p).value.trim());
    if (!d && !m && !y) return '';
    if (!/^\d{1,2}$/.test(d) || !/^\d{1,2}$/.test(m) || !/^\d{4}$/.test(y)) return null;
    const date = new Date(Date.UTC(+y, +m - 1, +d));
    if (date.getUTCFullYear() !== +y || date.getUTCMonth() !== +m - 1 || date.getUTCDate() !== +d) return null;
    return y + '-' + pad2(+m) + '-' + pad2(+d);
  }

  /** A number as people type it: "1,250", "92.5", "-3"; NaN when it is not one. */
  function readNumber(text) {
    const clean = text.replace(/[,\s£%]/g, '');
    return /^-?(\d+(\.\d*)?|\.\d+)$/.test(clean) ? Number(clean) : NaN;
  }

  function formatDate(iso) {
    if (!iso) return '';
    const [y, m, d] = iso.split('-').map(Number);
    return d + ' ' + ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'][m - 1] + ' ' + y;
  }

  // ---------------------------------------------------------------- My updates

  const URGENCY = { OVERDUE: ['Overdue', 'red'], DUE_TODAY: ['Due today', 'amber'], DUE_SOON: ['Due soon', 'blue'], UPCOMING: ['Not yet due', 'grey'] };
  const MISSING = { VALUE: 'Value', COMMENTARY: 'Commentary', UPDATE: 'Progress update' };

  const OWED = `indicator { id ref title } action { id ref title } period dueDate extended missing urgency owner { id name }`;

  async function renderMyUpdates(token) {
    const view = $('view');
    if (!state.viewer) {
      fill(view, h('h1', null, 'My updates'), h('p', null, 'Sign in to see what you owe.'));
      return;
    }
    setStatus('Loading your updates…');
    const data = await gql(`query MyUpdates { myUpdates { mine { ${OWED} } team { ${OWED} } } }`);
    if (token !== state.routeToken) return;
    setStatus('');
    const { mine, team } = data.myUpdates;
    fill(view,
      takeFlash(),
      h('h1', null, 'My updates'),
      state.viewer.role === 'VIEWER'
        ? h('p', { id: 'viewer-note' }, 'Viewers see the dashboard but do not enter values or updates.')
        : null,
      h('section', { 'aria-labelledby': 'mine-heading', id: 'mine' },
        h('h2', { id: 'mine-heading' }, 'Your updates'),
        mine.length ? owedTable('mine', mine, false) : h('p', { class: 'none', id: 'mine-none' }, 'Nothing to enter: you are up to date.')),
      team.length || ['MANAGER', 'EXECUTIVE'].includes(state.viewer.role)
        ? h('section', { 'aria-labelledby': 'team-heading', id: 'team' },
          h('h2', { id: 'team-heading' }, 'Your team’s updates'),
          h('p', { class: 'hint' }, 'Everyone below you in the line-management chain.'),
          team.length ? owedTable('team', team, true) : h('p', { class: 'none' }, 'Nobody in your team owes anything.'),
          h('div', { id: 'nudge-status', role: 'status', class: 'status' }))
        : null);
  }

  function itemName(o) {
    const item = o.indicator || o.action;
    return (item.ref ? item.ref + ' ' : '') + item.title;
  }

  function owedTable(id, list, team) {
    const rows = list.map((o) => {
      const [urgency, cls] = URGENCY[o.urgency] || [o.urgency, 'grey'];
      const name = itemName(o);
      const links = [];
      if (mayEnter() && !team) {
        if (o.indicator) {
          links.push(h('a', { href: recordPath(o.indicator.id, o.period) },
            o.missing === 'COMMENTARY' ? 'Enter value commentary' : 'Enter value',
            h('span', { class: 'visually-hidden' }, ' for ' + name + ', ' + o.period)));
        } else {
          links.push(h('a', { href: actionUpdatePath(o.action.id, o.period) }, 'Update action',
            h('span', { class: 'visually-hidden' }, ' ' + name + ', ' + o.period)));
        }
      }
      if (team) {
        links.push(h('button', { type: 'button', class: 'secondary small', onclick: (ev) => nudge(o, ev.currentTarget) },
          'Send a reminder', h('span', { class: 'visually-hidden' }, ' to ' + (o.owner ? o.owner.name : 'the owner') + ' about ' + name + ', ' + o.period)));
      }
      if (isSenior() && o.urgency === 'OVERDUE') {
        const kind = o.indicator ? 'indicators' : 'actions';
        links.push(h('a', { href: extensionPath(kind, (o.indicator || o.action).id, o.period) }, 'Grant an extension',
          h('span', { class: 'visually-hidden' }, ' for ' + name + ', ' + o.period)));
      }
      return h('tr', { 'data-item': (o.indicator ? 'indicator:' + o.indicator.id : 'action:' + o.action.id) + ':' + o.period },
        h('th', { scope: 'row' }, o.indicator ? h('a', { href: '#/indicators/' + encodeURIComponent(o.indicator.id) }, name) : name,
          team && o.owner ? h('div', { class: 'muted' }, o.owner.name) : null),
        h('td', null, o.period),
        h('td', { class: 'due' }, formatDate(o.dueDate), o.extended ? h('div', { class: 'muted' }, 'extended') : null),
        h('td', null, h('span', { class: 'badge ' + cls }, urgency)),
        h('td', null, MISSING[o.missing] || o.missing),
        h('td', { class: 'links' }, links));
    });
    return h('div', { class: 'table-wrap' }, h('table', { id: id + '-table' },
      h('caption', { class: 'visually-hidden' }, team ? 'What your team owes' : 'What you owe'),
      h('thead', null, h('tr', null, ['Item', 'Period', 'Due', 'Urgency', 'Needed', h('span', { class: 'visually-hidden' }, 'Actions')]
        .map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows)));
  }

  async function nudge(o, button) {
    const status = $('nudge-status');
    button.disabled = true;
    try {
      const input = { period: o.period, note: null };
      if (o.indicator) input.indicatorId = o.indicator.id; else input.actionId = o.action.id;
      const data = await gql(`mutation Nudge($input: NudgeInput!) { nudge(input: $input) { recipient { name } queued } }`, { input });
      const n = data.nudge;
      status.textContent = n.queued
        ? 'Reminder sent to ' + n.recipient.name + ' about ' + itemName(o) + ', ' + o.period + '.'
        : n.recipient.name + ' was already reminded about ' + itemName(o) + ' today.';
    } catch (e) {
      status.textContent = 'The reminder was not sent: ' + e.message;
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- record a value

  /** The same period a year before: 12 months, 4 quarters or 1 year back. */
  function lastYear(p) { return stepPeriod(p, p.kind === 'M' ? -12 : p.kind === 'Q' ? -4 : -1); }

  async function renderRecordValue(id, period, token) {
    const view = $('view');
    const back = h('a', { class: 'back', href: '#/my-updates' }, '← Back to My updates');
    if (!mayEnter()) {
      fill(view, back, h('h1', null, 'Record a value'),
        h('p', { id: 'no-form' }, state.viewer ? 'Viewers cannot enter values.' : 'Sign in to enter values.'));
      return;
    }
    const p = parsePeriod(period);
    if (!p) { fill(view, back, h('h1', null, 'Record a value'), h('p', null, period + ' is not a period.')); return; }
    setStatus('Loading…');
    const data = await gql(`query RecordValue($id: ID, $period: String!, $prev: String!, $ly: String!) {
      indicator(id: $id) {
        id ref title unit decimals polarity owner { name }
        result(period: $period) { period actual target targetIsProRata status commentary noValueReason version dueDate extended missing enteredBy { name } enteredAt }
        previous: result(period: $prev) { period actual status }
        lastYear: result(period: $ly) { period actual status }
      }
    }`, { id, period, prev: formatPeriod(stepPeriod(p, -1)), ly: formatPeriod(lastYear(p)) });
    if (token !== state.routeToken) return;
    setStatus('');
    const ind = data.indicator;
    if (!ind) { fill(view, back, h('h1', null, 'Indicator not found')); return; }
    const r = ind.result;
    const form = { version: r.version };
    const value = (v) => formatValue(v, ind.unit, ind.decimals);
    const summary = h('div', { id: 'summary-box' });
    const preview = h('div', { id: 'preview', class: 'preview', 'aria-live': 'polite' });
    const conflictBox = h('div', { id: 'conflict-box' });
    const valueInput = h('input', { id: 'value', name: 'value', type: 'text', inputmode: 'decimal', autocomplete: 'off', class: 'w10',
      value: r.actual === null ? '' : String(r.actual) });
    const commentary = h('textarea', { id: 'commentary', name: 'commentary', rows: 5 }, r.commentary || '');
    const noValue = h('input', { id: 'no-value', name: 'no-value', type: 'checkbox', checked: r.actual === null && !!r.noValueReason });
    const reason = h('textarea', { id: 'no-value-reason', name: 'no-value-reason', rows: 3 }, r.noValueReason || '');
    const reasonGroup = formGroup('no-value-reason', 'Why there is no value', 'For example: the data comes from a partner and is late.', reason);
    const valueGroup = formGroup('value', 'Value', unitHint(ind.unit), valueInput);
    const syncNoValue = () => {
      reasonGroup.hidden = !noValue.checked;
      valueInput.disabled = noValue.checked;
      schedulePreview();
    };
    let timer = null;
    const schedulePreview = () => { clearTimeout(timer); timer = setTimeout(runPreview, 250); };
    const runPreview = async () => {
      const text = valueInput.value.trim();
      const v = noValue.checked || !text ? null : readNumber(text);
      if (Number.isNaN(v)) { fill(preview); return; }
      try {
        const d = await gql(`query Preview($id: ID!, $period: String!, $value: Float, $commentary: String) {
          previewResult(indicatorId: $id, period: $period, value: $value, commentary: $commentary) { status missing }
        }`, { id: ind.id, period, value: v, commentary: commentary.value.trim() || null });
        const pr = d.previewResult;
        fill(preview, h('span', { class: 'label' }, v === null ? 'Status with no value: ' : 'Status if saved: '), statusBadge(pr.status),
          pr.missing === 'COMMENTARY' ? h('span', { class: 'needs' }, ' Commentary is needed for this value.') : null);
        preview.dataset.status = pr.status;
      } catch (e) { fill(preview, 'The status could not be worked out: ' + e.message); }
    };
    valueInput.addEventListener('input', schedulePreview);
    commentary.addEventListener('input', schedulePreview);
    noValue.addEventListener('change', syncNoValue);

    const save = async (ev, force) => {
      if (ev) ev.preventDefault();
      const problems = [];
      const text = valueInput.value.trim();
      let v = null;
      if (!noValue.checked) {
        if (!text) problems.push({ field: 'value', text: 'Enter the value, or choose “No value this period”' });
        else {
          v = readNumber(text);
          if (Number.isNaN(v)) problems.push({ field: 'value', text: 'Value must be a number, like 92.5' });
        }
      } else if (!reason.value.trim()) {
        problems.push({ field: 'no-value-reason', text: 'Say why there is no value this period' });
      }
      inlineErrors(formNode, problems);
      fill(conflictBox);
      if (problems.length) { errorSummary(summary, problems); return; }
      const input = { indicatorId: ind.id, period, value: v, commentary: commentary.value.trim() || null, expectedVersion: force === undefined ? form.version : force };
      if (noValue.checked) input.noValueReason = reason.value.trim();
      setStatus('Saving…');
      try {
        const d = await gql(`mutation Record($input: RecordMeasurementInput!) {
          recordMeasurement(input: $input) { status missing complete version actual commentary }
        }`, { input });
        setStatus('');
        const saved = d.recordMeasurement;
        form.version = saved.version;
        if (saved.missing === 'COMMENTARY') {
          const words = (INDICATOR_STATUS[saved.status] || [saved.status])[0].toLowerCase();
          const problem = { field: 'commentary', text: 'Commentary is still needed: the value was saved, but it is ' + words + ', so explain why before the update is complete' };
          inlineErrors(formNode, [problem]);
          errorSummary(summary, [problem]);
          fill(preview, h('span', { class: 'label' }, 'Saved. Status: '), statusBadge(saved.status), h('span', { class: 'needs' }, ' Commentary is needed for this value.'));
          return;
        }
        flash('Saved ' + ind.ref + ' ' + ind.title + ', ' + period + ': ' + (saved.actual === null ? 'no value' : value(saved.actual)) + '.');
        location.hash = '#/my-updates';
      } catch (e) {
        setStatus('');
        if (e.code === 'CONFLICT') { await showConflict(input); return; }
        errorSummary(summary, [{ field: null, text: e.message }]);
      }
    };

    /** Someone else saved meanwhile: both values side by side, the officer chooses. */
    const showConflict = async (mine) => {
      const d = await gql(`query Theirs($id: ID, $period: String!) {
        indicator(id: $id) { result(period: $period) { actual commentary noValueReason version enteredBy { name } enteredAt } }
      }`, { id: ind.id, period });
      const theirs = d.indicator.result;
      const who = theirs.enteredBy ? theirs.enteredBy.name : 'Someone else';
      const when = theirs.enteredAt ? theirs.enteredAt.slice(0, 16).replace('T', ' ') : '';
      fill(conflictBox, h('div', { class: 'error-summary conflict', role: 'alert', tabindex: '-1', id: 'conflict', 'aria-labelledby': 'conflict-title' },
        h('h2', { id: 'conflict-title' }, 'Someone else saved this value while you were editing'),
        h('p', null, who + ' saved it' + (when ? ' at ' + when + ' (UTC)' : '') + '. Nothing has been overwritten. Choose which to keep.'),
        h('table', { id: 'conflict-table' },
          h('thead', null, h('tr', null, h('td', null), h('th', { scope: 'col' }, 'Yours (not saved)'), h('th', { scope: 'col' }, 'Saved by ' + who))),
          h('tbody', null,
            h('tr', { 'data-row': 'value' }, h('th', { scope: 'row' }, 'Value'), h('td', { class: 'num mine' }, mine.value === null ? 'No value' : value(mine.value)), h('td', { class: 'num theirs' }, theirs.actual === null ? 'No value' : value(theirs.actual))),
            h('tr', { 'data-row': 'commentary' }, h('th', { scope: 'row' }, 'Commentary'), h('td', { class: 'text' }, mine.commentary || '—'), h('td', { class: 'text' }, theirs.commentary || '—')))),
        h('div', { class: 'buttons' },
          h('button', { type: 'button', id: 'keep-mine', onclick: () => save(null, theirs.version) }, 'Save mine instead'),
          h('button', { type: 'button', id: 'keep-theirs', class: 'secondary', onclick: () => {
            form.version = theirs.version;
            valueInput.value = theirs.actual === null ? '' : String(theirs.actual);
            commentary.value = theirs.commentary || '';
            fill(conflictBox);
            fill(summary);
            setStatus('Showing the value ' + who + ' saved.');
            schedulePreview();
          } }, 'Keep theirs'))));
      conflictBox.firstChild.focus();
    };

    const formNode = h('form', { id: 'record-form', class: 'entry', novalidate: true, onsubmit: save },
      valueGroup,
      h('div', { class: 'form-group checkbox' }, noValue, h('label', { for: 'no-value' }, 'No value this period')),
      reasonGroup,
      preview,
      formGroup('commentary', 'Commentary', 'Needed when the value is amber or red (or worse than last time, with no target): why, and what is being done.', commentary),
      h('button', { type: 'submit', id: 'save' }, 'Save'));
    fill(view, back, summary, conflictBox,
      h('h1', null, h('span', { class: 'caption' }, 'Record a value, ' + period), ind.ref + ' ' + ind.title),
      h('dl', { class: 'facts', id: 'record-facts' },
        fact('Target' + (r.targetIsProRata ? ' (pro-rata)' : ''), value(r.target)),
        fact('Previous period (' + data.indicator.previous.period + ')', value(data.indicator.previous.actual)),
        fact('Same period last year (' + data.indicator.lastYear.period + ')', value(data.indicator.lastYear.actual)),
        fact('Due', formatDate(r.dueDate) + (r.extended ? ' (extended)' : '')),
        r.version ? fact('Last saved', (r.enteredBy ? r.enteredBy.name + ', ' : '') + (r.enteredAt || '').slice(0, 10)) : null),
      formNode);
    syncNoValue();
    runPreview();
    focusHeading();
  }

  function unitHint(unit) {
    return { PERCENT: 'A percentage, like 92.5 (without the % sign).', CURRENCY: 'In pounds, like 1250.', DAYS: 'A number of days, like 20.5.', COUNT: 'A whole number, like 42.' }[unit] || 'A number.';
  }

  // ---------------------------------------------------------------- update an action

  async function renderActionUpdate(id, period, token) {
    const view = $('view');
    const back = h('a', { class: 'back', href: '#/my-updates' }, '← Back to My updates');
    if (!mayEnter()) {
      fill(view, back, h('h1', null, 'Update an action'), h('p', { id: 'no-form' }, state.viewer ? 'Viewers cannot update actions.' : 'Sign in to update actions.'));
      return;
    }
    setStatus('Loading…');
    const data = await gql(`query ActionForUpdate($id: ID!) {
      action(id: $id) { id ref title estimatedCompletion owner { name } updates { period status commentary nextSteps } }
    }`, { id });
    if (token !== state.routeToken) return;
    setStatus('');
    const a = data.action;
    if (!a) { fill(view, back, h('h1', null, 'Action not found')); return; }
    const current = a.updates.find((u) => u.period === period);
    const summary = h('div', { id: 'summary-box' });
    const status = h('select', { id: 'action-status', name: 'status' },
      h('option', { value: '' }, 'Choose a status'),
      Object.entries(ACTION_STATUS).map(([k, [label]]) => h('option', { value: k, selected: current && current.status === k }, label)));
    const commentary = h('textarea', { id: 'action-commentary', rows: 5 }, current ? current.commentary || '' : '');
    const nextSteps = h('textarea', { id: 'next-steps', rows: 4 }, current ? current.nextSteps || '' : '');
    const save = async (ev) => {
      ev.preventDefault();
      const problems = [];
      if (!status.value) problems.push({ field: 'action-status', text: 'Choose the action’s status' });
      const date = readDate('estimated-completion');
      if (date === null) problems.push({ field: 'estimated-completion-day', text: 'Estimated completion date must be a real date, like 31 3 2026' });
      inlineErrors(formNode, problems.map((p) => p.field === 'estimated-completion-day' ? { field: 'estimated-completion-day', text: p.text } : p));
      if (problems.length) { errorSummary(summary, problems); return; }
      const input = { actionId: a.id, period, status: status.value, commentary: commentary.value.trim() || null, nextSteps: nextSteps.value.trim() || null };
      if (date) input.estimatedCompletion = date;
      setStatus('Saving…');
      try {
        await gql(`mutation ActionUpdate($input: ActionUpdateInput!) { recordActionUpdate(input: $input) { id } }`, { input });
        setStatus('');
        flash('Saved the ' + period + ' update of ' + (a.ref ? a.ref + ' ' : '') + a.title + '.');
        location.hash = '#/my-updates';
      } catch (e) {
        setStatus('');
        errorSummary(summary, [{ field: null, text: e.message }]);
      }
    };
    const formNode = h('form', { id: 'action-form', class: 'entry', novalidate: true, onsubmit: save },
      formGroup('action-status', 'Status', 'Blue: finished but benefits not yet seen. Completed: closed.', status),
      formGroup('action-commentary', 'Commentary', 'Progress this quarter.', commentary),
      formGroup('next-steps', 'Next steps', 'What happens next quarter.', nextSteps),
      dateInput('estimated-completion', 'Estimated completion date', 'For example, 31 3 2026. Leave empty if it has not changed.', a.estimatedCompletion),
      h('button', { type: 'submit', id: 'save-update' }, 'Save update'));
    fill(view, back, summary,
      h('h1', null, h('span', { class: 'caption' }, 'Update an action, ' + period), (a.ref ? a.ref + ' ' : '') + a.title),
      formNode);
    focusHeading();
  }

  // ---------------------------------------------------------------- extensions (EXECUTIVE, ADMIN)

  async function renderExtension(kind, id, period) {
    const view = $('view');
    const back = h('a', { class: 'back', href: '#/my-updates' }, '← Back to My updates');
    if (!isSenior()) {
      fill(view, back, h('h1', null, 'Grant an extension'), h('p', { id: 'no-form' }, 'Only directors (EXECUTIVE) and the performance team (ADMIN) grant extensions.'));
      return;
    }
    const summary = h('div', { id: 'summary-box' });
    const reason = h('textarea', { id: 'extension-reason', rows: 3 });
    const save = async (ev) => {
      ev.preventDefault();
      const problems = [];
      const date = readDate('extension-date');
      if (!date) problems.push({ field: 'extension-date-day', text: date === '' ? 'Enter the new due date' : 'The new due date must be a real date, like 30 11 2025' });
      if (!reason.value.trim()) problems.push({ field: 'extension-reason', text: 'Enter the reason for the extension' });
      inlineErrors(formNode, problems);
      if (problems.length) { errorSummary(summary, problems); return; }
      const input = { period, dueDate: date, reason: reason.value.trim() };
      if (kind === 'indicators') input.indicatorId = id; else input.actionId = id;
      try {
        const d = await gql(`mutation Extend($input: DeadlineExtensionInput!) { grantDeadlineExtension(input: $input) { dueDate } }`, { input });
        flash('Extension granted: now due ' + formatDate(d.grantDeadlineExtension.dueDate) + '.');
        location.hash = '#/my-updates';
      } catch (e) {
        errorSummary(summary, [{ field: null, text: e.message }]);
      }
    };
    const formNode = h('form', { id: 'extension-form', class: 'entry', novalidate: true, onsubmit: save },
      dateInput('extension-date', 'New due date', 'For example, 30 11 2025.', ''),
      formGroup('extension-reason', 'Reason', 'Recorded with the extension.', reason),
      h('button', { type: 'submit', id: 'grant' }, 'Grant extension'));
    fill(view, back, summary, h('h1', null, h('span', { class: 'caption' }, period), 'Grant an extension'), formNode);
    focusHeading();
  }

  // ---------------------------------------------------------------- approvals (EXECUTIVE, ADMIN)

  async function renderApprovals(token) {
    const view = $('view');
    if (!isSenior()) {
      fill(view, h('h1', null, 'Proposed indicators'), h('p', { id: 'no-form' }, 'Only directors (EXECUTIVE) and the performance team (ADMIN) approve indicators.'));
      return;
    }
    const data = await gql(`query Proposed { indicators(filter: { lifecycle: PROPOSED }, first: 100) { edges { node { id ref title definition owner { name } } } } }`);
    if (token !== state.routeToken) return;
    const list = data.indicators.edges.map((e) => e.node);
    const status = h('div', { id: 'approval-status', role: 'status', class: 'status' });
    const item = (n) => {
      const reasonId = 'reject-reason-' + n.id;
      const box = h('li', { class: 'panel', 'data-id': n.id },
        h('h2', null, n.ref + ' ' + n.title),
        n.definition ? h('p', null, n.definition) : null,
        n.owner ? h('p', { class: 'muted' }, 'Proposed owner: ' + n.owner.name) : null,
        h('button', { type: 'button', onclick: async () => {
          try {
            await gql(`mutation Approve($id: ID!) { approveIndicator(id: $id) { id } }`, { id: n.id });
            box.remove();
            status.textContent = 'Approved ' + n.ref + ' ' + n.title + '.';
          } catch (e) { status.textContent = e.message; }
        } }, 'Approve', h('span', { class: 'visually-hidden' }, ' ' + n.ref)),
        h('details', null, h('summary', null, 'Reject ' + n.ref),
          h('div', { class: 'form-group' }, h('label', { for: reasonId }, 'Reason for rejecting'), h('textarea', { id: reasonId, rows: 3 })),
          h('button', { type: 'button', class: 'warning', onclick: async () => {
            const reason = $(reasonId).value.trim();
            if (!reason) { status.textContent = 'Enter the reason for rejecting ' + n.ref + '.'; $(reasonId).focus(); return; }
            try {
              await gql(`mutation Reject($id: ID!, $reason: String!) { rejectIndicator(id: $id, reason: $reason) { id } }`, { id: n.id, reason });
              box.remove();
              status.textContent = 'Rejected ' + n.ref + ' ' + n.title + '.';
            } catch (e) { status.textContent = e.message; }
          } }, 'Reject')));
      return box;
    };
    fill(view, h('h1', null, 'Proposed indicators'), status,
      list.length ? h('ul', { class: 'approvals' }, list.map(item)) : h('p', { class: 'none' }, 'No indicator is waiting for approval.'));
  }

  // ---------------------------------------------------------------- the register (ADMIN)

  function adminOnly(title) {
    if (state.viewer && state.viewer.role === 'ADMIN') return false;
    fill($('view'), h('h1', null, title), h('p', { id: 'no-form' }, 'Only the performance team (ADMIN) keeps the register.'));
    return true;
  }

  async function renderRegister(token, search, after) {
    if (adminOnly('The register')) return;
    const data = await gql(`query Register($filter: IndicatorFilter, $after: String) {
      indicators(filter: $filter, first: 25, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { id ref title frequency lifecycle owner { name } } }
      }
    }`, { filter: search ? { search } : {}, after: after || null });
    if (token !== state.routeToken) return;
    const conn = data.indicators;
    const rows = conn.edges.map(({ node: n }) => h('tr', { 'data-id': n.id },
      h('td', null, n.ref),
      h('th', { scope: 'row' }, h('a', { href: '#/indicators/' + encodeURIComponent(n.id) }, n.title)),
      h('td', null, FREQUENCY[n.frequency] || n.frequency),
      h('td', null, n.owner ? n.owner.name : '—'),
      h('td', null, h('a', { href: '#/register/indicators/' + encodeURIComponent(n.id) }, 'Change',
        h('span', { class: 'visually-hidden' }, ' ' + n.ref)), ' ',
      h('a', { href: '#/register/indicators/' + encodeURIComponent(n.id) + '/targets' }, 'Targets',
        h('span', { class: 'visually-hidden' }, ' of ' + n.ref)))));
    const input = h('input', { id: 'register-search', type: 'search', value: search || '', autocomplete: 'off' });
    fill($('view'),
      takeFlash(),
      registerNav(),
      h('h1', null, 'The register: indicators'),
      h('p', { class: 'buttons' }, h('a', { class: 'button', href: '#/register/indicators/new', id: 'add-indicator' }, 'Add an indicator')),
      h('form', { class: 'filters', role: 'search', onsubmit: (ev) => { ev.preventDefault(); renderRegister(state.routeToken, input.value.trim()); } },
        h('div', { class: 'field' }, h('label', { for: 'register-search' }, 'Search by reference or title'), input),
        h('button', { type: 'submit', class: 'secondary' }, 'Search')),
      h('p', { id: 'register-count' }, conn.totalCount + ' indicator' + (conn.totalCount === 1 ? '' : 's') + (after ? ' (a later page)' : '') + '.'),
      h('div', { class: 'table-wrap' }, h('table', { id: 'register-table' },
        h('caption', { class: 'visually-hidden' }, 'Active indicators'),
        h('thead', null, h('tr', null, ['Ref', 'Indicator', 'Frequency', 'Owner', h('span', { class: 'visually-hidden' }, 'Links')].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, rows))),
      conn.pageInfo.hasNextPage
        ? h('button', { type: 'button', class: 'secondary', onclick: () => renderRegister(state.routeToken, search, conn.pageInfo.endCursor) }, 'Next page')
        : null);
  }

  const ENUM_WORDS = {
    level: [['KPM', 'Key performance measure'], ['MANAGEMENT', 'Management'], ['SERVICE', 'Service'], ['CONTEXTUAL', 'Contextual']],
    unit: [['PERCENT', 'Percentage'], ['COUNT', 'Count'], ['CURRENCY', 'Money (£)'], ['DAYS', 'Days'], ['RATIO', 'Ratio'], ['OTHER', 'Other']],
    polarity: [['HIGHER_IS_BETTER', 'Higher is better'], ['LOWER_IS_BETTER', 'Lower is better'], ['NEUTRAL', 'Neutral (not rated)']],
    frequency: [['MONTHLY', 'Monthly'], ['QUARTERLY', 'Quarterly'], ['ANNUAL', 'Annual']],
  };

  async function renderNewIndicator(token) {
    if (adminOnly('Add an indicator')) return;
    const data = await gql(`query Priorities { plans { id title priorities { id code title } } }`);
    if (token !== state.routeToken) return;
    const summary = h('div', { id: 'summary-box' });
    const select = (id, options, first) => h('select', { id, name: id },
      first ? h('option', { value: '' }, first) : null,
      options.map(([v, t]) => h('option', { value: v }, t)));
    const text = (id, cls) => h('input', { id, name: id, type: 'text', autocomplete: 'off', class: cls || null });
    const priorities = data.plans.flatMap((p) => p.priorities.map((q) => [q.id, p.title + ': ' + (q.code ? q.code + '. ' : '') + q.title]));
    const check = (id, label) => h('div', { class: 'form-group checkbox' }, h('input', { id, name: id, type: 'checkbox' }), h('label', { for: id }, label));
    const save = async (ev) => {
      ev.preventDefault();
      const problems = [];
      const ref = $('ind-ref').value.trim(), title = $('ind-title').value.trim();
      if (!ref) problems.push({ field: 'ind-ref', text: 'Enter the indicator’s reference' });
      if (!title) problems.push({ field: 'ind-title', text: 'Enter the indicator’s title' });
      for (const f of ['ind-unit', 'ind-polarity', 'ind-frequency']) {
        if (!$(f).value) problems.push({ field: f, text: 'Choose the ' + f.slice(4) });
      }
      const tol = $('ind-tolerance').value.trim();
      const tolerance = tol ? readNumber(tol) : null;
      if (Number.isNaN(tolerance)) problems.push({ field: 'ind-tolerance', text: 'Tolerance must be a number, like 5' });
      inlineErrors(formNode, problems);
      if (problems.length) { errorSummary(summary, problems); return; }
      const input = {
        ref, title, definition: $('ind-definition').value.trim() || null,
        priorityId: $('ind-priority').value || null, ownerId: $('ind-owner').value || null,
        level: $('ind-level').value, unit: $('ind-unit').value, polarity: $('ind-polarity').value, frequency: $('ind-frequency').value,
        cumulative: $('ind-cumulative').checked, monitorOnly: $('ind-monitor').checked, published: $('ind-published').checked,
        dataSource: $('ind-source').value.trim() || null,
      };
      if (tolerance !== null) input.tolerancePct = tolerance;
      try {
        const d = await gql(`mutation Create($input: CreateIndicatorInput!) { createIndicator(input: $input) { id ref } }`, { input });
        flash('Added ' + d.createIndicator.ref + ' ' + title + '. Now set its targets.');
        location.hash = '#/register/indicators/' + encodeURIComponent(d.createIndicator.id) + '/targets';
      } catch (e) {
        const fields = { ref: 'ind-ref', title: 'ind-title', definition: 'ind-definition', priorityId: 'ind-priority', ownerId: 'ind-owner',
          tolerancePct: 'ind-tolerance', dataSource: 'ind-source' };
        const found = serverProblems(e, Object.entries(fields).map(([name, focusId]) => ({ name, focusId })));
        inlineErrors(formNode, found.filter((p) => p.field));
        errorSummary(summary, found);
      }
    };
    const formNode = h('form', { id: 'indicator-form', class: 'entry', novalidate: true, onsubmit: save },
      formGroup('ind-ref', 'Reference', 'Unique in the council, for example KPI 12.', text('ind-ref', 'w10')),
      formGroup('ind-title', 'Title', null, text('ind-title')),
      formGroup('ind-definition', 'Definition', 'What is counted, and how.', h('textarea', { id: 'ind-definition', rows: 3 })),
      formGroup('ind-priority', 'Priority', null, select('ind-priority', priorities, 'None')),
      formGroup('ind-owner', 'Owner', 'Who enters its values.', select('ind-owner', state.users.map((u) => [u.id, u.name]), 'No owner yet')),
      formGroup('ind-level', 'Level', null, select('ind-level', ENUM_WORDS.level)),
      formGroup('ind-unit', 'Unit', null, select('ind-unit', ENUM_WORDS.unit, 'Choose a unit')),
      formGroup('ind-polarity', 'Better when', null, select('ind-polarity', ENUM_WORDS.polarity, 'Choose')),
      formGroup('ind-frequency', 'Frequency', 'How often a value is recorded.', select('ind-frequency', ENUM_WORDS.frequency, 'Choose a frequency')),
      check('ind-cumulative', 'Cumulative (year to date)'),
      check('ind-monitor', 'Monitor only: reported, never rated'),
      formGroup('ind-tolerance', 'Tolerance (percent of the target)', 'Leave empty for the council’s default.', text('ind-tolerance', 'w10')),
      formGroup('ind-source', 'Data source', null, text('ind-source')),
      check('ind-published', 'Published on the public portal'),
      h('button', { type: 'submit', id: 'create-indicator' }, 'Add indicator'));
    fill($('view'), h('a', { class: 'back', href: '#/register' }, '← Back to the register'), summary, h('h1', null, 'Add an indicator'), formNode);
    focusHeading();
  }

  const USERS_PAGE = 25;

  /** The users, searchable by name or e-mail (every word), 25 a page. */
  async function renderUsers(token, search, page) {
    if (adminOnly('Users')) return;
    const data = await gql(`query Users { users(includeInactive: true) { id name email role active manager { id name } } }`);
    if (token !== state.routeToken) return;
    const wordsOf = (text) => (text || '').toLowerCase().split(/\s+/).filter(Boolean);
    const wanted = wordsOf(search);
    const found = data.users.filter((u) => wanted.every((w) => (u.name + ' ' + u.email).toLowerCase().includes(w)));
    const at = page || 0;
    const shown = found.slice(at * USERS_PAGE, (at + 1) * USERS_PAGE);
    const input = h('input', { id: 'users-search', type: 'search', value: search || '', autocomplete: 'off' });
    fill($('view'), h('a', { class: 'back', href: '#/register' }, '← Back to the register'), takeFlash(), registerNav(),
      h('h1', null, 'Users'),
      h('form', { class: 'filters', role: 'search', onsubmit: (ev) => { ev.preventDefault(); renderUsers(state.routeToken, input.value.trim(), 0); } },
        h('div', { class: 'field' }, h('label', { for: 'users-search' }, 'Search by name or e-mail'), input),
        h('button', { type: 'submit', class: 'secondary' }, 'Search')),
      h('p', { id: 'users-count' }, found.length + ' user' + (found.length === 1 ? '' : 's') +
        (found.length > USERS_PAGE ? ', ' + (at * USERS_PAGE + 1) + ' to ' + (at * USERS_PAGE + shown.length) + ' shown' : '') + '.'),
      h('div', { class: 'table-wrap' }, h('table', { id: 'users-table' },
        h('caption', { class: 'visually-hidden' }, 'Users of the council'),
        h('thead', null, h('tr', null, ['Name', 'E-mail', 'Role', 'Line manager', 'Active', h('span', { class: 'visually-hidden' }, 'Links')].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, shown.map((u) => h('tr', { 'data-id': u.id },
          h('th', { scope: 'row' }, u.name), h('td', null, u.email), h('td', null, u.role.charAt(0) + u.role.slice(1).toLowerCase()),
          h('td', null, u.manager ? u.manager.name : '—'), h('td', null, u.active ? 'Yes' : 'No'),
          h('td', null, h('a', { href: '#/register/users/' + encodeURIComponent(u.id) }, 'Change', h('span', { class: 'visually-hidden' }, ' ' + u.name)))))))),
      h('p', { class: 'buttons' },
        at > 0 ? h('button', { type: 'button', class: 'secondary', id: 'users-previous', onclick: () => renderUsers(state.routeToken, search, at - 1) }, 'Previous page') : null, ' ',
        (at + 1) * USERS_PAGE < found.length ? h('button', { type: 'button', class: 'secondary', id: 'users-next', onclick: () => renderUsers(state.routeToken, search, at + 1) }, 'Next page') : null));
  }

  async function renderUser(id, token) {
    if (adminOnly('Change a user')) return;
    const data = await gql(`query Users { users(includeInactive: true) { id name email role active manager { id } } }`);
    if (token !== state.routeToken) return;
    const u = data.users.find((x) => x.id === id);
    const back = h('a', { class: 'back', href: '#/register/users' }, '← Back to the users');
    if (!u) { fill($('view'), back, h('h1', null, 'User not found')); return; }
    const summary = h('div', { id: 'summary-box' });
    const roles = [['ADMIN', 'Admin (performance team)'], ['EXECUTIVE', 'Executive (director)'], ['MANAGER', 'Manager'], ['OFFICER', 'Officer'], ['VIEWER', 'Viewer (councillor)']];
    const role = h('select', { id: 'user-role' }, roles.map(([v, t]) => h('option', { value: v, selected: u.role === v }, t)));
    const manager = h('select', { id: 'user-manager' }, h('option', { value: '' }, 'No line manager'),
      data.users.filter((x) => x.id !== u.id && x.active).map((x) => h('option', { value: x.id, selected: u.manager && u.manager.id === x.id }, x.name)));
    const active = h('input', { id: 'user-active', type: 'checkbox', checked: u.active });
    const save = async (ev) => {
      ev.preventDefault();
      const input = { id: u.id };
      if (role.value !== u.role) input.role = role.value;
      if (manager.value !== (u.manager ? u.manager.id : '')) input.managerId = manager.value || null;
      try {
        if (Object.keys(input).length > 1) await gql(`mutation UpdateUser($input: UpdateUserInput!) { updateUser(input: $input) { id } }`, { input });
        if (active.checked !== u.active) await gql(`mutation Active($id: ID!, $active: Boolean!) { setUserActive(id: $id, active: $active) { id } }`, { id: u.id, active: active.checked });
        flash('Saved ' + u.name + '.');
        location.hash = '#/register/users';
      } catch (e) {
        const field = /manager/i.test(e.message) ? 'user-manager' : /role/i.test(e.message) ? 'user-role' : null;
        const problems = [{ field, text: e.message }];
        inlineErrors(formNode, problems.filter((p) => p.field));
        errorSummary(summary, problems);
      }
    };
    const formNode = h('form', { id: 'user-form', class: 'entry', novalidate: true, onsubmit: save },
      formGroup('user-role', 'Role', 'What they may see and do.', role),
      formGroup('user-manager', 'Line manager', 'Overdue items escalate to them; they see this person’s updates.', manager),
      h('div', { class: 'form-group checkbox' }, active, h('label', { for: 'user-active' }, 'Active: may sign in and receives e-mail')),
      h('button', { type: 'submit', id: 'save-user' }, 'Save'));
    fill($('view'), back, summary, h('h1', null, h('span', { class: 'caption' }, 'Change a user'), u.name + ' (' + u.email + ')'), formNode);
    focusHeading();
  }

  async function renderSettings(token) {
    if (adminOnly('The council’s settings')) return;
    const data = await gql(`query Settings { organisation { name timeZone financialYearStartMonth deadlineDay reminderTime amberAlerts defaultTolerancePct onTolerance } }`);
    if (token !== state.routeToken) return;
    const o = data.organisation;
    const summary = h('div', { id: 'summary-box' });
    const text = (id, value, cls) => h('input', { id, type: 'text', autocomplete: 'off', value, class: cls || null });
    const monthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
    const fyMonth = h('select', { id: 'set-fy' }, monthNames.map((m, i) => h('option', { value: i + 1, selected: o.financialYearStartMonth === i + 1 }, m)));
    const onTolerance = h('select', { id: 'set-on-tolerance' },
      h('option', { value: 'RED', selected: o.onTolerance === 'RED' }, 'Red (“5% or more below target” is red)'),
      h('option', { value: 'AMBER', selected: o.onTolerance === 'AMBER' }, 'Amber (red only when missed by more than the tolerance)'));
    const amber = h('input', { id: 'set-amber', type: 'checkbox', checked: o.amberAlerts });
    const save = async (ev) => {
      ev.preventDefault();
      const problems = [];
      const name = $('set-name').value.trim();
      if (!name) problems.push({ field: 'set-name', text: 'Enter the council’s name' });
      const day = $('set-deadline').value.trim();
      if (!/^\d{1,2}$/.test(day) || +day < 1 || +day > 28) problems.push({ field: 'set-deadline', text: 'The deadline day must be a whole number from 1 to 28' });
      const time = $('set-reminder').value.trim();
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) problems.push({ field: 'set-reminder', text: 'The reminder time must be a time of day like 08:00' });
      const tolerance = readNumber($('set-tolerance').value.trim());
      if (Number.isNaN(tolerance) || tolerance < 0 || tolerance > 100) problems.push({ field: 'set-tolerance', text: 'The default tolerance must be a number from 0 to 100' });
      inlineErrors(formNode, problems);
      if (problems.length) { errorSummary(summary, problems); return; }
      const input = {
        name, timeZone: $('set-tz').value.trim(), financialYearStartMonth: Number(fyMonth.value), deadlineDay: Number(day),
        reminderTime: time, amberAlerts: amber.checked, defaultTolerancePct: tolerance, onTolerance: onTolerance.value,
      };
      try {
        await gql(`mutation Settings($input: OrganisationSettingsInput!) { updateOrganisationSettings(input: $input) { name } }`, { input });
        fill(summary);
        flash('Saved the council’s settings.');
        renderSettings(state.routeToken);
      } catch (e) {
        errorSummary(summary, [{ field: /time zone/i.test(e.message) ? 'set-tz' : null, text: e.message }]);
      }
    };
    const formNode = h('form', { id: 'settings-form', class: 'entry', novalidate: true, onsubmit: save },
      formGroup('set-name', 'Council’s name', null, text('set-name', o.name)),
      formGroup('set-tz', 'Time zone', 'As the IANA names it, for example Europe/London.', text('set-tz', o.timeZone)),
      formGroup('set-fy', 'First month of the financial year', null, fyMonth),
      formGroup('set-deadline', 'Deadline day', 'The day of the month by which monthly and quarterly values are due (1 to 28).', text('set-deadline', String(o.deadlineDay), 'w10')),
      formGroup('set-reminder', 'Reminder time', 'Local time of the daily reminders, like 08:00.', text('set-reminder', o.reminderTime, 'w10')),
      formGroup('set-tolerance', 'Default tolerance (percent of the target)', 'For indicators created without their own.', text('set-tolerance', String(o.defaultTolerancePct), 'w10')),
      formGroup('set-on-tolerance', 'A value exactly on the tolerance is', null, onTolerance),
      h('div', { class: 'form-group checkbox' }, amber, h('label', { for: 'set-amber' }, 'Send exception alerts for amber results too')),
      h('button', { type: 'submit', id: 'save-settings' }, 'Save settings'));
    fill($('view'), h('a', { class: 'back', href: '#/register' }, '← Back to the register'), takeFlash(), summary,
      h('h1', null, 'The council’s settings'), formNode);
    focusHeading();
  }

  async function renderRecipients(token) {
    if (adminOnly('Exception recipients')) return;
    const data = await gql(`query Recipients { plans { id title priorities { id code title exceptionRecipients { id } } } users { id name role } }`);
    if (token !== state.routeToken) return;
    const status = h('div', { id: 'recipients-status', role: 'status', class: 'status' });
    const priority = (plan, p) => {
      const chosen = new Set(p.exceptionRecipients.map((u) => u.id));
      const boxId = (u) => 'recipient-' + p.id + '-' + u.id;
      const name = (p.code ? p.code + '. ' : '') + p.title;
      const form = h('form', { class: 'panel', 'data-priority': p.id, onsubmit: async (ev) => {
        ev.preventDefault();
        const userIds = data.users.filter((u) => $(boxId(u)).checked).map((u) => u.id);
        try {
          const d = await gql(`mutation SetRecipients($p: ID!, $u: [ID!]!) { setExceptionRecipients(priorityId: $p, userIds: $u) { name } }`, { p: p.id, u: userIds });
          status.textContent = 'Saved: ' + name + ' alerts ' + (d.setExceptionRecipients.map((u) => u.name).join(', ') || 'nobody') + ' besides line managers.';
        } catch (e) { status.textContent = sentence(e.message); }
      } },
        h('fieldset', null, h('legend', null, plan.title + ': ' + name),
          h('div', { class: 'checkboxes' }, data.users.filter((u) => u.role !== 'VIEWER').map((u) => h('div', { class: 'form-group checkbox' },
            h('input', { type: 'checkbox', id: boxId(u), checked: chosen.has(u.id) }), h('label', { for: boxId(u) }, u.name))))),
        h('button', { type: 'submit', class: 'secondary' }, 'Save', h('span', { class: 'visually-hidden' }, ' the recipients of ' + name)));
      return form;
    };
    fill($('view'), h('a', { class: 'back', href: '#/register' }, '← Back to the register'),
      h('h1', null, 'Exception recipients'),
      h('p', { class: 'hint' }, 'Who is e-mailed when an indicator or action of a priority turns red (or amber, if the council alerts on amber), besides the owner’s line manager.'),
      status,
      data.plans.flatMap((plan) => plan.priorities.map((p) => priority(plan, p))));
    focusHeading();
  }

  /** The financial years (as periods) a plan spans. */
  function planYears(start, end, fyStart) {
    const fyOf = (iso) => { const [y, m] = iso.split('-').map(Number); return m >= fyStart ? y : y - 1; };
    const years = [];
    for (let y = fyOf(start); y <= fyOf(end); y++) years.push({ kind: 'Y', y });
    return years;
  }

  /** The profile periods of a financial year for a frequency: its months or quarters. */
  function profilePeriods(year, frequency, fyStart) {
    if (frequency === 'QUARTERLY') return [1, 2, 3, 4].map((q) => ({ kind: 'Q', y: year.y, q }));
    if (frequency === 'MONTHLY') {
      return [...Array(12).keys()].map((i) => {
        const idx = fyStart - 1 + i;
        return { kind: 'M', y: year.y + Math.floor(idx / 12), m: idx % 12 + 1 };
      });
    }
    return [];
  }

  async function renderTargets(id, token) {
    if (adminOnly('Targets')) return;
    const data = await gql(`query Targets($id: ID) {
      indicator(id: $id) { id ref title frequency unit decimals priority { plan { startDate endDate } } targets { period value } }
    }`, { id });
    if (token !== state.routeToken) return;
    const ind = data.indicator;
    const view = $('view');
    const back = h('a', { class: 'back', href: '#/register' }, '← Back to the register');
    if (!ind) { fill(view, back, h('h1', null, 'Indicator not found')); return; }
    if (!ind.priority) { fill(view, back, h('h1', null, ind.ref + ' ' + ind.title), h('p', null, 'Give the indicator a priority first: its plan sets the years of its targets.')); return; }
    const fyStart = state.organisation.financialYearStartMonth;
    const years = planYears(ind.priority.plan.startDate, ind.priority.plan.endDate, fyStart);
    const stored = Object.fromEntries(ind.targets.map((t) => [t.period, t.value]));
    const cellId = (period) => 'target-' + period.replace(/ /g, '-');
    const rowLabels = [['Annual', null]].concat(profilePeriods(years[0], ind.frequency, fyStart).map((p, i) =>
      [p.kind === 'Q' ? 'Q' + p.q : MONTHS[p.m - 1], i]));
    const cell = (period, label) => h('td', { class: 'cell' },
      h('label', { class: 'visually-hidden', for: cellId(period) }, 'Target for ' + label),
      h('input', { id: cellId(period), 'data-period': period, type: 'text', inputmode: 'decimal', autocomplete: 'off', class: 'grid-input',
        value: stored[period] === undefined ? '' : String(stored[period]) }));
    const table = h('table', { id: 'targets-grid', class: 'grid' },
      h('caption', { class: 'visually-hidden' }, 'Targets of ' + ind.ref + ': financial years across, ' + (ind.frequency === 'ANNUAL' ? 'the annual target' : 'the annual target and its profile') + ' below'),
      h('thead', null, h('tr', null, h('td', null), years.map((y) => h('th', { scope: 'col' }, formatPeriod(y))))),
      h('tbody', null, rowLabels.map(([label, i]) => h('tr', null,
        h('th', { scope: 'row' }, label),
        years.map((y) => {
          const period = i === null ? formatPeriod(y) : formatPeriod(profilePeriods(y, ind.frequency, fyStart)[i]);
          return cell(period, label + ' ' + formatPeriod(y) + ' (' + period + ')');
        })))));
    const summary = h('div', { id: 'summary-box' });
    const check = h('div', { id: 'check-box' });
    const changes = () => [...table.querySelectorAll('input')]
      .map((input) => ({ period: input.dataset.period, text: input.value.trim(), id: input.id }))
      .filter((c) => c.text !== '' && readNumber(c.text) !== stored[c.period]);
    const review = (ev) => {
      ev.preventDefault();
      const list = changes();
      const problems = list.filter((c) => Number.isNaN(readNumber(c.text)))
        .map((c) => ({ field: c.id, text: c.period + ': the target must be a number, like 92.5' }));
      inlineErrors(formNode, []);
      markCells(problems);
      fill(check);
      if (problems.length) { errorSummary(summary, problems); markCells(problems); return; }
      fill(summary);
      if (!list.length) { fill(check, h('p', { class: 'notice', role: 'status' }, 'Nothing has changed.')); return; }
      fill(check, h('section', { class: 'panel check', id: 'check-answers', 'aria-labelledby': 'check-heading', tabindex: '-1' },
        h('h2', { id: 'check-heading' }, 'Check your answers'),
        h('p', null, list.length + ' target' + (list.length === 1 ? '' : 's') + ' will be saved together, or none if one is refused.'),
        h('table', { id: 'check-table' },
          h('thead', null, h('tr', null, ['Period', 'Now', 'New'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, list.map((c) => h('tr', null, h('th', { scope: 'row' }, c.period),
            h('td', null, stored[c.period] === undefined ? 'Not set' : formatValue(stored[c.period], ind.unit, ind.decimals)),
            h('td', null, formatValue(readNumber(c.text), ind.unit, ind.decimals)))))),
        h('div', { class: 'buttons' },
          h('button', { type: 'button', id: 'confirm-targets', onclick: () => confirm(list) }, 'Confirm and save targets'),
          h('button', { type: 'button', class: 'secondary', onclick: () => { fill(check); table.querySelector('input').focus(); } }, 'Change them'))));
      check.firstChild.focus();
    };
    const markCells = (problems) => {
      table.querySelectorAll('.cell-error').forEach((n) => n.classList.remove('cell-error'));
      table.querySelectorAll('[aria-invalid]').forEach((n) => n.removeAttribute('aria-invalid'));
      for (const p of problems) {
        const input = $(p.field);
        if (input) { input.setAttribute('aria-invalid', 'true'); input.parentNode.classList.add('cell-error'); }
      }
    };
    const confirm = async (list) => {
      try {
        const d = await gql(`mutation SetTargets($id: ID!, $targets: [TargetCellInput!]!) {
          setTargets(indicatorId: $id, targets: $targets) { ok problems { period message } }
        }`, { id: ind.id, targets: list.map((c) => ({ period: c.period, value: readNumber(c.text) })) });
        const report = d.setTargets;
        fill(check);
        if (!report.ok) {
          const problems = report.problems.map((p) => ({ field: cellId(p.period), text: p.period + ': ' + p.message }));
          errorSummary(summary, problems);
          markCells(problems);
          return;
        }
        flash('Saved ' + list.length + ' target' + (list.length === 1 ? '' : 's') + ' of ' + ind.ref + '.');
        renderTargets(id, state.routeToken);
      } catch (e) {
        errorSummary(summary, [{ field: null, text: e.message }]);
      }
    };
    const formNode = h('form', { id: 'targets-form', novalidate: true, onsubmit: review },
      h('div', { class: 'table-wrap' }, table),
      h('button', { type: 'submit', id: 'review-targets' }, 'Continue'));
    fill(view, back, takeFlash(), summary,
      h('h1', null, h('span', { class: 'caption' }, 'Targets'), ind.ref + ' ' + ind.title),
      h('p', { class: 'hint' }, ind.frequency === 'ANNUAL' ? 'One target a year.' : 'An annual target, and (optionally) a target for each ' + (ind.frequency === 'MONTHLY' ? 'month' : 'quarter') + '. Leave a cell empty to keep it as it is.'),
      formNode, check);
    focusHeading();
  }

  // ---------------------------------------------------------------- register editor: plans, priorities, objectives, actions, indicators (ADMIN)
  //
  // Each form is described once, field by field: its GraphQL input name, its control, label
  // and hint. What cannot be sent at all (a date that is no date, a number that is none, a
  // required field left empty) is told in the browser; everything else is the server's to
  // refuse, and its problems (`extensions.problems`, each naming its input field) land on
  // their controls, all of them at once in the error summary.

  /** One field of a register form. `read()` gives its value for the API, or `{ problem }`. */
  function textSpec(name, id, label, value, opts = {}) {
    const control = opts.rows
      ? h('textarea', { id, name: id, rows: opts.rows }, value || '')
      : h('input', { id, name: id, type: 'text', autocomplete: 'off', value: value == null ? '' : String(value), class: opts.cls || null });
    return {
      name, id, focusId: id, node: formGroup(id, label, opts.hint || null, control),
      read() {
        const v = control.value.trim();
        if (!v && opts.required) return { problem: 'Enter the ' + label.toLowerCase() };
        return v || null;
      },
    };
  }

  function numberSpec(name, id, label, value, opts = {}) {
    const spec = textSpec(name, id, label, value, Object.assign({ cls: 'w10' }, opts));
    const readText = spec.read;
    spec.read = () => {
      const v = readText();
      if (v === null || typeof v === 'object') return v;
      const n = readNumber(v);
      return Number.isNaN(n) ? { problem: label + ' must be a number, like ' + (opts.example || '5') } : n;
    };
    return spec;
  }

  function selectSpec(name, id, label, options, value, opts = {}) {
    const control = h('select', { id, name: id },
      opts.empty !== undefined ? h('option', { value: '' }, opts.empty) : null,
      options.map(([v, t]) => h('option', { value: v, selected: v === value }, t)));
    return {
      name, id, focusId: id, node: formGroup(id, label, opts.hint || null, control),
      read() {
        if (!control.value && opts.required) return { problem: 'Choose the ' + label.toLowerCase() };
        return control.value || null;
      },
    };
  }

  function checkSpec(name, id, label, checked) {
    const control = h('input', { id, name: id, type: 'checkbox', checked: !!checked });
    return { name, id, focusId: id, node: h('div', { class: 'form-group checkbox' }, control, h('label', { for: id }, label)), read: () => control.checked };
  }

  function dateSpec(name, id, legend, value, opts = {}) {
    return {
      name, id, focusId: id + '-day', node: dateInput(id, legend, opts.hint || 'For example, 31 3 2026.', value),
      read() {
        const v = readDate(id);
        if (v === null) return { problem: legend + ' must be a real date, like 31 3 2026' };
        if (v === '' && opts.required) return { problem: 'Enter the ' + legend.toLowerCase() };
        return v || null;
      },
    };
  }

  /** What the form's fields hold, and the problems the browser can tell by itself. */
  function readSpecs(specs) {
    const input = {};
    const problems = [];
    for (const spec of specs) {
      const v = spec.read();
      if (v !== null && typeof v === 'object') problems.push({ field: spec.focusId, text: v.problem });
      else input[spec.name] = v;
    }
    return { input, problems };
  }

  /** The server's problems, each on the control of its field (by input name). */
  function serverProblems(e, specs) {
    const byName = Object.fromEntries(specs.map((s) => [s.name, s.focusId]));
    if (e.problems && e.problems.length) {
      // The message may start with its field's API name ("ownerId: …"): the form names it already.
      return e.problems.map((p) => ({
        field: (p.field && byName[p.field]) || null,
        text: p.field && p.message.startsWith(p.field + ': ') ? p.message.slice(p.field.length + 2) : p.message,
      }));
    }
    return [{ field: null, text: e.message }];
  }

  /**
   * A register form: its fields, a Save button, the error summary above. `save(input)` sends
   * the mutation and returns what to say and where to go next.
   */
  function registerForm({ formId, buttonId, buttonText, specs, save }) {
    const summary = h('div', { id: 'summary-box' });
    let formNode;
    const submit = async (ev) => {
      ev.preventDefault();
      const { input, problems } = readSpecs(specs);
      inlineErrors(formNode, problems);
      if (problems.length) { errorSummary(summary, problems); return; }
      try {
        const next = await save(input);
        flash(next.notice);
        if (location.hash === next.to) route(); else location.hash = next.to;
      } catch (e) {
        const found = serverProblems(e, specs);
        inlineErrors(formNode, found.filter((p) => p.field));
        errorSummary(summary, found);
      }
    };
    formNode = h('form', { id: formId, class: 'entry', novalidate: true, onsubmit: submit },
      specs.map((s) => s.node),
      h('button', { type: 'submit', id: buttonId }, buttonText));
    return { summary, formNode };
  }

  function registerNav() {
    return h('nav', { 'aria-label': 'The register', class: 'buttons register-nav' },
      h('a', { class: 'button secondary', href: '#/register', id: 'indicators-link' }, 'Indicators'), ' ',
      h('a', { class: 'button secondary', href: '#/register/plans', id: 'plans-link' }, 'Plans and priorities'), ' ',
      h('a', { class: 'button secondary', href: '#/register/actions', id: 'actions-link' }, 'Actions'), ' ',
      h('a', { class: 'button secondary', href: '#/register/users', id: 'users-link' }, 'Users'), ' ',
      h('a', { class: 'button secondary', href: '#/register/settings', id: 'settings-link' }, 'Settings'), ' ',
      h('a', { class: 'button secondary', href: '#/register/recipients', id: 'recipients-link' }, 'Exception recipients'), ' ',
      h('a', { class: 'button secondary', href: '#/import', id: 'register-import-link' }, 'Import a workbook'));
  }

  const PLAN_WORDS = {
    kind: [['CORPORATE_PLAN', 'Corporate plan'], ['DELIVERY_PLAN', 'Delivery plan'], ['SERVICE_PLAN', 'Service plan'],
      ['PEER_CHALLENGE', 'Peer challenge action plan'], ['TRANSFORMATION', 'Transformation programme'], ['OTHER', 'Other']],
    status: [['DRAFT', 'Draft'], ['ADOPTED', 'Adopted'], ['ARCHIVED', 'Archived']],
    delivery: [['COUNCIL', 'The council'], ['PARTNERSHIP', 'A partnership']],
    dueKind: [['ONGOING', 'Ongoing'], ['ANNUAL', 'Every year'], ['NOT_SET', 'Not set yet']],
  };
  const words = (list, v) => (list.find(([k]) => k === v) || [v, v])[1];

  const PLAN_FIELDS = 'id kind title startDate endDate status vision mission published version parent { id }';

  async function renderPlans(token) {
    if (adminOnly('Plans and priorities')) return;
    const data = await gql(`query RegisterPlans { plans { ${PLAN_FIELDS} priorities { id } } }`);
    if (token !== state.routeToken) return;
    fill($('view'), takeFlash(), registerNav(),
      h('h1', null, 'Plans and priorities'),
      h('p', { class: 'buttons' }, h('a', { class: 'button', href: '#/register/plans/new', id: 'add-plan' }, 'Add a plan')),
      h('div', { class: 'table-wrap' }, h('table', { id: 'plans-table' },
        h('caption', { class: 'visually-hidden' }, 'The council’s plans'),
        h('thead', null, h('tr', null, ['Plan', 'Kind', 'From', 'To', 'Status', 'Priorities', 'Published', h('span', { class: 'visually-hidden' }, 'Links')].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, data.plans.map((p) => h('tr', { 'data-id': p.id },
          h('th', { scope: 'row' }, p.title), h('td', null, words(PLAN_WORDS.kind, p.kind)),
          h('td', null, formatDate(p.startDate)), h('td', null, formatDate(p.endDate)),
          h('td', null, words(PLAN_WORDS.status, p.status)), h('td', null, String(p.priorities.length)),
          h('td', null, p.published ? 'Yes' : 'No'),
          h('td', null, h('a', { href: '#/register/plans/' + encodeURIComponent(p.id) }, 'Change', h('span', { class: 'visually-hidden' }, ' ' + p.title)))))))));
    focusHeading();
  }

  async function renderPlan(id, token) {
    if (adminOnly(id ? 'Change a plan' : 'Add a plan')) return;
    const data = await gql(`query RegisterPlan { plans { ${PLAN_FIELDS} priorities { id code title description } } }`);
    if (token !== state.routeToken) return;
    const back = h('a', { class: 'back', href: '#/register/plans' }, '← Back to the plans');
    const plan = id ? data.plans.find((p) => p.id === id) : null;
    if (id && !plan) { fill($('view'), back, h('h1', null, 'Plan not found')); return; }
    const p = plan || {};
    const specs = [
      textSpec('title', 'plan-title', 'Title', p.title, { required: true }),
      selectSpec('kind', 'plan-kind', 'Kind', PLAN_WORDS.kind, p.kind || 'CORPORATE_PLAN'),
      dateSpec('startDate', 'plan-start', 'Start date', p.startDate, { required: true }),
      dateSpec('endDate', 'plan-end', 'End date', p.endDate, { required: true }),
      selectSpec('status', 'plan-status', 'Status', PLAN_WORDS.status, p.status || 'ADOPTED'),
      selectSpec('parentId', 'plan-parent', 'Part of', data.plans.filter((x) => x.id !== id).map((x) => [x.id, x.title]), p.parent ? p.parent.id : '', { empty: 'No other plan', hint: 'A delivery or service plan can belong to the corporate plan.' }),
      textSpec('vision', 'plan-vision', 'Vision', p.vision, { rows: 3 }),
      textSpec('mission', 'plan-mission', 'Mission', p.mission, { rows: 3 }),
      checkSpec('published', 'plan-published', 'Published on the public portal', p.published),
    ];
    const { summary, formNode } = registerForm({
      formId: 'plan-form', buttonId: 'save-plan', buttonText: plan ? 'Save the plan' : 'Add the plan', specs,
      save: async (input) => {
        if (plan) {
          const d = await gql(`mutation UpdatePlan($input: UpdatePlanInput!) { updatePlan(input: $input) { id title } }`,
            { input: Object.assign({ id: plan.id, expectedVersion: plan.version }, input) });
          return { notice: 'Saved ' + d.updatePlan.title + '.', to: '#/register/plans/' + encodeURIComponent(plan.id) };
        }
        if (!input.parentId) delete input.parentId;
        const d = await gql(`mutation CreatePlan($input: CreatePlanInput!) { createPlan(input: $input) { id title } }`, { input });
        return { notice: 'Added ' + d.createPlan.title + '. Now add its priorities.', to: '#/register/plans/' + encodeURIComponent(d.createPlan.id) };
      },
    });
    const priorities = plan ? h('section', { 'aria-labelledby': 'priorities-heading' },
      h('h2', { id: 'priorities-heading' }, 'Its priorities'),
      plan.priorities.length
        ? h('div', { class: 'table-wrap' }, h('table', { id: 'priorities-table' },
          h('caption', { class: 'visually-hidden' }, 'Priorities of ' + plan.title),
          h('thead', null, h('tr', null, ['Code', 'Priority', h('span', { class: 'visually-hidden' }, 'Links')].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, plan.priorities.map((q) => h('tr', { 'data-id': q.id },
            h('td', null, q.code || '—'), h('th', { scope: 'row' }, q.title),
            h('td', null, h('a', { href: '#/register/priorities/' + encodeURIComponent(q.id) }, 'Change', h('span', { class: 'visually-hidden' }, ' ' + q.title))))))))
        : h('p', null, 'None yet.'),
      h('p', null, h('a', { class: 'button secondary', href: '#/register/plans/' + encodeURIComponent(plan.id) + '/priorities/new', id: 'add-priority' }, 'Add a priority'))) : null;
    fill($('view'), back, takeFlash(), summary,
      h('h1', null, plan ? [h('span', { class: 'caption' }, 'Change a plan'), plan.title] : 'Add a plan'),
      formNode, priorities);
    focusHeading();
  }

  /** The priority (with its plan) of this id, from the council's plans. */
  async function findPriority(id) {
    const data = await gql(`query RegisterPriorities { plans { id title priorities { id code title description version objectives { id code title } } } }`);
    for (const plan of data.plans) {
      const found = plan.priorities.find((q) => q.id === id);
      if (found) return { plan, priority: found, plans: data.plans };
    }
    return { plans: data.plans };
  }

  async function renderPriority(planId, id, token) {
    if (adminOnly(id ? 'Change a priority' : 'Add a priority')) return;
    const found = await findPriority(id);
    if (token !== state.routeToken) return;
    const plan = id ? found.plan : found.plans.find((p) => p.id === planId);
    const q = found.priority || {};
    const back = plan ? h('a', { class: 'back', href: '#/register/plans/' + encodeURIComponent(plan.id) }, '← Back to ' + plan.title)
      : h('a', { class: 'back', href: '#/register/plans' }, '← Back to the plans');
    if (!plan || (id && !found.priority)) { fill($('view'), back, h('h1', null, id ? 'Priority not found' : 'Plan not found')); return; }
    const specs = [
      textSpec('code', 'priority-code', 'Code', q.code, { cls: 'w10', hint: 'Its number or letter in the plan, for example 3.' }),
      textSpec('title', 'priority-title', 'Title', q.title, { required: true }),
      textSpec('description', 'priority-description', 'Description', q.description, { rows: 3 }),
    ];
    const { summary, formNode } = registerForm({
      formId: 'priority-form', buttonId: 'save-priority', buttonText: id ? 'Save the priority' : 'Add the priority', specs,
      save: async (input) => {
        if (id) {
          const d = await gql(`mutation UpdatePriority($input: UpdatePriorityInput!) { updatePriority(input: $input) { id title } }`,
            { input: Object.assign({ id, expectedVersion: q.version }, input) });
          return { notice: 'Saved ' + d.updatePriority.title + '.', to: '#/register/plans/' + encodeURIComponent(plan.id) };
        }
        const d = await gql(`mutation CreatePriority($input: CreatePriorityInput!) { createPriority(input: $input) { id title } }`,
          { input: Object.assign({ planId: plan.id }, input) });
        return { notice: 'Added ' + d.createPriority.title + '.', to: '#/register/plans/' + encodeURIComponent(plan.id) };
      },
    });
    const objectives = id ? h('section', { 'aria-labelledby': 'objectives-heading' },
      h('h2', { id: 'objectives-heading' }, 'Its objectives'),
      q.objectives.length
        ? h('ul', { id: 'objectives-list' }, q.objectives.map((o) => h('li', { 'data-id': o.id },
          (o.code ? o.code + '. ' : '') + o.title + ' ',
          h('a', { href: '#/register/priorities/' + encodeURIComponent(id) + '/objectives/' + encodeURIComponent(o.id) }, 'Change', h('span', { class: 'visually-hidden' }, ' ' + o.title)))))
        : h('p', null, 'None yet.'),
      h('p', null, h('a', { class: 'button secondary', href: '#/register/priorities/' + encodeURIComponent(id) + '/objectives/new', id: 'add-objective' }, 'Add an objective'))) : null;
    fill($('view'), back, takeFlash(), summary,
      h('h1', null, h('span', { class: 'caption' }, plan.title), id ? q.title : 'Add a priority'),
      formNode, objectives);
    focusHeading();
  }

  async function renderObjective(priorityId, id, token) {
    if (adminOnly(id ? 'Change an objective' : 'Add an objective')) return;
    const found = await findPriority(priorityId);
    if (token !== state.routeToken) return;
    const q = found.priority;
    const o = q && id ? q.objectives.find((x) => x.id === id) : {};
    const back = q ? h('a', { class: 'back', href: '#/register/priorities/' + encodeURIComponent(q.id) }, '← Back to ' + q.title)
      : h('a', { class: 'back', href: '#/register/plans' }, '← Back to the plans');
    if (!q || !o) { fill($('view'), back, h('h1', null, q ? 'Objective not found' : 'Priority not found')); return; }
    const specs = [
      textSpec('code', 'objective-code', 'Code', o.code, { cls: 'w10' }),
      textSpec('title', 'objective-title', 'Title', o.title, { required: true }),
    ];
    const to = '#/register/priorities/' + encodeURIComponent(q.id);
    const { summary, formNode } = registerForm({
      formId: 'objective-form', buttonId: 'save-objective', buttonText: id ? 'Save the objective' : 'Add the objective', specs,
      save: async (input) => {
        if (id) {
          const d = await gql(`mutation UpdateObjective($input: UpdateObjectiveInput!) { updateObjective(input: $input) { title } }`, { input: Object.assign({ id }, input) });
          return { notice: 'Saved ' + d.updateObjective.title + '.', to };
        }
        const d = await gql(`mutation CreateObjective($input: CreateObjectiveInput!) { createObjective(input: $input) { title } }`, { input: Object.assign({ priorityId: q.id }, input) });
        return { notice: 'Added ' + d.createObjective.title + '.', to };
      },
    });
    fill($('view'), back, summary, h('h1', null, h('span', { class: 'caption' }, q.title), id ? o.title : 'Add an objective'), formNode);
    focusHeading();
  }

  async function renderActionsRegister(token, search, after) {
    if (adminOnly('Actions')) return;
    const data = await gql(`query RegisterActions($filter: ActionFilter, $after: String) {
      actions(filter: $filter, first: 25, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { id ref title dueDate owner { name } priority { title } } }
      }
    }`, { filter: search ? { search } : {}, after: after || null });
    if (token !== state.routeToken) return;
    const conn = data.actions;
    const input = h('input', { id: 'actions-search', type: 'search', value: search || '', autocomplete: 'off' });
    fill($('view'), takeFlash(), registerNav(),
      h('h1', null, 'The register: actions'),
      h('p', { class: 'buttons' }, h('a', { class: 'button', href: '#/register/actions/new', id: 'add-action' }, 'Add an action')),
      h('form', { class: 'filters', role: 'search', onsubmit: (ev) => { ev.preventDefault(); renderActionsRegister(state.routeToken, input.value.trim()); } },
        h('div', { class: 'field' }, h('label', { for: 'actions-search' }, 'Search by reference or title'), input),
        h('button', { type: 'submit', class: 'secondary' }, 'Search')),
      h('p', { id: 'actions-count' }, conn.totalCount + ' action' + (conn.totalCount === 1 ? '' : 's') + (after ? ' (a later page)' : '') + '.'),
      h('div', { class: 'table-wrap' }, h('table', { id: 'actions-table' },
        h('caption', { class: 'visually-hidden' }, 'Actions'),
        h('thead', null, h('tr', null, ['Ref', 'Action', 'Priority', 'Owner', 'Due', h('span', { class: 'visually-hidden' }, 'Links')].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, conn.edges.map(({ node: a }) => h('tr', { 'data-id': a.id },
          h('td', null, a.ref || '—'), h('th', { scope: 'row' }, a.title),
          h('td', null, a.priority ? a.priority.title : '—'), h('td', null, a.owner ? a.owner.name : '—'),
          h('td', null, a.dueDate ? formatDate(a.dueDate) : '—'),
          h('td', null, h('a', { href: '#/register/actions/' + encodeURIComponent(a.id) }, 'Change', h('span', { class: 'visually-hidden' }, ' ' + a.title)))))))),
      conn.pageInfo.hasNextPage
        ? h('button', { type: 'button', class: 'secondary', id: 'actions-next', onclick: () => renderActionsRegister(state.routeToken, search, conn.pageInfo.endCursor) }, 'Next page')
        : null);
    focusHeading();
  }

  /** Every priority of every plan, as select options ("Plan: 3. Title"). */
  function priorityOptions(plans) {
    return plans.flatMap((p) => p.priorities.map((q) => [q.id, p.title + ': ' + (q.code ? q.code + '. ' : '') + q.title]));
  }

  async function renderActionForm(id, token) {
    if (adminOnly(id ? 'Change an action' : 'Add an action')) return;
    const data = await gql(`query RegisterAction($id: ID!, $some: Boolean!) {
      plans { id title priorities { id code title } }
      action(id: $id) @include(if: $some) { id ref title description delivery plannedStart actualStart dueDate dueKind estimatedCompletion completedOn version priority { id } owner { id } sponsor { id } }
    }`, { id: id || '0', some: !!id });
    if (token !== state.routeToken) return;
    const back = h('a', { class: 'back', href: '#/register/actions' }, '← Back to the actions');
    const a = id ? data.action : {};
    if (!a) { fill($('view'), back, h('h1', null, 'Action not found')); return; }
    const people = state.users.map((u) => [u.id, u.name]);
    const specs = [
      id ? null : selectSpec('priorityId', 'action-priority', 'Priority', priorityOptions(data.plans), '', { empty: 'Choose a priority', required: true }),
      textSpec('ref', 'action-ref', 'Reference', a.ref, { cls: 'w10', hint: 'Unique in the council, for example A12.' }),
      textSpec('title', 'action-title', 'Title', a.title, { required: true }),
      textSpec('description', 'action-description', 'Description', a.description, { rows: 3 }),
      selectSpec('ownerId', 'action-owner', 'Owner', people, a.owner ? a.owner.id : '', { empty: 'No owner yet', hint: 'Who updates it each quarter.' }),
      selectSpec('sponsorId', 'action-sponsor', 'Sponsor', people, a.sponsor ? a.sponsor.id : '', { empty: 'No sponsor' }),
      selectSpec('delivery', 'action-delivery', 'Delivered by', PLAN_WORDS.delivery, a.delivery || 'COUNCIL'),
      dateSpec('plannedStart', 'action-start', 'Planned start', a.plannedStart),
      dateSpec('dueDate', 'action-due', 'Due date', a.dueDate),
      selectSpec('dueKind', 'action-due-kind', 'Without a due date, it is', PLAN_WORDS.dueKind, a.dueKind || '', { empty: 'Not set yet' }),
      id ? dateSpec('actualStart', 'action-actual-start', 'Actual start', a.actualStart) : null,
      id ? dateSpec('estimatedCompletion', 'action-estimated', 'Estimated completion', a.estimatedCompletion) : null,
      id ? dateSpec('completedOn', 'action-completed', 'Completed on', a.completedOn) : null,
    ].filter(Boolean);
    const { summary, formNode } = registerForm({
      formId: 'action-form', buttonId: 'save-action', buttonText: id ? 'Save the action' : 'Add the action', specs,
      save: async (input) => {
        if (id) {
          const d = await gql(`mutation UpdateAction($input: UpdateActionInput!) { updateAction(input: $input) { id title } }`,
            { input: Object.assign({ id, expectedVersion: a.version }, input) });
          return { notice: 'Saved ' + d.updateAction.title + '.', to: '#/register/actions' };
        }
        for (const k of Object.keys(input)) if (input[k] === null) delete input[k];
        const d = await gql(`mutation CreateAction($input: CreateActionInput!) { createAction(input: $input) { id title } }`, { input });
        return { notice: 'Added ' + d.createAction.title + '.', to: '#/register/actions' };
      },
    });
    fill($('view'), back, summary, h('h1', null, id ? [h('span', { class: 'caption' }, 'Change an action'), a.title] : 'Add an action'), formNode);
    focusHeading();
  }

  async function renderEditIndicator(id, token) {
    if (adminOnly('Change an indicator')) return;
    const data = await gql(`query EditIndicator($id: ID) {
      plans { id title priorities { id code title } }
      comparatorGroups { id name }
      indicator(id: $id) { id ref title definition level type unit decimals polarity frequency cumulative monitorOnly
        tolerancePct toleranceAbsolute dataSource informationAssetRef published firstPeriod benchmarkMetric version
        priority { id } owner { id } comparatorGroup { id } }
    }`, { id });
    if (token !== state.routeToken) return;
    const back = h('a', { class: 'back', href: '#/register' }, '← Back to the register');
    const ind = data.indicator;
    if (!ind) { fill($('view'), back, h('h1', null, 'Indicator not found')); return; }
    const absolute = ind.toleranceAbsolute !== null;
    const specs = [
      textSpec('title', 'edit-title', 'Title', ind.title, { required: true }),
      textSpec('definition', 'edit-definition', 'Definition', ind.definition, { rows: 3, hint: 'What is counted, and how.' }),
      selectSpec('priorityId', 'edit-priority', 'Priority', priorityOptions(data.plans), ind.priority ? ind.priority.id : '', { empty: 'None' }),
      selectSpec('ownerId', 'edit-owner', 'Owner', state.users.map((u) => [u.id, u.name]), ind.owner ? ind.owner.id : '', { empty: 'No owner yet', hint: 'Who enters its values.' }),
      selectSpec('level', 'edit-level', 'Level', ENUM_WORDS.level, ind.level),
      selectSpec('type', 'edit-type', 'Type', [['OUTCOME', 'Outcome'], ['OUTPUT', 'Output'], ['INPUT', 'Input'], ['PERCEPTION', 'Perception']], ind.type),
      selectSpec('unit', 'edit-unit', 'Unit', ENUM_WORDS.unit, ind.unit),
      numberSpec('decimals', 'edit-decimals', 'Decimals shown', ind.decimals, { example: '1', required: true }),
      selectSpec('polarity', 'edit-polarity', 'Better when', ENUM_WORDS.polarity, ind.polarity),
      checkSpec('cumulative', 'edit-cumulative', 'Cumulative (year to date)', ind.cumulative),
      checkSpec('monitorOnly', 'edit-monitor', 'Monitor only: reported, never rated', ind.monitorOnly),
      numberSpec(absolute ? 'toleranceAbsolute' : 'tolerancePct', 'edit-tolerance',
        absolute ? 'Tolerance (in the indicator’s unit)' : 'Tolerance (percent of the target)',
        absolute ? ind.toleranceAbsolute : ind.tolerancePct, { required: true }),
      textSpec('firstPeriod', 'edit-first-period', 'First period', ind.firstPeriod, { cls: 'w10', hint: 'The first period a value is due for, like 2025-26 Q2; empty: from the plan’s start.' }),
      textSpec('dataSource', 'edit-source', 'Data source', ind.dataSource),
      textSpec('informationAssetRef', 'edit-asset', 'Information asset reference', ind.informationAssetRef, { cls: 'w10' }),
      textSpec('benchmarkMetric', 'edit-benchmark', 'Benchmark metric', ind.benchmarkMetric, { hint: 'The comparator data set, for example an LG Inform metric.' }),
      selectSpec('comparatorGroupId', 'edit-group', 'Comparator group', data.comparatorGroups.map((g) => [g.id, g.name]), ind.comparatorGroup ? ind.comparatorGroup.id : '', { empty: 'The council’s default group' }),
      checkSpec('published', 'edit-published', 'Published on the public portal', ind.published),
    ];
    const { summary, formNode } = registerForm({
      formId: 'edit-indicator-form', buttonId: 'save-indicator', buttonText: 'Save the indicator', specs,
      save: async (input) => {
        input.decimals = Math.round(input.decimals);
        const d = await gql(`mutation UpdateIndicator($input: UpdateIndicatorInput!) { updateIndicator(input: $input) { id ref title } }`,
          { input: Object.assign({ id: ind.id, expectedVersion: ind.version }, input) });
        return { notice: 'Saved ' + d.updateIndicator.ref + ' ' + d.updateIndicator.title + '.', to: '#/register' };
      },
    });
    fill($('view'), back, summary,
      h('h1', null, h('span', { class: 'caption' }, 'Change an indicator'), ind.ref + ' ' + ind.title),
      h('p', null, h('a', { href: '#/register/indicators/' + encodeURIComponent(ind.id) + '/targets' }, 'Its targets'),
        ' · ', 'Frequency: ' + (FREQUENCY[ind.frequency] || ind.frequency) + ' (fixed once values are kept)'),
      formNode);
    focusHeading();
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
    const before = stepPeriod(parsePeriod(state.period), -1);
    const data = await gql(`query Overview($plan: ID!, $period: String!, $previous: String!) {
      plan(id: $plan) { id title }
      previous: performanceSummary(planId: $plan, period: $previous) {
        period
        overall { ${COUNTS} }
        priorities { priority { id } counts { ${COUNTS} } }
      }
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
    }`, { plan: state.planId, period: state.period, previous: formatPeriod(before) });
    if (token !== state.routeToken) return;
    const summary = data.performanceSummary;
    const previous = data.previous;
    const previousOf = (id) => (previous.priorities.find((p) => p.priority.id === id) || {}).counts;
    const view = $('view');
    fill(view,
      h('h1', null, data.plan ? data.plan.title : 'Plan', h('span', { class: 'muted' }, ': ' + summary.period)),
      h('h2', { id: 'tiles-heading' }, 'Priorities at a glance'),
      h('ul', { class: 'tiles', 'aria-labelledby': 'tiles-heading' },
        tile({ id: 'overall', title: 'All priorities' }, summary.overall, true, [summary.period, previous.period, previous.overall]),
        summary.priorities.map((p) => tile(p.priority, p.counts, false, [summary.period, previous.period, previousOf(p.priority.id)]))),
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

  // A stacked bar per period, this one above the one before, drawn as in the printed report:
  // each segment shows its status letter and count, the SVG's name says every number.
  const INDICATOR_PARTS = [['red', 'R', 'red'], ['amber', 'A', 'amber'], ['green', 'G', 'green']];
  const ACTION_PARTS = INDICATOR_PARTS.concat([['blue', 'B', 'blue'], ['completed', 'C', 'completed']]);

  function barsSvg(title, parts, rows) {
    const BAR = 240, labels = [];
    const svg = s('svg', { class: 'bars', viewBox: '0 0 320 50', role: 'img' });
    rows.forEach(([period, counts], n) => {
      const y = n * 25;
      const items = parts.map(([cls, letter, word]) => [cls, letter, word, counts ? counts[cls] || 0 : 0]).filter((p) => p[3] > 0);
      const total = items.reduce((t, p) => t + p[3], 0);
      labels.push(period + ': ' + (total ? items.map((p) => p[3] + ' ' + p[2]).join(', ') : 'no rated items'));
      svg.append(s('text', { class: 'bar-period', x: 0, y: y + 15 }, period));
      if (!total) svg.append(s('text', { class: 'bar-none', x: 80, y: y + 15 }, 'none rated'));
      let x = 0;
      for (const [cls, letter, , count] of items) {
        const width = BAR * count / total;
        svg.append(s('rect', { class: 'seg ' + cls, x: (76 + x).toFixed(1), y: y + 2, width: width.toFixed(1), height: 19 }));
        if (width >= 22) svg.append(s('text', { class: 'seg-text ' + cls, x: (76 + x + width / 2).toFixed(1), y: y + 15.5, 'text-anchor': 'middle' }, letter + ' ' + count));
        x += width;
      }
    });
    svg.setAttribute('aria-label', title + ': ' + labels.join('; '));
    return svg;
  }

  // An indicator's last periods: its values as a line with a dot per value, the target dashed.
  function sparkSvg(points, unit, decimals) {
    if (!points || !points.some((p) => p.actual !== null && p.actual !== undefined)) return null;
    const W = 110, H = 28, PAD = 3;
    const numbers = points.flatMap((p) => [p.actual, p.target]).filter((v) => v !== null && v !== undefined);
    const lo = Math.min(...numbers), hi = Math.max(...numbers);
    const step = points.length > 1 ? (W - 2 * PAD) / (points.length - 1) : 0;
    const at = (i, v) => [PAD + step * i, hi > lo ? H - PAD - (v - lo) / (hi - lo) * (H - 2 * PAD) : H / 2];
    const path = (key) => {
      let d = '', pen = false;
      points.forEach((p, i) => {
        if (p[key] === null || p[key] === undefined) { pen = false; return; }
        const [x, y] = at(i, p[key]);
        d += (pen ? ' L ' : ' M ') + x.toFixed(1) + ' ' + y.toFixed(1);
        pen = true;
      });
      return d.trim();
    };
    const words = points.map((p) => p.period + ' ' + (p.actual === null || p.actual === undefined ? 'no value' : formatValue(p.actual, unit, decimals))
      + (p.target === null || p.target === undefined ? '' : ', target ' + formatValue(p.target, unit, decimals)));
    const svg = s('svg', { class: 'spark', viewBox: '0 0 110 28', role: 'img', 'aria-label': 'Last ' + points.length + ' periods: ' + words.join('; ') });
    const target = path('target');
    if (target) svg.append(s('path', { class: 'spark-target', d: target }));
    svg.append(s('path', { class: 'spark-actual', d: path('actual') }));
    points.forEach((p, i) => {
      if (p.actual === null || p.actual === undefined) return;
      const [x, y] = at(i, p.actual);
      const cls = { RED: 'p-red', AMBER: 'p-amber', GREEN: 'p-green' }[p.status] || 'p-none';
      const label = (INDICATOR_STATUS[p.status] || [p.status])[0];
      svg.append(s('circle', { class: cls, cx: x.toFixed(1), cy: y.toFixed(1), r: 2.4 },
        s('title', null, p.period + ': ' + formatValue(p.actual, unit, decimals) + ' (' + label + ')')));
    });
    return svg;
  }

  function tile(priority, counts, overall, [period, previousPeriod, before]) {
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
      barsSvg('Indicators', INDICATOR_PARTS, [[period, i], [previousPeriod, before && before.indicators]]),
      h('p', { class: 'label', id: 'ta-' + priority.id }, 'Actions'),
      h('dl', { 'aria-labelledby': 'ta-' + priority.id },
        countItem('red', 'Red', a.red, 'actions-red', a.redPct),
        countItem('amber', 'Amber', a.amber, 'actions-amber', a.amberPct),
        countItem('green', 'Green', a.green, 'actions-green', a.greenPct),
        countItem('blue', 'Blue', a.blue, 'actions-blue', a.bluePct),
        countItem('completed', 'Completed', a.completed, 'actions-completed')),
      barsSvg('Actions', ACTION_PARTS, [[period, a], [previousPeriod, before && before.actions]]));
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
    const data = await gql(`query Indicators($filter: IndicatorFilter, $after: String, $period: String!, $sparkFrom: String!) {
      indicators(filter: $filter, first: 50, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node {
          id ref title unit decimals frequency owner { name }
          result(period: $period) { actual target status previousStatus trend direction }
          series(from: $sparkFrom, to: $period) { period actual target status }
        } }
      }
    }`, { filter, after, period: state.period, sparkFrom: formatPeriod(stepPeriod(parsePeriod(state.period), -7)) });
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
      h('td', null, trend(n.result.trend, n.result.direction), sparkSvg(n.series, n.unit, n.decimals))));
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
        history { period at by { name } before { value commentary noValueReason } after { value commentary noValueReason } }
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
      mayEnter() ? h('p', null, h('a', { class: 'button', id: 'enter-value-link', href: recordPath(ind.id, r.ratedPeriod) }, 'Enter value for ' + r.ratedPeriod)) : null,
      r.benchmark ? benchmarkSection(ind, r.benchmark) : null,
      h('h2', { id: 'edits-heading' }, 'Changes to values'),
      editsTable(ind, ind.history),
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

  /** Every recording and correction of a value: who, when, before → after. */
  function editsTable(ind, edits) {
    if (!edits.length) return h('p', { class: 'none', id: 'value-edits-none' }, 'No value has been recorded yet.');
    const side = (v) => {
      if (!v) return h('span', { class: 'none' }, 'Nothing');
      return [v.value === null ? (v.noValueReason ? 'No value: ' + v.noValueReason : 'No value') : formatValue(v.value, ind.unit, ind.decimals),
        v.commentary ? h('div', { class: 'muted text' }, v.commentary) : null];
    };
    return h('div', { class: 'table-wrap' }, h('table', { id: 'value-edits' },
      h('caption', null, 'Who recorded or corrected each value, latest first'),
      h('thead', null, h('tr', null, ['When', 'Who', 'Period', 'Before', 'After'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, edits.map((e) => h('tr', null,
        h('td', null, e.at.slice(0, 16).replace('T', ' ')),
        h('td', null, e.by ? e.by.name : '—'),
        h('th', { scope: 'row' }, e.period),
        h('td', null, side(e.before)),
        h('td', null, h('span', { 'aria-hidden': 'true' }, '→ '), side(e.after)))))));
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
