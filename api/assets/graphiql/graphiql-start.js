// Mounts GraphiQL on `GET /graphql` (index.html). A file of its own because the page's
// Content-Security-Policy allows no inline script (`script-src 'self'`).
//
// Every request goes to `POST /graphql` on this server, as the dashboard's do:
//   - the API token the dashboard keeps in this tab's sessionStorage (`pmf.token`), if
//     any, as `Authorization: Bearer <token>` (the signed-in view);
//   - `?org=SLUG` in this page's address, if any, as `X-Organisation: SLUG` (the public
//     portal of that council). The server prefers the token when both are sent.
// Headers typed into GraphiQL's "Headers" tab are sent too and win over these. The token is
// read at each request and never put into GraphiQL's own (persisted) state.
(function () {
  'use strict';

  var ENDPOINT = '/graphql';
  var TOKEN_KEY = 'pmf.token';
  var DEFAULT_QUERY = [
    '# Performance GraphQL',
    '# Run: Ctrl-Enter or the play button.',
    '# Public portal: add ?org=SLUG to this',
    '# page\'s address.',
    '{',
    '  organisation { name }',
    '  plans { title }',
    '}',
    '',
  ].join('\n');

  var mount = document.getElementById('graphiql');

  function showMessage(text) {
    var p = document.createElement('p');
    p.className = 'pmf-graphiql-message';
    p.textContent = text;
    mount.replaceChildren(p);
  }

  if (!window.React || !window.ReactDOM || !window.GraphiQL) {
    showMessage('GraphiQL could not be loaded from /graphql/assets/. The API itself still answers POST /graphql.');
    return;
  }

  function readToken() {
    try {
      var token = (sessionStorage.getItem(TOKEN_KEY) || '').trim();
      return token || null;
    } catch (e) {
      return null; // storage disabled
    }
  }

  function readOrg() {
    var org = (new URLSearchParams(location.search).get('org') || '').trim();
    return org || null;
  }

  function failure(message) {
    return { errors: [{ message: message }] };
  }

  function fetcher(graphQLParams, opts) {
    var headers = new Headers({
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json',
    });
    var token = readToken();
    if (token) headers.set('Authorization', 'Bearer ' + token);
    var org = readOrg();
    if (org) headers.set('X-Organisation', org);
    var extra = (opts && opts.headers) || {};
    Object.keys(extra).forEach(function (name) {
      var value = extra[name];
      if (value !== undefined && value !== null) headers.set(name, String(value));
    });

    return fetch(ENDPOINT, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: headers,
      body: JSON.stringify(graphQLParams),
    }).then(
      function (response) {
        // application/graphql-response+json answers errors with 4xx/5xx and a JSON body:
        // show that body whatever the status.
        return response.text().then(function (text) {
          try {
            return JSON.parse(text);
          } catch (e) {
            return failure('The server answered ' + response.status + ' ' + response.statusText +
              (text ? ' with a body that is not JSON: ' + text.slice(0, 500) : ' without a body.'));
          }
        });
      },
      function () {
        return failure('The server could not be reached. Check your connection and try again.');
      }
    );
  }

  var root = ReactDOM.createRoot(mount);
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      shouldPersistHeaders: false,
    })
  );
})();
