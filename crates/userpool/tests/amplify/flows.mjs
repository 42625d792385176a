// Runs Amplify JS v6's Auth flows against a local userpool and prints what each step saw, as
// one JSON line after `AMPLIFY_RESULT `, for the Rust test (tests/it/amplify_node.rs) to judge.
// Input (argv[2], JSON): endpoint, userPoolId, clientId, email, password, newPassword.
//
// Tokens are kept in a Map this script hands Amplify (`setKeyValueStorage`), so that it can
// report what Amplify stored; without it Amplify in Node (no `window.localStorage`) keeps them
// in its own in-memory storage alike.

import { createHmac } from 'node:crypto';
import { Amplify } from 'aws-amplify';
import {
  autoSignIn,
  confirmSignIn,
  confirmSignUp,
  fetchAuthSession,
  fetchMFAPreference,
  getCurrentUser,
  setUpTOTP,
  signIn,
  signOut,
  signUp,
  updateMFAPreference,
  updatePassword,
  verifyTOTPSetup,
} from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';

// Amplify's SRP and ids use Web Crypto, global from Node 19 on (Debian 12's Node is 18).
if (!globalThis.crypto) globalThis.crypto = (await import('node:crypto')).webcrypto;

const input = JSON.parse(process.argv[2]);

/** A key-value storage over a Map, as Amplify's `KeyValueStorageInterface` asks. */
const stored = new Map();
const storage = {
  async setItem(key, value) { stored.set(key, value); },
  async getItem(key) { return stored.has(key) ? stored.get(key) : null; },
  async removeItem(key) { stored.delete(key); },
  async clear() { stored.clear(); },
};

/** The RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret, `ahead` steps from now. */
function totp(secret, ahead = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + ahead));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

/** The newest confirmation code the pool's outbox holds for `to` (its JSON page). */
async function confirmationCode(to) {
  const res = await fetch(`${input.endpoint}/_outbox.json`);
  const { messages } = await res.json();
  const m = messages.find((m) => m.to === to && m.kind === 'confirm');
  if (!m) throw new Error(`no confirmation code for ${to}`);
  return m.code_or_password;
}

/** What the token storage holds: the last parts of its keys (`accessToken`, ...). */
function storedKinds() {
  return [...stored.keys()].map((k) => k.split('.').pop()).sort();
}

/** The session's tokens, in short: whether each is there, and the access token's `iat`. */
async function session(forceRefresh) {
  const s = await fetchAuthSession({ forceRefresh });
  return {
    accessToken: s.tokens?.accessToken?.toString() ?? null,
    idToken: Boolean(s.tokens?.idToken),
    sub: s.userSub ?? null,
    iat: s.tokens?.accessToken?.payload?.iat ?? null,
  };
}

const out = { window: typeof window, steps: {} };

/** Runs a step, keeping its value or its error; a failed step ends the run. */
async function step(name, run) {
  try {
    out.steps[name] = { ok: true, value: (await run()) ?? null };
  } catch (e) {
    out.steps[name] = { ok: false, error: { name: e?.name, message: e?.message } };
    throw e;
  }
}

Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: input.userPoolId,
      userPoolClientId: input.clientId,
      userPoolEndpoint: input.endpoint,
    },
  },
});
cognitoUserPoolsTokenProvider.setKeyValueStorage(storage);

const { email, password, newPassword } = input;
try {
  await step('signUp', () =>
    signUp({
      username: email,
      password,
      options: { autoSignIn: { authFlowType: 'USER_AUTH' } },
    }),
  );
  await step('confirmSignUp', async () => {
    const code = await confirmationCode(email);
    return { code, ...(await confirmSignUp({ username: email, confirmationCode: code })) };
  });
  await step('autoSignIn', () => autoSignIn());
  await step('afterAutoSignIn', async () => ({
    user: await getCurrentUser(),
    stored: storedKinds(),
  }));
  await step('signOut', () => signOut());
  await step('srpSignIn', () => signIn({ username: email, password }));
  await step('afterSrpSignIn', async () => ({
    user: await getCurrentUser(),
    signInDetails: (await getCurrentUser()).signInDetails,
  }));

  let secret;
  await step('setUpTOTP', async () => {
    const details = await setUpTOTP();
    secret = details.sharedSecret;
    return { secretLength: secret.length, uri: details.getSetupUri('userpool').toString() };
  });
  await step('verifyTOTPSetup', () => verifyTOTPSetup({ code: totp(secret) }));
  await step('updateMFAPreference', () => updateMFAPreference({ totp: 'PREFERRED' }));
  await step('fetchMFAPreference', () => fetchMFAPreference());

  let before;
  await step('sessionBeforePasswordChange', async () => (before = await session(false)));
  await step('updatePassword', () => updatePassword({ oldPassword: password, newPassword }));
  await step('sessionAfterPasswordChange', () => session(false));
  await step('userAfterPasswordChange', () => getCurrentUser());
  await step('refreshAfterPasswordChange', async () => {
    // A refresh within the same second could give an identical token: wait past it.
    await new Promise((r) => setTimeout(r, 1100));
    return { ...(await session(true)), before: before.accessToken };
  });
  await step('finalSignOut', async () => {
    await signOut();
    try {
      await getCurrentUser();
      return { signedOut: false, stored: storedKinds() };
    } catch (e) {
      return { signedOut: true, error: e.name, stored: storedKinds() };
    }
  });

  // With TOTP preferred, the new password's sign-in asks for a code (the next step's, since
  // the pool takes each step's code once).
  await step('signInWithTotp', () => signIn({ username: email, password: newPassword }));
  await step('confirmSignInWithTotp', () => confirmSignIn({ challengeResponse: totp(secret, 1) }));
  await step('afterTotpSignIn', () => getCurrentUser());
  await step('lastSignOut', () => signOut());
} catch {
  // Recorded in `out.steps`; the Rust test says which step failed.
}
// Amplify's `autoSignIn` leaves a three-minute timer behind (its wait for `confirmSignUp`),
// which would keep Node running: exit once the result is out.
process.stdout.write(`\nAMPLIFY_RESULT ${JSON.stringify(out)}\n`, () => process.exit(0));
