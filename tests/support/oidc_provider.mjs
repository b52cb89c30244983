// A real OpenID provider (panva's certified oidc-provider) for the tests, on loopback.
//
// Configured by one JSON document in OIDC_TEST_CONFIG (tests/support/identity.py writes it):
//   {"port": 41234, "clients": [...client metadata...],
//    "accounts": {"kari": {"claims": {...}, "amr": ["pwd", "mfa"], "acr": "...",
//                          "idTokenSeconds": 1}}}
// Its sign-in is a minimal form a test fills in with a plain HTTP client or a browser:
// the account's name, one button; then a consent form with one button. No real password:
// the provider is the subject of no test, the app's handling of what it issues is.
import http from 'node:http';
import { URL } from 'node:url';

import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG);
const issuer = `http://127.0.0.1:${config.port}`;
const { accounts } = config;

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>${escape(title)}</title></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;

const provider = new Provider(issuer, {
  clients: config.clients,
  pkce: { required: () => true },
  cookies: { keys: ['test-provider-cookie-key'] },
  // Claims in the ID token itself, as Entra ID and Keycloak put them there.
  conformIdTokenClaims: false,
  claims: {
    // How the person signed in travels in the ID token, as with Entra ID and Keycloak.
    openid: ['sub', 'amr', 'acr', 'auth_time'],
    email: ['email', 'email_verified'],
    profile: ['name', 'groups'],
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Sign out', `${form}<button type="submit" form="op.logoutForm"
          name="logout" value="yes">Yes, sign me out</button>`);
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = page('Signed out', '<p>You are signed out.</p>');
      },
    },
  },
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    Grant: 3600,
    Interaction: 600,
    Session: 3600,
    // An account may be given short-lived ID tokens (the expired-token test).
    IdToken: (ctx, token) => accounts[token.available.sub]?.idTokenSeconds ?? 3600,
  },
  interactions: { url: (ctx, pending) => `/interaction/${pending.uid}` },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account.claims }) };
  },
});

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

// The sign-in and consent steps, on the provider's own server.
async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  const action = `/interaction/${escape(uid)}`;
  if (req.method === 'GET') {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (details.prompt.name === 'login') {
      res.end(page('Sign in', `<form method="post" action="${action}">
        <label for="login">Account</label><input id="login" name="login" autofocus>
        <button type="submit">Sign in</button></form>`));
    } else {
      res.end(page('Allow access', `<form method="post" action="${action}">
        <button type="submit">Continue</button></form>`));
    }
    return;
  }
  const form = await readForm(req);
  if (details.prompt.name === 'login') {
    const id = form.get('login') || '';
    const account = accounts[id];
    if (!account) {
      res.statusCode = 400;
      res.end(page('Unknown account', '<p>No such account.</p>'));
      return;
    }
    const login = { accountId: id, amr: account.amr, acr: account.acr };
    await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
    return;
  }
  const { accountId } = details.session;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, {
    mergeWithLastSubmission: true,
  });
}

const callback = provider.callback();
http.createServer((req, res) => {
  const { pathname } = new URL(req.url, issuer);
  const match = pathname.match(/^\/interaction\/([\w-]+)$/);
  if (!match) {
    callback(req, res);
    return;
  }
  interaction(req, res, match[1]).catch((error) => {
    res.statusCode = 500;
    res.end(String(error));
  });
}).listen(config.port, '127.0.0.1');
