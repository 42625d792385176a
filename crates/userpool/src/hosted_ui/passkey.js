// "Sign in with a passkey" on the hosted UI's sign-in page. Served as a file (no inline script,
// so the page's Content-Security-Policy allows scripts of its own origin only): asks the pool
// for request options for the e-mail typed, lets the browser's authenticator sign them, and
// posts the result with the sign-in form (its anti-CSRF token and OAuth fields included).
// Without this script, or without WebAuthn, the button stays hidden and the page works as before.
(function () {
  "use strict";
  var button = document.getElementById("passkey");
  if (!button || !window.PublicKeyCredential || !navigator.credentials) {
    return;
  }
  var form = button.form;

  function bytes(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) {
      b64 += "=";
    }
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      out[i] = raw.charCodeAt(i);
    }
    return out.buffer;
  }

  function text(buffer) {
    var view = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < view.length; i++) {
      raw += String.fromCharCode(view[i]);
    }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function showError(message) {
    var alert = document.getElementById("error");
    if (!alert) {
      alert = document.createElement("div");
      alert.className = "alert error";
      alert.id = "error";
      alert.setAttribute("role", "alert");
      form.parentNode.insertBefore(alert, form);
    }
    alert.textContent = message;
  }

  function fields() {
    var body = new URLSearchParams(new FormData(form));
    body.delete("password");
    body.delete("credential");
    return body;
  }

  function options() {
    return fetch(button.getAttribute("data-options"), {
      method: "POST",
      body: fields(),
      credentials: "same-origin",
    }).then(function (resp) {
      return resp.json().then(function (json) {
        if (!resp.ok) {
          throw new Error(json.message || "Passkey sign-in is not available.");
        }
        return json;
      });
    });
  }

  function get(o) {
    return navigator.credentials.get({
      publicKey: {
        challenge: bytes(o.challenge),
        rpId: o.rpId,
        timeout: o.timeout,
        userVerification: o.userVerification,
        allowCredentials: o.allowCredentials.map(function (c) {
          return { type: c.type, id: bytes(c.id), transports: c.transports };
        }),
      },
    });
  }

  function post(credential) {
    var r = credential.response;
    var json = {
      id: credential.id,
      rawId: text(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: text(r.clientDataJSON),
        authenticatorData: text(r.authenticatorData),
        signature: text(r.signature),
        userHandle: r.userHandle ? text(r.userHandle) : null,
      },
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: {},
    };
    document.getElementById("credential").value = JSON.stringify(json);
    var password = document.getElementById("password");
    if (password) {
      password.value = "";
    }
    form.setAttribute("action", button.getAttribute("data-action"));
    form.submit();
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    if (!document.getElementById("username").value.trim()) {
      showError("Enter your email, then sign in with your passkey.");
      return;
    }
    button.disabled = true;
    options()
      .then(get)
      .then(post)
      .catch(function (e) {
        button.disabled = false;
        showError(
          e && e.name === "NotAllowedError"
            ? "The passkey sign-in was cancelled or timed out."
            : (e && e.message) || "Passkey sign-in failed."
        );
      });
  });
})();
