// A real, certified OpenID provider (panva/oidc-provider) for the SSO tests, on loopback only.
//
// Configured by a JSON file named in OIDC_TEST_CONFIG:
//   { "issuer": "http://127.0.0.1:PORT", "port": PORT, "clientSecret": "...",
//     "redirectUris": ["http://localhost/login/sso/callback"], "accountsFile": "/tmp/.../accounts.json" }
// accountsFile maps an email (typed as the login on the dev sign-in form) to {"groups": [...]};
// it is read at each sign-in, so a test can remove someone from a group between two sign-ins.
//
// Clients: "billing-console" is honest. The others get an ID token from the real token endpoint
// that is then changed in one claim and signed again with the provider's own key, as a forged or
// replayed token would be: "wrong-audience", "wrong-issuer", "expired", "wrong-nonce".
import { readFileSync } from 'node:fs';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.env.OIDC_TEST_CONFIG, 'utf8'));
const now = () => Math.floor(Date.now() / 1000);
const TAMPERED = {
  'wrong-audience': (claims) => ({ ...claims, aud: 'someone-else' }),
  'wrong-issuer': (claims) => ({ ...claims, iss: 'http://127.0.0.1:1/impostor' }),
  expired: (claims) => ({ ...claims, iat: now() - 7200, exp: now() - 3600 }),
  'wrong-nonce': (claims) => ({ ...claims, nonce: 'a-nonce-from-another-sign-in' }),
};

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingKey = { ...(await jose.exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

function accounts() {
  return JSON.parse(readFileSync(config.accountsFile, 'utf8'));
}

const clients = ['billing-console', ...Object.keys(TAMPERED)].map((clientId) => ({
  client_id: clientId,
  client_secret: config.clientSecret,
  redirect_uris: config.redirectUris,
  grant_types: ['authorization_code'],
  response_types: ['code'],
}));

const provider = new Provider(config.issuer, {
  clients,
  jwks: { keys: [signingKey] },
  cookies: { keys: ['oidc-test-cookie-key'] },
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'groups'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const account = accounts()[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: account.email || id, email_verified: true, groups: account.groups || [] };
      },
    };
  },
  // A first-party app: no consent screen, every requested scope and claim is granted.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid email groups');
    grant.addOIDCClaims(['email', 'email_verified', 'groups']);
    await grant.save();
    return grant;
  },
});

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || ctx.method !== 'POST' || !ctx.body?.id_token) return;
  const claims = jose.decodeJwt(ctx.body.id_token);
  const tamper = TAMPERED[claims.aud];
  if (!tamper) return;
  const key = await jose.importJWK(signingKey, 'RS256');
  ctx.body = {
    ...ctx.body,
    id_token: await new jose.SignJWT(tamper(claims)).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(key),
  };
});

provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider listening on ${config.issuer}\n`);
});
