#!/usr/bin/env node
// Self-test of oidc-provider.mjs: starts it with a temporary config and runs real
// authorization-code + PKCE + nonce flows with Node's fetch (manual redirects,
// cookies carried by hand), verifies ID tokens against the JWKS with jose, and
// exercises every /__test endpoint.   Run: node tests/node/oidc-provider.selftest.mjs
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import assert from 'node:assert/strict';
import { compactVerify, createRemoteJWKSet, jwtVerify } from 'jose';

const REDIRECT = 'http://127.0.0.1:9/callback'; // never contacted: we stop at the redirect
const CLIENT = { client_id: 'council-app', client_secret: 'te$t secret+/=', redirect_uris: [REDIRECT] };
const ALICE = {
  sub: 'alice-sub', email: 'alice@council.example', email_verified: true, name: 'Alice Example',
  preferred_username: 'alice@council.example', tid: 'tenant-123', oid: 'oid-alice',
};
const BOB = { sub: 'bob-sub', email: 'bob@council.example', email_verified: false, name: 'Bob' };

const dir = mkdtempSync(join(tmpdir(), 'oidc-selftest-'));
const configPath = join(dir, 'config.json');
writeFileSync(configPath, JSON.stringify({
  port: 0, issuerPath: '/tenant-123/v2.0', clients: [CLIENT], accounts: [ALICE, BOB],
}));

const child = spawn(process.execPath, [new URL('./oidc-provider.mjs', import.meta.url).pathname, configPath],
  { stdio: ['pipe', 'pipe', 'inherit'] });
const firstLine = await new Promise((resolve, reject) => {
  createInterface({ input: child.stdout }).once('line', resolve);
  child.once('exit', (code) => reject(new Error(`provider exited early (${code})`)));
});
const { issuer, port } = JSON.parse(firstLine);
const origin = `http://127.0.0.1:${port}`;
assert.equal(issuer, `${origin}/tenant-123/v2.0`);

let passed = 0;
async function check(name, fn) {
  await fn();
  passed += 1;
  console.log(`ok ${passed} - ${name}`);
}

const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
const JWKS = createRemoteJWKSet(new URL(discovery.jwks_uri));
const b64url = (buf) => Buffer.from(buf).toString('base64url');

// One browser-like authorization request. Returns the redirect_uri query parameters.
async function authorize(jar, params) {
  let url = `${discovery.authorization_endpoint}?${new URLSearchParams(params)}`;
  for (let hops = 0; hops < 10; hops += 1) {
    if (url.startsWith(REDIRECT)) return Object.fromEntries(new URL(url).searchParams);
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1)];
      const expires = attrs.find((a) => a.trim().toLowerCase().startsWith('expires='));
      if (!value || (expires && new Date(expires.split('=')[1]) < new Date())) jar.delete(name);
      else jar.set(name, value);
    }
    assert.equal(res.status, 303, `${url} -> ${res.status} ${await res.text()}`);
    url = new URL(res.headers.get('location'), url).href;
  }
  throw new Error('too many redirects');
}

// Full code flow; returns { tokens, nonce, params } (tokens = token endpoint JSON).
async function login(loginHint, { jar = new Map(), auth = 'basic', verifier } = {}) {
  const codeVerifier = b64url(randomBytes(32));
  const nonce = b64url(randomBytes(16));
  const state = b64url(randomBytes(16));
  const params = await authorize(jar, {
    client_id: CLIENT.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid email profile',
    state, nonce, login_hint: loginHint,
    code_challenge: b64url(createHash('sha256').update(codeVerifier).digest()), code_challenge_method: 'S256',
  });
  assert.equal(params.state, state);
  if (params.error) return { params };
  assert.equal(params.iss, issuer); // RFC 9207 iss in the authorization response
  const form = {
    grant_type: 'authorization_code', code: params.code, redirect_uri: REDIRECT, code_verifier: verifier ?? codeVerifier,
  };
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth === 'basic') {
    const enc = encodeURIComponent; // RFC 6749 2.3.1: form-urlencode id and secret before base64
    headers.authorization = `Basic ${Buffer.from(`${enc(CLIENT.client_id)}:${enc(CLIENT.client_secret)}`).toString('base64')}`;
  } else {
    Object.assign(form, { client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
  }
  const res = await fetch(discovery.token_endpoint, { method: 'POST', headers, body: new URLSearchParams(form) });
  return { tokens: await res.json(), status: res.status, nonce, params };
}

// Signature must verify against the JWKS; returns the payload without judging the claims.
async function signedPayload(idToken) {
  const { payload } = await compactVerify(idToken, JWKS);
  return JSON.parse(new TextDecoder().decode(payload));
}

async function control(path, body, method = 'POST') {
  const res = await fetch(`${origin}${path}`, { method, body: body && JSON.stringify(body) });
  assert.equal(res.status, 200);
  return res.json();
}

try {
  await check('discovery document', () => {
    assert.equal(discovery.issuer, issuer);
    assert.equal(discovery.jwks_uri, `${issuer}/jwks`);
    assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
    assert.ok(discovery.token_endpoint_auth_methods_supported.includes('client_secret_basic'));
    assert.ok(discovery.token_endpoint_auth_methods_supported.includes('client_secret_post'));
  });

  await check('code + PKCE + nonce flow, client_secret_basic, ID token verified', async () => {
    const { tokens, nonce } = await login(ALICE.sub);
    assert.ok(tokens.id_token, JSON.stringify(tokens));
    assert.equal(tokens.token_type, 'Bearer');
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token, JWKS, { issuer, audience: CLIENT.client_id });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.nonce, nonce);
    assert.equal(payload.aud, CLIENT.client_id);
    for (const k of ['sub', 'email', 'email_verified', 'name', 'preferred_username', 'tid', 'oid']) {
      assert.equal(payload[k], ALICE[k], k);
    }
    const userinfo = await (await fetch(discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    })).json();
    assert.equal(userinfo.email, ALICE.email);
  });

  await check('client_secret_post, login_hint by e-mail', async () => {
    const { tokens } = await login(BOB.email, { auth: 'post' });
    const { payload } = await jwtVerify(tokens.id_token, JWKS, { issuer, audience: CLIENT.client_id });
    assert.equal(payload.sub, BOB.sub);
    assert.equal(payload.email_verified, false);
  });

  await check('same browser session, another login_hint -> the other account', async () => {
    const jar = new Map();
    assert.equal((await signedPayload((await login(ALICE.sub, { jar })).tokens.id_token)).sub, ALICE.sub);
    assert.equal((await signedPayload((await login(ALICE.sub, { jar })).tokens.id_token)).sub, ALICE.sub);
    assert.equal((await signedPayload((await login(BOB.sub, { jar })).tokens.id_token)).sub, BOB.sub);
  });

  await check('unknown login_hint -> error=access_denied', async () => {
    const { params } = await login('nobody@council.example');
    assert.equal(params.error, 'access_denied');
  });

  await check('PKCE is required and checked', async () => {
    const params = await authorize(new Map(), {
      client_id: CLIENT.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', state: 's', login_hint: ALICE.sub,
    });
    assert.equal(params.error, 'invalid_request');
    const { status, tokens } = await login(ALICE.sub, { verifier: b64url(randomBytes(32)) });
    assert.equal(status, 400);
    assert.equal(tokens.error, 'invalid_grant');
  });

  const tampers = [
    [{ aud: 'someone-else' }, (p) => assert.equal(p.aud, 'someone-else')],
    [{ nonce: 'wrong' }, (p) => assert.equal(p.nonce, 'wrong')],
    [{ nonce: null }, (p) => assert.equal('nonce' in p, false)],
    [{ email: 'changed@x.example' }, (p) => assert.equal(p.email, 'changed@x.example')],
    [{ iss: 'http://evil' }, (p) => assert.equal(p.iss, 'http://evil')],
    [{ expired: true }, (p) => assert.ok(p.exp < Date.now() / 1000 && p.iat < p.exp)],
  ];
  for (const [changes, expect] of tampers) {
    await check(`/__test/next-id-token ${JSON.stringify(changes)}`, async () => {
      assert.deepEqual(await control('/__test/next-id-token', changes), { pending: changes });
      const { tokens, nonce } = await login(ALICE.sub);
      const p = await signedPayload(tokens.id_token); // still signed by the provider's key
      expect(p);
      assert.equal(p.sub, ALICE.sub);
      if (!('nonce' in changes)) assert.equal(p.nonce, nonce);
      // only the NEXT token is tampered
      const next = await login(ALICE.sub);
      await jwtVerify(next.tokens.id_token, JWKS, { issuer, audience: CLIENT.client_id });
    });
  }

  await check('DELETE /__test/next-id-token forgets the tamper', async () => {
    await control('/__test/next-id-token', { aud: 'x' });
    await control('/__test/next-id-token', undefined, 'DELETE');
    await jwtVerify((await login(ALICE.sub)).tokens.id_token, JWKS, { issuer, audience: CLIENT.client_id });
  });

  await check('/__test/account changes and adds accounts', async () => {
    const { account } = await control('/__test/account', { sub: ALICE.sub, email: 'alice.new@council.example', oid: null });
    assert.equal(account.email, 'alice.new@council.example');
    const p = await signedPayload((await login(ALICE.sub)).tokens.id_token);
    assert.equal(p.email, 'alice.new@council.example');
    assert.equal('oid' in p, false);
    await control('/__test/account', { sub: 'carol-sub', email: 'carol@council.example', name: 'Carol', tid: 'tenant-123' });
    const c = await signedPayload((await login('carol@council.example')).tokens.id_token);
    assert.deepEqual([c.sub, c.name, c.tid], ['carol-sub', 'Carol', 'tenant-123']);
  });

  await check('provider exits when its stdin closes', async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.end();
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('still running')), 5000));
    await Promise.race([exited, timeout]);
  });
  console.log(`${passed} passed, 0 failed`);
} catch (err) {
  console.error(err);
  console.log(`${passed} passed, 1 failed`);
  process.exitCode = 1;
} finally {
  if (child.exitCode === null) child.kill();
  rmSync(dir, { recursive: true, force: true });
}
