/**
 * The reCAPTCHA widget's two frames on the recaptcha host, with Google's DOM hooks:
 *
 * - anchor: `span#recaptcha-anchor[role=checkbox][aria-checked]` labelled "I'm not a robot".
 *   A click asks the parent page for context, then `/recaptcha/api2/reload` decides: a token at
 *   once (trusted accounts) or the challenge popup.
 * - bframe: the image challenge placeholder, `#recaptcha-audio-button`, the audio challenge
 *   (`.rc-audiochallenge-play-button`, `audio#audio-source`, `a.rc-audiochallenge-tdownload-link`,
 *   `input#audio-response`, `#recaptcha-verify-button`, `.rc-audiochallenge-error-message`) or
 *   the "Try again later" block (`.rc-doscaptcha-header`) when audio is refused.
 */
import { h, raw } from "./Escape.ts"

const FRAME_CSS = `
body { margin: 0; font-family: Roboto, Arial, sans-serif; font-size: 14px; background: #f9f9f9; }
.rc-anchor { width: 302px; height: 76px; border: 1px solid #d3d3d3; border-radius: 3px; background: #f9f9f9; display: flex; align-items: center; justify-content: space-between; padding: 0 12px; box-sizing: border-box; }
.rc-anchor-content { display: flex; align-items: center; gap: 12px; }
.recaptcha-checkbox { display: inline-block; width: 24px; height: 24px; border: 2px solid #c1c1c1; border-radius: 2px; background: #fff; cursor: pointer; position: relative; }
.recaptcha-checkbox.recaptcha-checkbox-loading { border-color: #4a90e2; border-radius: 50%; }
.recaptcha-checkbox.recaptcha-checkbox-checked { border-color: transparent; }
.recaptcha-checkbox.recaptcha-checkbox-checked::after { content: "✔"; color: #009e55; font-size: 26px; position: absolute; top: -8px; left: 2px; }
.rc-anchor-logo-portrait { text-align: center; font-size: 10px; color: #555; }
.rc-anchor-pt { font-size: 8px; }
.rc-anchor-error-msg { color: #d00; font-size: 10px; }
.rc-challenge { width: 398px; padding: 8px; box-sizing: border-box; }
.rc-imageselect-desc-wrapper { background: #1a73e8; color: #fff; padding: 16px; }
.rc-imageselect-table-33 { border-spacing: 4px; margin: 4px auto; }
.rc-imageselect-tile { width: 120px; height: 110px; background: linear-gradient(135deg, #9aa7b4, #c8d0d8); cursor: pointer; }
.rc-imageselect-tile.rc-imageselect-tileselected { outline: 4px solid #1a73e8; }
.rc-imageselect-incorrect-response, .rc-imageselect-error-select-more { color: #d00; padding: 4px 8px; }
.rc-audiochallenge-instructions { padding: 12px 0; font-size: 16px; }
.rc-audiochallenge-play-button { font-weight: 600; padding: 8px 20px; background: #1a73e8; color: #fff; border: 0; border-radius: 2px; cursor: pointer; }
.rc-audiochallenge-tdownload { margin: 8px 0; font-size: 12px; }
.rc-audiochallenge-response-field input { width: 100%; padding: 8px; font-size: 16px; box-sizing: border-box; }
.rc-audiochallenge-error-message { color: #d00; padding: 6px 0; }
.rc-doscaptcha-header-text { font-size: 20px; padding: 16px 0 8px; }
.rc-footer { display: flex; justify-content: space-between; align-items: center; border-top: 1px solid #dfdfdf; padding: 8px; margin-top: 8px; }
.rc-buttons { display: flex; gap: 6px; }
.rc-button { width: 32px; height: 32px; border: 0; background: #e8e8e8; border-radius: 2px; cursor: pointer; }
.rc-button-audio::after { content: "🎧"; }
.rc-button-reload::after { content: "⟳"; }
.rc-button-image::after { content: "🖼"; }
.rc-button-help::after { content: "?"; }
#recaptcha-verify-button { background: #1a73e8; color: #fff; border: 0; padding: 10px 18px; font-weight: 600; border-radius: 2px; cursor: pointer; }
.hidden { display: none !important; }
`

export interface AnchorOptions {
  readonly siteKey: string
  readonly parentOrigin: string
  readonly tokenTtlMillis: number
}

const anchorScript = (o: AnchorOptions): string => `
(function () {
  var PARENT = ${JSON.stringify(o.parentOrigin)};
  var K = ${JSON.stringify(o.siteKey)};
  var TTL = ${o.tokenTtlMillis};
  var anchor = document.getElementById("recaptcha-anchor");
  var busy = false;
  var expiry = null;
  function setChecked(on) {
    anchor.setAttribute("aria-checked", on ? "true" : "false");
    anchor.classList.toggle("recaptcha-checkbox-checked", on);
    anchor.classList.toggle("recaptcha-checkbox-unchecked", !on);
    anchor.classList.remove("recaptcha-checkbox-loading");
    if (expiry) clearTimeout(expiry);
    if (on) expiry = setTimeout(function () {
      setChecked(false);
      document.querySelector(".rc-anchor-error-msg").textContent = "Verification expired. Check the checkbox again.";
      parent.postMessage({ type: "rc-expired" }, PARENT);
    }, TTL);
  }
  function start() {
    if (busy || anchor.getAttribute("aria-checked") === "true") return;
    busy = true;
    document.querySelector(".rc-anchor-error-msg").textContent = "";
    anchor.classList.add("recaptcha-checkbox-loading");
    parent.postMessage({ type: "rc-anchor-click" }, PARENT);
  }
  anchor.addEventListener("click", start);
  anchor.addEventListener("keydown", function (e) { if (e.key === " " || e.key === "Enter") { e.preventDefault(); start(); } });
  window.addEventListener("message", function (e) {
    if (e.origin !== PARENT) return;
    var m = e.data || {};
    if (m.type === "rc-hint") {
      fetch("/recaptcha/api2/reload?k=" + encodeURIComponent(K), {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ hint: m.username || "" })
      }).then(function (r) { return r.json(); }).then(function (res) {
        busy = false;
        if (res.token) {
          setChecked(true);
          parent.postMessage({ type: "rc-token", token: res.token }, PARENT);
        } else if (res.c) {
          parent.postMessage({ type: "rc-challenge", c: res.c }, PARENT);
        } else {
          anchor.classList.remove("recaptcha-checkbox-loading");
        }
      }).catch(function () { busy = false; anchor.classList.remove("recaptcha-checkbox-loading"); });
    } else if (m.type === "rc-checked") {
      busy = false;
      setChecked(true);
    } else if (m.type === "rc-closed") {
      busy = false;
      if (anchor.getAttribute("aria-checked") !== "true") setChecked(false);
    }
  });
})();
`

export const anchorFrame = (o: AnchorOptions): string =>
  h`<!DOCTYPE html>
<html dir="ltr" lang="en">
<head><meta charset="utf-8"><title>reCAPTCHA</title><style>${raw(FRAME_CSS)}</style></head>
<body>
<div id="rc-anchor-alert" class="rc-anchor-alert"></div>
<div id="rc-anchor-container" class="rc-anchor rc-anchor-normal rc-anchor-light">
  <div class="rc-anchor-content">
    <span class="recaptcha-checkbox goog-inline-block recaptcha-checkbox-unchecked rc-anchor-checkbox" role="checkbox" aria-checked="false" id="recaptcha-anchor" tabindex="0" dir="ltr" aria-labelledby="recaptcha-anchor-label"><div class="recaptcha-checkbox-border" role="presentation"></div><div class="recaptcha-checkbox-spinner" role="presentation"></div><div class="recaptcha-checkbox-checkmark" role="presentation"></div></span>
    <label class="rc-anchor-center-item rc-anchor-checkbox-label" aria-hidden="true" role="presentation" id="recaptcha-anchor-label">I'm not a robot</label>
    <div class="rc-anchor-error-msg" aria-live="assertive"></div>
  </div>
  <div class="rc-anchor-normal-footer">
    <div class="rc-anchor-logo-portrait" aria-hidden="true" role="presentation"><div class="rc-anchor-logo-img rc-anchor-logo-img-portrait"></div><div class="rc-anchor-logo-text">reCAPTCHA</div></div>
    <div class="rc-anchor-pt"><a href="https://www.google.com/intl/en/policies/privacy/" target="_blank">Privacy</a><span aria-hidden="true" role="presentation"> - </span><a href="https://www.google.com/intl/en/policies/terms/" target="_blank">Terms</a></div>
  </div>
</div>
<script>${raw(anchorScript(o))}</script>
</body>
</html>`.__raw

export interface BframeOptions {
  readonly siteKey: string
  readonly parentOrigin: string
  readonly c: string
}

const bframeScript = (o: BframeOptions): string => `
(function () {
  var PARENT = ${JSON.stringify(o.parentOrigin)};
  var K = ${JSON.stringify(o.siteKey)};
  var C = ${JSON.stringify(o.c)};
  var mode = "image";
  var challenge = null;
  var $ = function (s) { return document.querySelector(s); };
  function post(path, body) {
    return fetch(path + "?k=" + encodeURIComponent(K), {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) { return r.json(); });
  }
  function showAudio(res, error) {
    mode = "audio";
    challenge = res.challenge;
    $("#rc-imageselect").classList.add("hidden");
    $(".rc-doscaptcha").classList.add("hidden");
    $(".rc-audiochallenge").classList.remove("hidden");
    $("#recaptcha-audio-button").parentNode.classList.add("hidden");
    $("#recaptcha-image-button").parentNode.classList.remove("hidden");
    $("#audio-source").setAttribute("src", res.payload);
    $(".rc-audiochallenge-tdownload-link").setAttribute("href", res.payload);
    $("#audio-response").value = "";
    var err = $(".rc-audiochallenge-error-message");
    if (error) { err.textContent = error; err.classList.remove("hidden"); } else { err.textContent = ""; err.classList.add("hidden"); }
  }
  function showBlocked() {
    mode = "blocked";
    $("#rc-imageselect").classList.add("hidden");
    $(".rc-audiochallenge").classList.add("hidden");
    $(".rc-doscaptcha").classList.remove("hidden");
    $("#recaptcha-verify-button").classList.add("hidden");
  }
  function reloadAudio() {
    post("/recaptcha/api2/reload", { c: C, type: "audio" }).then(function (res) {
      if (res.status === "audio") showAudio(res, null); else showBlocked();
    });
  }
  $("#recaptcha-audio-button").addEventListener("click", reloadAudio);
  $("#recaptcha-image-button").addEventListener("click", function () {
    mode = "image";
    $(".rc-audiochallenge").classList.add("hidden");
    $("#rc-imageselect").classList.remove("hidden");
    $("#recaptcha-image-button").parentNode.classList.add("hidden");
    $("#recaptcha-audio-button").parentNode.classList.remove("hidden");
  });
  $("#recaptcha-reload-button").addEventListener("click", function () {
    if (mode === "audio") reloadAudio();
  });
  $(".rc-audiochallenge-play-button").addEventListener("click", function () {
    var a = $("#audio-source");
    try { var p = a.play(); if (p && p.catch) p.catch(function () {}); } catch (e) {}
  });
  Array.prototype.forEach.call(document.querySelectorAll(".rc-imageselect-tile"), function (t) {
    t.addEventListener("click", function () { t.classList.toggle("rc-imageselect-tileselected"); });
  });
  $("#recaptcha-verify-button").addEventListener("click", function () {
    if (mode === "image") {
      $(".rc-imageselect-incorrect-response").classList.remove("hidden");
      Array.prototype.forEach.call(document.querySelectorAll(".rc-imageselect-tileselected"), function (t) { t.classList.remove("rc-imageselect-tileselected"); });
      return;
    }
    if (mode !== "audio") return;
    post("/recaptcha/api2/userverify", { c: C, challenge: challenge, response: $("#audio-response").value }).then(function (res) {
      if (res.token) {
        parent.postMessage({ type: "rc-token", token: res.token }, PARENT);
      } else if (res.status === "audio") {
        showAudio(res, res.error || "Multiple correct solutions required - please solve more.");
      } else {
        showBlocked();
      }
    });
  });
})();
`

export const bframe = (o: BframeOptions): string =>
  h`<!DOCTYPE html>
<html dir="ltr" lang="en">
<head><meta charset="utf-8"><title>recaptcha challenge expires in two minutes</title><style>${raw(FRAME_CSS)}</style></head>
<body>
<div class="rc-challenge">
  <div id="rc-imageselect" class="rc-imageselect">
    <div class="rc-imageselect-desc-wrapper"><div class="rc-imageselect-desc-no-canonical">Select all images with <strong>traffic lights</strong></div></div>
    <div class="rc-imageselect-target"><table class="rc-imageselect-table-33"><tbody>
      ${[0, 1, 2].map((r) => h`<tr>${[0, 1, 2].map((c) => h`<td class="rc-imageselect-tile" tabindex="${r * 3 + c}"></td>`)}</tr>`)}
    </tbody></table></div>
    <div class="rc-imageselect-incorrect-response hidden" tabindex="0">Please try again.</div>
  </div>
  <div class="rc-audiochallenge hidden">
    <div class="rc-audiochallenge-instructions" id="rc-audiochallenge-instructions">Press PLAY and enter the words you hear</div>
    <div class="rc-audiochallenge-control"><button class="rc-button-default goog-inline-block rc-audiochallenge-play-button" aria-labelledby="audio-instructions rc-response-label">PLAY</button></div>
    <span id="audio-instructions" class="hidden">Press PLAY to listen</span>
    <div class="rc-audiochallenge-tdownload"><a class="rc-audiochallenge-tdownload-link" target="_blank" href="" title="Alternatively, download audio as MP3">Alternatively, download audio as MP3</a></div>
    <audio id="audio-source" src="" preload="none"></audio>
    <div class="rc-audiochallenge-response-field"><label id="rc-response-label" for="audio-response">Enter what you hear</label>
      <input id="audio-response" class="rc-response-input-field label-input-label" type="text" autocomplete="off" spellcheck="false" autocorrect="off" autocapitalize="off" dir="ltr"></div>
    <div class="rc-audiochallenge-error-message hidden" tabindex="0"></div>
  </div>
  <div class="rc-doscaptcha hidden">
    <div class="rc-doscaptcha-header"><div class="rc-doscaptcha-header-text">Try again later</div></div>
    <div class="rc-doscaptcha-body"><div class="rc-doscaptcha-body-text" tabindex="0">Your computer or network may be sending automated queries. To protect our users, we can't process your request right now. For more details visit <a href="https://developers.google.com/recaptcha/docs/faq#my-computer-or-network-may-be-sending-automated-queries" target="_blank">our help page</a>.</div></div>
  </div>
  <div class="rc-footer">
    <div class="rc-buttons">
      <div class="button-holder reload-button-holder"><button class="rc-button goog-inline-block rc-button-reload" title="Get a new challenge" id="recaptcha-reload-button"></button></div>
      <div class="button-holder audio-button-holder"><button class="rc-button goog-inline-block rc-button-audio" title="Get an audio challenge" id="recaptcha-audio-button"></button></div>
      <div class="button-holder image-button-holder hidden"><button class="rc-button goog-inline-block rc-button-image" title="Get a visual challenge" id="recaptcha-image-button"></button></div>
      <div class="button-holder help-button-holder"><button class="rc-button goog-inline-block rc-button-help" title="Help" id="recaptcha-help-button"></button></div>
    </div>
    <div class="verify-button-holder"><button class="rc-button-default goog-inline-block" title="" id="recaptcha-verify-button" tabindex="0">VERIFY</button></div>
  </div>
</div>
<script>${raw(bframeScript(o))}</script>
</body>
</html>`.__raw
