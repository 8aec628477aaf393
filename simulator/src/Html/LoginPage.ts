/**
 * The identity host's login page (`/Account/Login`): title "eModal Login", the CargoSprint and
 * eModal logos, `form#loginForm` with Username / Password, the reCAPTCHA v2 checkbox widget in a
 * cross-origin iframe, the hidden `textarea#g-recaptcha-response`, and a LOGIN button that stays
 * disabled until a token arrives through `window.onRecaptchaSuccess(token)` (the data-callback).
 *
 * The page relays between the widget's frames as Google's api.js does: the anchor frame asks for
 * context when clicked, may hand over a token, or asks for the challenge popup (the bframe),
 * which hands over the token once the audio challenge is solved.
 */
import { esc, h, raw } from "./Escape.ts"

export interface LoginPageOptions {
  readonly returnUrl: string
  readonly username: string
  readonly error: string | null
  readonly siteKey: string
  readonly recaptchaOrigin: string
  readonly identityOrigin: string
  /** A per-render cache buster, as api.js adds to the anchor URL. */
  readonly cb: string
}

const LOGIN_CSS = `
* { box-sizing: border-box; }
body { margin: 0; font-family: "Segoe UI", Roboto, Arial, sans-serif; background: #f3f5f8; color: #333; }
.login-container { width: 420px; margin: 40px auto; background: #fff; padding: 28px 40px 20px; box-shadow: 0 1px 4px rgba(0,0,0,.15); border-radius: 4px; }
.logos { display: flex; justify-content: space-between; align-items: center; margin-bottom: 20px; }
.logo { font-size: 22px; font-weight: 700; }
.logo.cargosprint { color: #f57c00; }
.logo.emodal { color: #0d47a1; }
.form-group { margin-bottom: 14px; }
.form-group label { display: block; font-size: 13px; margin-bottom: 4px; }
.form-control { width: 100%; padding: 8px 10px; font-size: 14px; border: 1px solid #ccc; border-radius: 3px; }
.g-recaptcha { margin: 16px 0 8px; }
.links { margin: 8px 0 14px; font-size: 13px; }
.links a, .register a, .terms a { color: #0d47a1; }
button.btn-login { width: 100%; padding: 10px; font-size: 15px; font-weight: 600; color: #fff; background: #0d47a1; border: 0; border-radius: 3px; cursor: pointer; }
button.btn-login[disabled] { background: #9e9e9e; cursor: not-allowed; }
.register { text-align: center; font-size: 13px; margin: 14px 0 8px; }
.terms { font-size: 11px; color: #666; line-height: 1.4; }
.validation-summary-errors { color: #c62828; background: #ffebee; border: 1px solid #ef9a9a; padding: 8px 12px; margin-bottom: 14px; font-size: 13px; }
.validation-summary-errors ul { margin: 0; padding-left: 18px; }
#rc-challenge-popup { position: absolute; left: 0; right: 0; top: -10000px; visibility: hidden; z-index: 2000000000; }
#rc-challenge-popup.visible { top: 0; visibility: visible; }
#rc-challenge-popup .rc-backdrop { position: fixed; inset: 0; background: #fff; opacity: .05; }
#rc-challenge-popup .rc-bframe-holder { position: absolute; top: 120px; left: 50%; transform: translateX(-50%); border: 1px solid #ccc; box-shadow: 0 0 5px rgba(0,0,0,.3); background: #fff; }
`

const loginScript = (o: LoginPageOptions): string => `
(function () {
  var RC_ORIGIN = ${JSON.stringify(o.recaptchaOrigin)};
  var SITE_KEY = ${JSON.stringify(o.siteKey)};
  var CO = ${JSON.stringify(Buffer.from(o.identityOrigin).toString("base64url"))};
  var button = document.querySelector("#loginForm button[type=submit]");
  var textarea = document.getElementById("g-recaptcha-response");
  var widget = document.querySelector(".g-recaptcha");
  window.onRecaptchaSuccess = function (token) {
    textarea.value = token;
    button.disabled = false;
  };
  window.onRecaptchaExpired = function () {
    textarea.value = "";
    button.disabled = true;
  };
  function callback(name, arg) {
    var fn = window[widget.getAttribute(name) || ""];
    if (typeof fn === "function") fn(arg);
  }
  function anchorWindow() {
    var f = document.querySelector('iframe[title="reCAPTCHA"]');
    return f ? f.contentWindow : null;
  }
  function popup() {
    var p = document.getElementById("rc-challenge-popup");
    if (!p) {
      p = document.createElement("div");
      p.id = "rc-challenge-popup";
      document.body.appendChild(p);
    }
    return p;
  }
  function showChallenge(c) {
    var p = popup();
    p.innerHTML = '<div class="rc-backdrop"></div><div class="rc-bframe-holder"><iframe title="recaptcha challenge expires in two minutes"' +
      ' name="c-' + c + '" width="400" height="580" frameborder="0" scrolling="no"' +
      ' src="' + RC_ORIGIN + '/recaptcha/api2/bframe?k=' + encodeURIComponent(SITE_KEY) + '&hl=en&v=sim1&co=' + CO + '&c=' + encodeURIComponent(c) + '"></iframe></div>';
    p.classList.add("visible");
    // As on Google's widget, a click outside the challenge (on the transparent overlay) closes it
    // and the checkbox goes back to unchecked.
    p.querySelector(".rc-backdrop").addEventListener("click", function () {
      hideChallenge();
      var a = anchorWindow();
      if (a) a.postMessage({ type: "rc-closed" }, RC_ORIGIN);
    });
  }
  function hideChallenge() {
    var p = document.getElementById("rc-challenge-popup");
    if (p) p.classList.remove("visible");
  }
  window.addEventListener("message", function (e) {
    if (e.origin !== RC_ORIGIN) return;
    var m = e.data || {};
    if (m.type === "rc-anchor-click") {
      var user = document.querySelector("input[name=Username]").value;
      e.source.postMessage({ type: "rc-hint", username: user }, RC_ORIGIN);
    } else if (m.type === "rc-challenge") {
      showChallenge(m.c);
    } else if (m.type === "rc-token") {
      textarea.value = m.token;
      hideChallenge();
      var a = anchorWindow();
      if (a) a.postMessage({ type: "rc-checked" }, RC_ORIGIN);
      callback("data-callback", m.token);
    } else if (m.type === "rc-expired") {
      textarea.value = "";
      callback("data-expired-callback");
    }
  });
})();
`

export const loginPage = (o: LoginPageOptions): string => {
  const co = Buffer.from(o.identityOrigin).toString("base64url")
  const anchorSrc = `${o.recaptchaOrigin}/recaptcha/api2/anchor?k=${encodeURIComponent(o.siteKey)}&ar=1&co=${co}&hl=en&v=sim1&size=normal&cb=${encodeURIComponent(o.cb)}`
  return h`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>eModal Login</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${raw(LOGIN_CSS)}</style>
</head>
<body>
<div class="login-container">
  <div class="logos"><span class="logo cargosprint">CargoSprint</span><span class="logo emodal">eModal</span></div>
  <form id="loginForm" method="post" action="/Account/Login" novalidate>
    <input type="hidden" name="ReturnUrl" value="${o.returnUrl}">
    ${o.error === null ? "" : h`<div class="validation-summary-errors text-danger" data-valmsg-summary="true"><ul><li>${o.error}</li></ul></div>`}
    <div class="form-group">
      <label for="Username">Username</label>
      <input class="form-control" type="text" id="Username" name="Username" value="${o.username}" autocomplete="username">
    </div>
    <div class="form-group">
      <label for="Password">Password</label>
      <input class="form-control" type="password" id="Password" name="Password" autocomplete="current-password">
    </div>
    <div class="g-recaptcha" data-sitekey="${o.siteKey}" data-callback="onRecaptchaSuccess" data-expired-callback="onRecaptchaExpired">
      <div style="width: 304px; height: 78px;"><div><iframe title="reCAPTCHA" width="304" height="78" role="presentation" name="a-${o.cb}" frameborder="0" scrolling="no" sandbox="allow-forms allow-popups allow-same-origin allow-scripts allow-top-navigation allow-modals allow-popups-to-escape-sandbox" src="${anchorSrc}"></iframe></div>
      <textarea id="g-recaptcha-response" name="g-recaptcha-response" class="g-recaptcha-response" style="width: 250px; height: 40px; border: 1px solid rgb(193, 193, 193); margin: 10px 25px; padding: 0px; resize: none; display: none;"></textarea></div>
    </div>
    <div class="links"><a href="/Account/ForgotPassword">Forgot your Username or Password?</a></div>
    <button type="submit" class="btn btn-primary btn-login" disabled>LOGIN</button>
    <p class="register">Don't have an account? <a href="/Account/Register">Register Now</a></p>
    <p class="terms">By logging in you agree to the eModal <a href="/Home/Terms">Terms of Use</a>. Sharing your eModal credentials with a
      third-party service provider violates the Terms of Service. Accessing the portal with automated methods
      (page-scraping, robots, spiders or similar) is prohibited and may lead to the suspension of your account.</p>
  </form>
</div>
<script>${raw(loginScript(o))}</script>
</body>
</html>`.__raw
}

export const simplePage = (title: string, body: string): string =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body>${body}</body></html>`
