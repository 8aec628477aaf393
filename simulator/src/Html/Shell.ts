/**
 * The frame of every logged-in app page (ecp2, termops, truckerportal): `app-root`, the
 * `mat-toolbar` with CargoSprint / eModal Community Portal branding and `button.user`, a side
 * menu, and the runtime every page script uses:
 *
 * - `window.getAllAngularTestabilities()` whose `isStable()` is false while the page boots or has
 *   fetches pending (a real readiness signal, as on the Angular portal);
 * - `window.simApi(url, init)`: fetch for the page's JSON API; on HTTP 401 it replaces the page
 *   with the portal's 401 text, as the SPA does when its session expired;
 * - the optional first-run dialog (fault `firstRunDialog`) with its "Got it" button.
 *
 * The runtime is an external script (`RUNTIME_PATH`, served by every app host), not an inline
 * one: it carries the 401 page's sentences, and a client that reads a page's source (the original
 * Selenium system tests it for them) must find them only on the 401 page, as on the real portal.
 */
import { esc, h, type Raw, raw } from "./Escape.ts"
import { APP_CSS } from "./Styles.ts"

export const UNAUTHORIZED_BODY =
  `<h1>401</h1><p>You are either not logged in or your session has expired.</p>` +
  `<p>Please use your back button or return to the home page and login.</p>`

/** Where every app host serves the page runtime (`runtimeScript`). */
export const RUNTIME_PATH = "/assets/sim-runtime.js"

const RUNTIME_JS = `
(function () {
  var pending = 1; // the page is bootstrapping until simReady() is called
  var waiters = [];
  function flush() {
    if (pending !== 0) return;
    var w = waiters; waiters = [];
    w.forEach(function (cb) { try { cb(true); } catch (e) {} });
  }
  var testability = {
    isStable: function () { return pending === 0; },
    whenStable: function (cb) { waiters.push(cb); setTimeout(flush, 0); },
    getPendingRequestCount: function () { return pending; }
  };
  window.getAllAngularTestabilities = function () { return [testability]; };
  window.getAngularTestability = function () { return testability; };
  function busy() { pending++; }
  function idle() { pending = Math.max(0, pending - 1); setTimeout(flush, 0); }
  window.simBusy = busy;
  window.simIdle = idle;
  window.simReady = function () { if (!window.__simBooted) { window.__simBooted = true; idle(); } };
  // Runs an async task (fetch + render) with the page marked busy until the task settles.
  window.simTask = function (run) {
    busy();
    var p;
    try { p = Promise.resolve(run()); } catch (e) { p = Promise.reject(e); }
    return p.finally(idle);
  };
  var nativeFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    busy();
    return nativeFetch(input, init).finally(idle);
  };
  window.simShowUnauthorized = function () {
    document.title = "401 - Unauthorized";
    document.body.innerHTML = ${JSON.stringify(UNAUTHORIZED_BODY)};
  };
  window.simApi = function (url, init) {
    init = init || {};
    var headers = Object.assign({ "accept": "application/json" }, init.headers || {});
    if (init.body !== undefined && typeof init.body === "string") headers["content-type"] = "application/json";
    return window.fetch(url, Object.assign({}, init, { headers: headers, credentials: "same-origin" })).then(function (r) {
      if (r.status === 401) { window.simShowUnauthorized(); throw new Error("401"); }
      return r;
    });
  };
  window.simSnack = function (message) {
    var old = document.querySelector(".sim-snack"); if (old) old.remove();
    var c = document.createElement("div");
    c.className = "cdk-overlay-container sim-snack";
    c.innerHTML = '<div class="mat-snack-bar-container" role="alert"><simple-snack-bar class="mat-simple-snackbar"><span></span></simple-snack-bar></div>';
    c.querySelector("span").textContent = message;
    document.body.appendChild(c);
    setTimeout(function () { c.remove(); }, 6000);
  };
  window.simEsc = function (s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  };
})();
`

/** The page runtime every app page loads from `RUNTIME_PATH`. */
export const runtimeScript = (): string => RUNTIME_JS

const FIRST_RUN_JS = `
(function () {
  var btn = document.querySelector(".first-run-dialog button.got-it");
  if (!btn) return;
  btn.addEventListener("click", function () {
    var overlay = document.querySelector(".first-run-overlay");
    window.simApi("/api/ui/first-run", { method: "POST", body: "{}" }).catch(function () {});
    if (overlay) overlay.remove();
  });
})();
`

const FIRST_RUN_DIALOG = `
<div class="cdk-overlay-container first-run-overlay">
  <div class="cdk-overlay-backdrop"></div>
  <mat-dialog-container class="mat-dialog-container first-run-dialog" role="dialog" aria-modal="true" tabindex="-1">
    <h2 class="mat-dialog-title">Welcome to the new eModal Community Portal</h2>
    <div class="mat-dialog-content">We have refreshed the portal. Your containers, appointments and settings are where you left them.</div>
    <div class="mat-dialog-actions"><button class="mat-raised-button mat-primary got-it" type="button"><span class="mat-button-wrapper">Got it</span></button></div>
  </mat-dialog-container>
</div>`

export interface ShellLink {
  readonly label: string
  readonly href: string
  readonly active?: boolean
}

export interface ShellOptions {
  readonly title: string
  readonly username: string
  readonly menu: ReadonlyArray<ShellLink>
  readonly body: Raw
  /** Page script; it must call `simReady()` once its initial data is shown. */
  readonly script: string
  readonly firstRunDialog: boolean
  readonly product: string
}

export const appPage = (o: ShellOptions): string =>
  h`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${o.title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${raw(APP_CSS)}</style>
<script src="${RUNTIME_PATH}"></script>
</head>
<body class="mat-typography">
<app-root ng-version="14.2.12">
  <mat-toolbar class="mat-toolbar mat-primary mat-toolbar-single-row">
    <button class="mat-icon-button menu-button" type="button" aria-label="Menu"><mat-icon class="mat-icon material-icons" role="img" aria-hidden="true">menu</mat-icon></button>
    <span class="brand">CargoSprint</span>
    <span class="brand-sub">eModal Community Portal</span>
    <span class="spacer"></span>
    <span class="brand-emodal">eModal</span>
    <button class="mat-icon-button" type="button" aria-label="Cart"><mat-icon class="mat-icon material-icons" role="img" aria-hidden="true">shopping_cart</mat-icon></button>
    <button class="mat-icon-button" type="button" aria-label="Settings"><mat-icon class="mat-icon material-icons" role="img" aria-hidden="true">settings</mat-icon></button>
    <button class="mat-icon-button" type="button" aria-label="Help"><mat-icon class="mat-icon material-icons" role="img" aria-hidden="true">help</mat-icon></button>
    <mat-icon class="mat-icon material-icons" role="img" aria-hidden="true">account_circle</mat-icon>
    <button class="mat-button user" type="button"><span class="username">${o.username}</span></button>
  </mat-toolbar>
  <div class="app-body">
    <nav class="side-menu">
      <div class="product-bar"><span class="company-logo">company-logo</span></div>
      <div class="product-bar"><strong>${o.product}</strong></div>
      ${o.menu.map((l) => h`<a href="${l.href}" class="${l.active === true ? "active" : ""}" routerlink="${l.href}">${l.label}</a>`)}
    </nav>
    <main class="content"><router-outlet></router-outlet>${o.body}</main>
  </div>
</app-root>
${o.firstRunDialog ? raw(FIRST_RUN_DIALOG) : ""}
<script>${raw(o.script)}</script>
${o.firstRunDialog ? raw(`<script>${FIRST_RUN_JS}</script>`) : ""}
</body>
</html>`.__raw

/** The portal's 401 page (§2.5 of the seed study), served with status 401. */
export const unauthorizedPage = (): string =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>401 - Unauthorized</title></head><body>${UNAUTHORIZED_BODY}</body></html>`

/** The IIS 403 page the portal shows outside the US. */
export const forbiddenPage = (): string =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>403 - Forbidden: Access is denied.</title></head>` +
  `<body><div id="header"><h1>Server Error</h1></div><div id="content"><div class="content-container"><fieldset>` +
  `<h2>403 - Forbidden: Access is denied.</h2>` +
  `<h3>You do not have permission to view this directory or page using the credentials that you supplied.</h3>` +
  `</fieldset></div></div></body></html>`

export const serverErrorPage = (): string =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>500 - Internal server error.</title></head>` +
  `<body><div id="header"><h1>Server Error</h1></div><div id="content"><div class="content-container"><fieldset>` +
  `<h2>500 - Internal server error.</h2><h3>There is a problem with the resource you are looking for, and it cannot be displayed.</h3>` +
  `</fieldset></div></div></body></html>`

export const notFoundPage = (path: string): string =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><title>404 - File or directory not found.</title></head>` +
  `<body><h2>404 - File or directory not found.</h2><p>${esc(path)}</p></body></html>`
