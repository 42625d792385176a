// Hallpass passkeys: the one script of the Cognito form's pages. It takes over each form marked
// data-passkey: asks the server for the WebAuthn options (Cognito's), calls navigator.credentials,
// and posts the browser's answer with the form's CSRF token. The server's JSON answer names the page
// to go to (signed in, or a page with its message). A closed prompt posts nothing.
// No framework, no build step, no inline script, no eval.
(function () {
  'use strict';

  function toBytes(b64url) {
    var s = String(b64url).replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toB64url(buf) {
    var bytes = new Uint8Array(buf);
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function withIds(list) {
    return list.map(function (c) { return Object.assign({}, c, { id: toBytes(c.id) }); });
  }

  // Cognito's JSON options, their binary fields decoded for the browser.
  function requestOptions(o) {
    var out = Object.assign({}, o, { challenge: toBytes(o.challenge) });
    if (o.allowCredentials) out.allowCredentials = withIds(o.allowCredentials);
    return out;
  }

  function creationOptions(o) {
    if (o.publicKey) o = o.publicKey;
    var out = Object.assign({}, o, {
      challenge: toBytes(o.challenge),
      user: Object.assign({}, o.user, { id: toBytes(o.user.id) })
    });
    if (o.excludeCredentials) out.excludeCredentials = withIds(o.excludeCredentials);
    return out;
  }

  // The browser's credential as WebAuthn's JSON (AuthenticationResponseJSON or
  // RegistrationResponseJSON): the browser's own toJSON where it has one.
  function credentialJson(c) {
    if (typeof c.toJSON === 'function') return c.toJSON();
    var r = c.response;
    var json = {
      id: c.id,
      rawId: toB64url(c.rawId),
      type: c.type,
      response: { clientDataJSON: toB64url(r.clientDataJSON) },
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {}
    };
    if (c.authenticatorAttachment) json.authenticatorAttachment = c.authenticatorAttachment;
    if (r.attestationObject) {
      json.response.attestationObject = toB64url(r.attestationObject);
      if (r.getAuthenticatorData) json.response.authenticatorData = toB64url(r.getAuthenticatorData());
      if (r.getTransports) json.response.transports = r.getTransports();
    } else {
      json.response.authenticatorData = toB64url(r.authenticatorData);
      json.response.signature = toB64url(r.signature);
      if (r.userHandle) json.response.userHandle = toB64url(r.userHandle);
    }
    return json;
  }

  function post(url, form, fields) {
    var body = new URLSearchParams();
    ['csrfToken', 'callbackUrl'].forEach(function (name) {
      var input = form.elements[name];
      if (input) body.append(name, input.value);
    });
    Object.keys(fields).forEach(function (k) { body.append(k, fields[k]); });
    return fetch(url, {
      method: 'POST',
      body: body,
      credentials: 'same-origin',
      headers: { Accept: 'application/json' }
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) {
        return { ok: res.ok, json: json };
      });
    });
  }

  function setup(form) {
    var mode = form.getAttribute('data-passkey');
    var optionsUrl = form.getAttribute('data-options-url');
    var finishUrl = form.getAttribute('data-finish-url');
    var status = form.querySelector('[data-passkey-status]');
    var supported = !!(window.PublicKeyCredential && navigator.credentials);
    // The autofill's ceremony (its abort and its options request), and whether the button's is
    // under way: each options request replaces the step cookie, so they never overlap.
    var autofill = null;
    var autofillRequest = null;
    var busy = false;

    function say(text) {
      if (status) status.textContent = text || '';
    }

    // The page's address field (the sign-in page's `username` input).
    function addressInput() {
      return document.querySelector('input[name="username"]');
    }

    // The server's answer: the options to go on with, or the page to show. Quietly (the
    // autofill's request), a refusal shows nothing and leaves the page alone.
    function follow(answer, quiet) {
      if (quiet && !answer.ok) return null;
      if (answer.json && answer.json.url) {
        window.location.assign(answer.json.url);
        return null;
      }
      if (!answer.ok || !answer.json || !answer.json.publicKey) throw new Error('unexpected answer');
      return answer.json.publicKey;
    }

    function browserCall(options, signal) {
      if (mode === 'add') return navigator.credentials.create({ publicKey: creationOptions(options) });
      var request = { publicKey: requestOptions(options) };
      if (signal) {
        request.mediation = 'conditional';
        request.signal = signal;
      }
      return navigator.credentials.get(request);
    }

    // One ceremony: options, the browser's prompt (or, with `signal`, its autofill), the answer.
    function run(signal) {
      var quiet = !!signal;
      var fields = {};
      if (mode === 'signin') fields.username = (addressInput() || { value: '' }).value.trim();
      var request = post(optionsUrl, form, fields);
      if (quiet) autofillRequest = request.catch(function () {});
      return request.then(function (answer) {
        var options = follow(answer, quiet);
        if (!options) return null;
        if (!quiet) say(form.getAttribute('data-working'));
        return browserCall(options, signal).then(function (credential) {
          if (!credential) {
            say(form.getAttribute('data-cancelled'));
            return null;
          }
          var json = JSON.stringify(credentialJson(credential));
          return post(finishUrl, form, { credential: json }).then(function (a) { follow(a, false); });
        }, function (err) {
          var name = err && err.name;
          if (name === 'AbortError' || quiet) return null;
          // The server's log names the fix for these; a closed prompt (NotAllowedError) posts nothing.
          if (name === 'SecurityError' || name === 'InvalidStateError' || name === 'NotSupportedError') {
            return post(finishUrl, form, { clientError: name }).then(function (a) { follow(a, false); });
          }
          say(form.getAttribute('data-cancelled'));
          return null;
        });
      });
    }

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (!supported) {
        say(form.getAttribute('data-unsupported'));
        return;
      }
      if (mode === 'signin') {
        var input = addressInput();
        if (input && (!input.value.trim() || !input.checkValidity())) {
          input.focus();
          if (input.reportValidity) input.reportValidity();
          return;
        }
      }
      if (busy) return;
      busy = true;
      if (autofill) {
        autofill.abort();
        autofill = null;
      }
      say('');
      Promise.resolve(autofillRequest).catch(function () {}).then(function () {
        return run(null);
      }).catch(function () {
        say(form.getAttribute('data-cancelled'));
      }).then(function () { busy = false; });
    });

    // The browser's autofill: Cognito needs the address first, so once one is typed the
    // password field's suggestions may offer its passkey.
    if (mode !== 'signin' || form.getAttribute('data-autofill') !== 'true' || !supported) return;
    if (!PublicKeyCredential.isConditionalMediationAvailable) return;
    PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
      var input = addressInput();
      if (!available || !input) return;
      var last = '';
      input.addEventListener('change', function () {
        var value = input.value.trim();
        if (busy || !value || value === last || !input.checkValidity()) return;
        last = value;
        if (autofill) autofill.abort();
        autofill = new AbortController();
        run(autofill.signal).catch(function () {});
      });
    }, function () {});
  }

  Array.prototype.forEach.call(document.querySelectorAll('form[data-passkey]'), setup);
})();
