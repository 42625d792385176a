// A real OpenID provider (panva's certified `oidc-provider`) for the federation tests: it signs
// users in through its own development login and consent pages, and issues signed ID tokens.
//
//   node upstream.mjs '{"clients":[{"client_id":"…","client_secret":"…","redirect_uris":["…"]}]}'
//
// Listens on 127.0.0.1 (a free port) and prints one line, {"issuer":"http://127.0.0.1:PORT"}.
// Users: any login name is a user whose `sub` is that name (the dev login takes any password).
// `GET /__test/mode?set=MODE` makes the token endpoint hand out a bad ID token, as a hostile or
// broken provider would: `signature` (claims changed after signing), `audience` (validly signed
// for another client), `nonce` (validly signed, another nonce); `none` restores honest tokens.
import { createServer } from 'node:http';
import { createSign, generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const input = JSON.parse(process.argv[2] ?? '{}');
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'upstream-key-1', use: 'sig', alg: 'RS256' };

let mode = 'none';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function resign(payload) {
  const header = b64url(JSON.stringify({ alg: 'RS256', kid: jwk.kid }));
  const body = b64url(JSON.stringify(payload));
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${body}`);
  return `${header}.${body}.${b64url(signer.sign(privateKey))}`;
}

function tamper(idToken) {
  const [header, body, signature] = idToken.split('.');
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
  switch (mode) {
    case 'signature':
      return `${header}.${b64url(JSON.stringify({ ...payload, sub: 'mallory' }))}.${signature}`;
    case 'audience':
      return resign({ ...payload, aud: 'another-client' });
    case 'nonce':
      return resign({ ...payload, nonce: 'not-the-nonce-sent' });
    default:
      return idToken;
  }
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: (input.clients ?? []).map((c) => ({
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      ...c,
    })),
    jwks: { keys: [jwk] },
    cookies: { keys: ['upstream-test-cookie-key'] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'locale'],
    },
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: `${id}@upstream.example`,
            email_verified: true,
            name: `${id} Upstream`,
            given_name: id,
            family_name: 'Upstream',
            locale: 'en-GB',
          };
        },
      };
    },
  });
  provider.use(async (ctx, next) => {
    if (ctx.path === '/__test/mode') {
      mode = String(ctx.query.set ?? 'none');
      ctx.body = { mode };
      return;
    }
    await next();
    if (ctx.path === '/token' && ctx.body && typeof ctx.body === 'object' && ctx.body.id_token) {
      ctx.body = { ...ctx.body, id_token: tamper(ctx.body.id_token) };
    }
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
