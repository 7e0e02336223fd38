#!/usr/bin/env node
// A REAL OpenID provider (panva's oidc-provider, OpenID Certified) for the
// end-to-end tests, with automatic (UI-less) login and a test-control API.
//
//   node tests/node/oidc-provider.mjs CONFIG.json
//
// CONFIG.json (see README.md for a full example):
//   {
//     "port": 0,                                 // 0 = pick a free port
//     "issuerPath": "/TENANT/v2.0",              // optional, Entra-like issuer
//     "clients":  [{ "client_id": "...", "client_secret": "...",
//                    "redirect_uris": ["http://127.0.0.1:3000/auth/callback"] }],
//     "accounts": [{ "sub": "...", "email": "...", "email_verified": true,
//                    "name": "...", "tid": "...", "oid": "...", ... }],
//     "defaultLoginHint": "...",                 // optional, used when /auth has no login_hint
//     "extraClaims": ["..."],                    // optional, claim names that /__test/account may add later
//     "jwks": { "keys": [ RSA private JWK ] },    // optional, else an RS256 key is generated
//     "exitOnStdinClose": true                   // optional, default true
//   }
//
// Once listening on 127.0.0.1 it prints ONE line to stdout and keeps running:
//   {"issuer":"http://127.0.0.1:PORT[issuerPath]","port":PORT}
// It exits on SIGTERM/SIGINT and when its stdin closes (so spawn it with a
// piped stdin and keep the pipe open; dropping it stops the provider).
//
// Endpoints (ISSUER = the printed issuer):
//   GET  ISSUER/.well-known/openid-configuration   discovery (jwks_uri, token_endpoint, ...)
//   GET  ISSUER/jwks                               public signing keys (RS256)
//   GET  ISSUER/auth                               authorization endpoint (code + PKCE S256 required)
//   POST ISSUER/token                              token endpoint (client_secret_basic or _post)
//   GET  ISSUER/me                                 userinfo
//   GET  ISSUER/session/end                        RP-initiated logout
//   GET  /interaction/:uid                         (internal) auto-completes login and consent:
//        the account is the one whose sub or email equals login_hint; none -> error=access_denied
//   POST /__test/next-id-token  {claim: value, ...}  the NEXT id_token returned by the token
//        endpoint gets these claims replaced (null deletes a claim; "expired": true sets
//        iat/exp in the past) and is re-signed with the provider's own key. 200 {"pending":{...}}
//   DELETE /__test/next-id-token                   forget a pending tamper
//   POST /__test/account        {sub, claim: value, ...}  add an account or change its claims
//        (null deletes a claim). 200 {"account":{...}}
//
// What had to change from oidc-provider's defaults for plain-http tests:
//   * nothing for http itself: cookies are `secure` only when the request is https;
//   * devInteractions (the built-in login form) is off, /interaction/:uid completes it instead;
//   * conformIdTokenClaims: false, so the ID token from the token endpoint carries the
//     email/profile claims (by default they would only be served at userinfo);
//   * pkce.required: always (by default only for public clients);
//   * a login check so that a login_hint naming another account forces a new login
//     even when the browser still has a session for the previous one.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import Provider, { interactionPolicy } from 'oidc-provider';
import {
  CompactSign, exportJWK, generateKeyPair, importJWK, decodeProtectedHeader,
} from 'jose';

const configPath = process.argv[2];
if (!configPath) {
  console.error('usage: node oidc-provider.mjs CONFIG.json');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configPath, 'utf8'));

// ---------------------------------------------------------------- accounts
const accounts = new Map(); // sub -> claims (including sub)
function upsertAccount({ sub, ...claims }) {
  if (typeof sub !== 'string' || !sub) throw new Error('account needs a string "sub"');
  const account = { ...(accounts.get(sub) ?? {}), ...claims, sub };
  for (const [k, v] of Object.entries(account)) if (v === null) delete account[k];
  accounts.set(sub, account);
  return account;
}
(config.accounts ?? []).forEach(upsertAccount);

function accountByHint(hint) {
  if (typeof hint !== 'string' || !hint) return undefined;
  if (accounts.has(hint)) return accounts.get(hint);
  const lower = hint.toLowerCase();
  return [...accounts.values()].find((a) => typeof a.email === 'string' && a.email.toLowerCase() === lower);
}

// Which claims are released for which scope. Every claim that is not a standard
// email/profile claim (tid, oid, roles, ...) is released with "openid".
const EMAIL = ['email', 'email_verified'];
const PROFILE = ['name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username',
  'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'];
const JWT_RESERVED = new Set(['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'nonce', 'azp', 'at_hash',
  'c_hash', 'auth_time', 'acr', 'amr', 'sid']);
const extra = new Set(['tid', 'oid', 'upn', 'roles', 'groups', ...(config.extraClaims ?? [])]);
for (const a of accounts.values()) Object.keys(a).forEach((k) => extra.add(k));
for (const k of [...EMAIL, ...PROFILE, ...JWT_RESERVED]) extra.delete(k);

// ---------------------------------------------------------------- keys
async function signingKeys() {
  if (config.jwks) return config.jwks;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  return { keys: [{ ...jwk, kid: randomUUID(), alg: 'RS256', use: 'sig' }] };
}
const jwks = await signingKeys();

// ---------------------------------------------------------------- ID token tampering
let pendingTamper = null;

const b64json = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

async function tamper(idToken, changes) {
  const header = decodeProtectedHeader(idToken);
  const payload = b64json(idToken.split('.')[1]);
  const { expired, ...claims } = changes;
  if (expired) {
    const now = Math.floor(Date.now() / 1000);
    Object.assign(payload, { iat: now - 7200, exp: now - 3600 });
    if (payload.auth_time) payload.auth_time = now - 7200;
  }
  for (const [k, v] of Object.entries(claims)) {
    if (v === null) delete payload[k]; else payload[k] = v;
  }
  const jwk = jwks.keys.find((k) => k.kid === header.kid) ?? jwks.keys[0];
  const key = await importJWK(jwk, header.alg);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(key);
}

// ---------------------------------------------------------------- provider
const policy = interactionPolicy.base();
policy.get('login').checks.push(new interactionPolicy.Check(
  'login_hint_other_account',
  'login_hint names another account than the current session',
  'login_required',
  (ctx) => {
    const { session, params } = ctx.oidc;
    if (!session.accountId || params.login_hint === undefined) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    return accountByHint(params.login_hint)?.sub !== session.accountId;
  },
));

function createProvider(issuer) {
  const provider = new Provider(issuer, {
    clients: (config.clients ?? []).map((c) => ({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic', // client_secret_post is accepted too
      ...c,
    })),
    jwks,
    findAccount: (ctx, sub) => {
      if (!accounts.has(sub)) return undefined;
      return { accountId: sub, claims: () => ({ ...accounts.get(sub) }) };
    },
    claims: { openid: ['sub', ...extra], email: EMAIL, profile: PROFILE },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: {
      AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 86400, Grant: 86400,
    },
  });

  // Post-process the token endpoint response when a tamper is pending.
  provider.use(async (ctx, next) => {
    await next();
    if (pendingTamper && ctx.oidc?.route === 'token' && ctx.status === 200 && ctx.body?.id_token) {
      const changes = pendingTamper;
      pendingTamper = null;
      ctx.body = { ...ctx.body, id_token: await tamper(ctx.body.id_token, changes) };
    }
  });
  provider.on('server_error', (ctx, err) => console.error('oidc-provider server_error:', err));
  return provider;
}

// ---------------------------------------------------------------- interactions (no UI)
async function interaction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params } = details;
  let result;
  if (prompt.name === 'login') {
    const hint = params.login_hint ?? config.defaultLoginHint;
    const account = accountByHint(hint);
    if (account && details.session && details.session.accountId !== account.sub) {
      // Switching accounts: drop the old session here. Otherwise oidc-provider answers
      // with an auto-submitting logout form, which a plain HTTP client cannot follow.
      const old = await provider.Session.findByUid(details.session.uid);
      delete details.session;
      await details.save(details.exp - Math.floor(Date.now() / 1000));
      await old?.destroy();
    }
    result = account
      ? { login: { accountId: account.sub } }
      : { error: 'access_denied', error_description: `no test account for login_hint ${JSON.stringify(hint ?? null)}` };
  } else if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    result = { consent: { grantId: await grant.save() } };
  } else {
    result = { error: 'access_denied', error_description: `unsupported prompt ${prompt.name}` };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true }); // 303
}

// ---------------------------------------------------------------- test control
async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  const value = text ? JSON.parse(text) : {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('expected a JSON object');
  return value;
}

async function testControl(req, res, path) {
  const send = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  try {
    if (path === '/__test/next-id-token' && req.method === 'POST') {
      pendingTamper = await readJson(req);
      return send(200, { pending: pendingTamper });
    }
    if (path === '/__test/next-id-token' && req.method === 'DELETE') {
      pendingTamper = null;
      return send(200, { pending: null });
    }
    if (path === '/__test/account' && req.method === 'POST') {
      return send(200, { account: upsertAccount(await readJson(req)) });
    }
    return send(404, { error: 'no such test endpoint' });
  } catch (err) {
    return send(400, { error: err.message });
  }
}

// ---------------------------------------------------------------- server
const issuerPath = (config.issuerPath ?? '').replace(/\/+$/, '').replace(/^(?=[^/])/, '/');
let provider;
let callback;

const server = createServer((req, res) => {
  const path = req.url.split('?')[0];
  const fail = (err) => {
    console.error(err);
    if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(`${err.name ?? 'Error'}: ${err.message}\n`);
  };
  if (path.startsWith('/__test/')) return testControl(req, res, path).catch(fail);
  if (path.startsWith('/interaction/')) return interaction(provider, req, res).catch(fail);
  if (!issuerPath) return callback(req, res);
  if (path === issuerPath || path.startsWith(`${issuerPath}/`)) {
    // mount the provider under issuerPath (like express' app.use(path, ...))
    req.originalUrl = req.url;
    req.url = req.url.slice(issuerPath.length) || '/';
    return callback(req, res);
  }
  res.writeHead(404).end();
});

server.listen(config.port ?? 0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}${issuerPath}`;
  provider = createProvider(issuer);
  callback = provider.callback();
  process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
});

const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (config.exitOnStdinClose !== false) {
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
