// Keeps open tabs in step with the session: when the user signs in or out in another tab, this
// tab reloads. No framework, no build step; the page works without it.
(function () {
  "use strict";
  var signedIn = document.body.dataset.signedIn === "true";
  var channel = "BroadcastChannel" in window ? new BroadcastChannel("hallpass-session") : null;
  function check() {
    fetch("/api/auth/session", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) { if (Boolean(s && s.user) !== signedIn) { location.reload(); } })
      .catch(function () { /* offline: try again on the next focus */ });
  }
  if (channel) {
    // Every page says what it saw; a tab that saw something else asks the server and reloads.
    channel.onmessage = function (e) { if (e.data !== signedIn) { check(); } };
    channel.postMessage(signedIn);
  }
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { check(); } });
})();
