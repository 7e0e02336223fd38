// The graphql-http audit suite (https://github.com/graphql/graphql-http#audits) against a
// running server: `node tests/node/graphql-http-audit.mjs '{"url":"http://127.0.0.1:8080/graphql"}'`
// (or the same JSON on stdin). Prints one JSON line: every audit's id, name (which starts
// with MUST, SHOULD or MAY), status (ok, warn, error) and reason. Exit 0 whatever the
// results: the Rust test (tests/tests/e2e/conformance.rs) decides what must pass.
import { serverAudits } from 'graphql-http';

async function readArgs() {
  if (process.argv[2] !== undefined) return JSON.parse(process.argv[2]);
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk;
  return text.trim() ? JSON.parse(text) : {};
}

const { url, headers } = await readArgs();
if (!url) {
  console.error('usage: node graphql-http-audit.mjs \'{"url":"http://HOST:PORT/graphql"}\'');
  process.exit(2);
}
const fetchFn = headers
  ? (input, init = {}) => fetch(input, { ...init, headers: { ...headers, ...(init.headers || {}) } })
  : fetch;
const results = [];
for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  results.push({
    id: audit.id,
    name: audit.name,
    status: result.status,
    reason: result.status === 'ok' ? null : result.reason,
  });
}
process.stdout.write(JSON.stringify(results) + '\n');
