// GraphiQL in Chromium with no internet: `GET /graphql` of the real router, every file from
// the server itself (any request to another host fails the scenario, as does a CSP
// violation or a console error). Types a query into the editor, runs it with the execute
// button and returns what the response pane shows; the Rust test
// (tests/tests/e2e/browser.rs) compares it with the same query over HTTP.
//
// Arguments: { base, org, query }.
// Result: { title, response (the pane's JSON, parsed), requests (paths asked for), screenshot }.
import { scenario, screenshot } from './lib.mjs';

scenario(async (t) => {
  const { base, org, query } = t.args;
  const context = await t.newContext();
  const requests = [];
  context.on('request', (request) => requests.push(new URL(request.url()).pathname));
  const page = await context.newPage();
  await page.goto(`${base}/graphql?org=${encodeURIComponent(org)}`);

  // The editor is CodeMirror 5: its instance hangs on its element.
  const editor = page.locator('.graphiql-query-editor .CodeMirror');
  await editor.waitFor();
  await editor.evaluate((element, text) => element.CodeMirror.setValue(text), query);
  await page.locator('.graphiql-execute-button').click();

  const pane = page.locator('.graphiql-response .CodeMirror');
  await pane.waitFor();
  await page.waitForFunction(() => {
    const cm = document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror;
    const text = cm ? cm.getValue().trim() : '';
    return text.startsWith('{');
  });
  const shown = await pane.evaluate((element) => element.CodeMirror.getValue());
  const png = await screenshot(page, 'graphiql.png');
  return {
    title: await page.title(),
    response: JSON.parse(shown),
    requests: [...new Set(requests)].sort(),
    screenshot: png,
  };
});
