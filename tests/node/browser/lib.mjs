// Shared helpers for the browser scenarios (`tests/node/browser/<scenario>.mjs`).
//
// A scenario is a script that the Rust harness (`pmf_tests::browser`) runs as
// `node tests/node/browser/<scenario>.mjs`, with its arguments as JSON on stdin:
//
//     import { scenario, screenshot } from './lib.mjs';
//     scenario(async (t) => {
//       const page = await t.newPage();
//       await page.goto(t.args.base + '/');
//       await screenshot(page, 'front.png');
//       return { title: await page.title() };   // printed as the last stdout line
//     });
//
// It drives Debian's Chromium through playwright-core (never a downloaded browser). Every
// context made here aborts requests to any host but 127.0.0.1 / localhost, and collects console
// errors, uncaught page errors, CSP violations and those aborted requests: any of them fails
// the scenario (unless `t.allow(/pattern/)` says it is expected). On failure a screenshot of
// each open page is saved in the artefacts folder and the error goes to stderr; exit code 1.
//
// Environment (the Rust harness sets it): CHROMIUM (default /usr/bin/chromium), ARTIFACTS_DIR
// (default <repository>/target/artifacts), SCENARIO_TIMEOUT_MS (default 150000). By hand:
//     node tests/node/browser/dashboard.mjs '{"base":"http://127.0.0.1:8080", ...}'
import { readFile, mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

/** The scenario's name: its file name without `.mjs`. */
export const scenarioName = path.basename(process.argv[1] || 'scenario', '.mjs');

/** Where screenshots and PDFs go (the Rust side passes `<target dir>/artifacts`). */
export const artifactsDir = path.resolve(
  process.env.ARTIFACTS_DIR || fileURLToPath(new URL('../../../target/artifacts', import.meta.url)),
);

/** The flags every launch uses (playwright adds its own automation flags). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--lang=en-GB',
];

/** Debian's Chromium, headless, with `CHROMIUM_ARGS`. */
export async function launch(options = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    ...options,
  });
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for the machine's own addresses (any port) and for non-network URLs (data:, blob:). */
export function isLocal(url) {
  try {
    const u = new URL(url);
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return true;
    return LOCAL_HOSTS.has(u.hostname);
  } catch {
    return false;
  }
}

/** Reads the scenario's arguments: one JSON value on stdin, or as the first argv. */
export async function readArgs() {
  if (process.argv[2] !== undefined) return JSON.parse(process.argv[2]);
  if (process.stdin.isTTY) return {};
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk;
  return text.trim() ? JSON.parse(text) : {};
}

function artefactPath(name, extension) {
  const file = path.extname(name) ? name : name + extension;
  return path.join(artifactsDir, file);
}

async function logArtefact(file) {
  const { size } = await stat(file);
  console.error(`artefact: ${file} (${size} bytes)`);
  return file;
}

/** A PNG of the whole page in the artefacts folder; returns its path. */
export async function screenshot(page, name, options = {}) {
  await mkdir(artifactsDir, { recursive: true });
  const file = artefactPath(name, '.png');
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', ...options });
  return logArtefact(file);
}

/**
 * The page printed to an A4 PDF in the artefacts folder; returns its path. The page is left
 * in print media emulation (so boxes read afterwards are the printed layout); call
 * `page.emulateMedia({ media: null })` to go back to screen.
 */
export async function pdf(page, name, options = {}) {
  await mkdir(artifactsDir, { recursive: true });
  const file = artefactPath(name, '.pdf');
  await page.emulateMedia({ media: 'print' });
  await page.pdf({ path: file, format: 'A4', printBackground: true, ...options });
  return logArtefact(file);
}

/** Clicks into a field, selects what is in it and types `text` over it, key by key, as a person would. */
export async function typeInto(page, selector, text) {
  const field = page.locator(selector);
  await field.click();
  await field.press('Control+A');
  await page.keyboard.type(text);
}

export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
let axeSource;

/**
 * Runs axe-core (from node_modules) on the page and returns its violations, each
 * `{ id, impact, help, helpUrl, nodes: [{ target, html, failureSummary }] }`; `[]` when clean.
 * The script is evaluated through the DevTools protocol, which the page's CSP does not govern,
 * so it is no CSP violation. `include` / `exclude` are axe selectors; `rules` axe rule options,
 * e.g. `{ 'color-contrast': { enabled: false } }`.
 */
export async function axe(page, { tags = AXE_TAGS, include, exclude, rules } = {}) {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(axeSource);
  }
  return page.evaluate(async ({ tags, include, exclude, rules }) => {
    const context = include || exclude ? { include: include || [document], exclude: exclude || [] } : document;
    const result = await window.axe.run(context, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
      ...(rules ? { rules } : {}),
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, failureSummary: n.failureSummary })),
    }));
  }, { tags, include, exclude, rules });
}

/** One line per violation and node, for an error message. */
export function describeViolations(violations) {
  return violations
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${v.help} at ${n.target.join(' ')}: ${n.html}`))
    .join('\n');
}

/** What a run is given: its arguments, the browser, and guarded contexts and pages. */
export class Session {
  constructor(browser, args) {
    this.browser = browser;
    this.args = args;
    this.contexts = [];
    this.problems = [];
    this.allowed = [];
    this.defaultContext = null;
  }

  /** Problems whose text matches `pattern` (a RegExp) no longer fail the scenario. */
  allow(pattern) {
    this.allowed.push(pattern);
  }

  record(kind, text, pageUrl) {
    const line = `${kind}: ${text}${pageUrl ? ` (on ${pageUrl})` : ''}`;
    if (this.allowed.some((p) => p.test(line))) return;
    this.problems.push(line);
  }

  /**
   * A new context (its own cookies and storage: one person's browser) with the guards: only
   * 127.0.0.1/localhost requests, console errors, page errors and CSP violations recorded.
   * `options` are playwright's `browser.newContext` options.
   */
  async newContext(options = {}) {
    const context = await this.browser.newContext({
      locale: 'en-GB',
      timezoneId: 'Europe/London',
      viewport: { width: 1280, height: 1000 },
      ...options,
    });
    context.setDefaultTimeout(15_000);
    context.setDefaultNavigationTimeout(30_000);
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (isLocal(url)) return route.fallback();
      let from;
      try { from = route.request().frame().url(); } catch { from = undefined; }
      this.record('request to another host aborted', url, from);
      return route.abort('blockedbyclient');
    });
    context.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      // The aborted request itself is recorded above.
      if (msg.text() === 'Failed to load resource: net::ERR_BLOCKED_BY_CLIENT') return;
      this.record('console error', msg.text(), msg.page()?.url());
    });
    context.on('weberror', (err) => this.record('uncaught error in the page', err.error().stack || String(err.error()), err.page()?.url()));
    await context.exposeBinding('__pmfSecurityPolicyViolation', ({ frame }, v) => {
      this.record('CSP violation', `${v.directive} blocked ${v.blocked || '(inline)'} at ${v.source}:${v.line}`, frame?.url());
    });
    await context.addInitScript(() => {
      window.addEventListener('securitypolicyviolation', (e) => {
        window.__pmfSecurityPolicyViolation({
          directive: e.effectiveDirective,
          blocked: e.blockedURI,
          source: e.sourceFile,
          line: e.lineNumber,
        });
      });
    });
    this.contexts.push(context);
    return context;
  }

  /** A new page in the session's first context (made on first use). */
  async newPage() {
    this.defaultContext ??= await this.newContext();
    return this.defaultContext.newPage();
  }

  /** Every open page of every context. */
  pages() {
    return this.contexts.flatMap((c) => c.pages());
  }

  /** Fails now if a console error, page error, CSP violation or foreign request was seen. */
  check() {
    if (this.problems.length) {
      throw new Error(`the browser reported ${this.problems.length} problem(s):\n  ${this.problems.join('\n  ')}`);
    }
  }
}

async function failureScreenshots(session) {
  const saved = [];
  for (const [i, page] of (session?.pages() || []).entries()) {
    try {
      const file = artefactPath(`${scenarioName}-failure-${i + 1}.png`, '.png');
      await mkdir(artifactsDir, { recursive: true });
      await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
      saved.push(`screenshot: ${file} (${page.url()})`);
    } catch (e) {
      saved.push(`no screenshot of ${page.url()}: ${e.message.split('\n')[0]}`);
    }
  }
  return saved;
}

function finish(code, line) {
  const done = () => process.exit(code);
  if (line === undefined) done();
  else process.stdout.write(line + '\n', done);
}

/**
 * Runs a scenario: reads the arguments, launches Chromium, calls `body(session)`, checks that
 * the browser reported no problems, and prints `JSON.stringify(result)` as the last line of
 * stdout (exit 0). On any error or after SCENARIO_TIMEOUT_MS: screenshots of the open pages,
 * the error and the problems on stderr, exit 1.
 */
export async function scenario(body) {
  let session;
  let failing = false;
  const fail = async (error) => {
    if (failing) return;
    failing = true;
    const lines = [`scenario ${scenarioName} failed: ${error?.stack || error}`];
    if (session?.problems.length && !String(error?.message).startsWith('the browser reported')) {
      lines.push('the browser also reported:', ...session.problems.map((p) => '  ' + p));
    }
    lines.push(...(await failureScreenshots(session)));
    console.error(lines.join('\n'));
    await session?.browser.close().catch(() => {});
    finish(1);
  };
  const budget = Number(process.env.SCENARIO_TIMEOUT_MS || 150_000);
  setTimeout(() => fail(new Error(`timed out after ${budget / 1000} s (SCENARIO_TIMEOUT_MS)`)), budget).unref();
  try {
    const args = await readArgs();
    const browser = await launch();
    session = new Session(browser, args);
    const result = await body(session);
    session.check();
    await browser.close();
    if (!failing) finish(0, JSON.stringify(result ?? null));
  } catch (error) {
    await fail(error);
  }
}
