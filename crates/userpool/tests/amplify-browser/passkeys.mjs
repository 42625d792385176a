// Amplify JS v6's passkey flows in a browser page, against a local userpool: bundled with
// esbuild into bundle.js (no CDN) and run by tests/it/amplify_browser.rs in headless Chromium
// with a WebDriver virtual authenticator. `window.passkeyFlow(input)` resolves to the steps
// seen: a password sign-in, `associateWebAuthnCredential`, `listWebAuthnCredentials`, a
// sign-out, then `signIn` with `USER_AUTH` and `preferredChallenge: 'WEB_AUTHN'`.
// Input: endpoint, userPoolId, clientId, username, password.

import { Amplify } from 'aws-amplify';
import {
  associateWebAuthnCredential,
  getCurrentUser,
  listWebAuthnCredentials,
  signIn,
  signOut,
} from 'aws-amplify/auth';

window.passkeyFlow = async (input) => {
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: input.userPoolId,
        userPoolClientId: input.clientId,
        userPoolEndpoint: input.endpoint,
        loginWith: { email: true },
      },
    },
  });
  const steps = {};
  const password = await signIn({
    username: input.username,
    password: input.password,
    options: { authFlowType: 'USER_PASSWORD_AUTH' },
  });
  steps.password = { isSignedIn: password.isSignedIn, step: password.nextStep.signInStep };
  await associateWebAuthnCredential();
  const listed = await listWebAuthnCredentials();
  steps.listed = listed.credentials.map((c) => ({
    credentialId: c.credentialId,
    relyingPartyId: c.relyingPartyId,
  }));
  await signOut();
  const passkey = await signIn({
    username: input.username,
    options: { authFlowType: 'USER_AUTH', preferredChallenge: 'WEB_AUTHN' },
  });
  steps.passkey = { isSignedIn: passkey.isSignedIn, step: passkey.nextStep.signInStep };
  steps.user = (await getCurrentUser()).userId;
  return steps;
};
