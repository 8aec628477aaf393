/**
 * ecp2's pages: the Port Manager landing page and the Containers page (§3.4 of the seed study).
 *
 * The grid is a `<table>` inside `div#searchres[matinfinitescroll]` (fixed height, overflow
 * auto) with the 18 headers in order. Rows arrive in batches from `/api/containers` and the next
 * batch is fetched when `#searchres` is scrolled within 150 px of its end; a programmatic
 * `scrollTop` plus a dispatched `scroll` event is enough. The first cell holds the expand
 * `mat-icon` (`keyboard_arrow_right` / `keyboard_arrow_down`, drawn as a block so the copied text
 * keeps the id at the start of the row's tab line) and the id with its L/E suffix; Fees,
 * LFD/GTD and Tags are block cells, so they follow on their own lines. Expanding inserts a
 * `tr.expanded` with the detail groups and the `app-containerflow` timeline.
 */
import { h, jsonScript, type Raw } from "./Escape.ts"
import { GRID_COLUMNS } from "../Reference.ts"

export const landingBody = (): Raw =>
  h`<h2 class="page-title">Port Manager</h2>
<div class="product-bar"><span class="product-logo">product-logo</span></div>
<p>Welcome to Port Manager. Use <a href="/containers" class="menu-link">Containers</a> to track your watch list.</p>`

export const LANDING_SCRIPT = `
(function () {
  if (location.hash === "#/containers" || location.hash === "#containers") { location.replace("/containers"); return; }
  window.simReady();
})();
`

export const containersBody = (batchSize: number): Raw =>
  h`<h2 class="page-title">Containers</h2>
<div class="product-bar"><span class="product-logo">product-logo</span><span class="watch-count"></span></div>
<div id="searchres" class="search-results" matinfinitescroll="" infinitescroll="" tabindex="-1">
  <table class="mat-table cdk-table containers-table" role="table">
    <thead role="rowgroup"><tr class="mat-header-row" role="row">
      ${GRID_COLUMNS.map((c) =>
      // Fees and Tags are plain headers; the others are sort headers (block content), which is
      // why the copied text has one header per line and a tab after Fees and Tags.
      c === "Fees" || c === "Tags"
        ? h`<th class="mat-header-cell" role="columnheader">${c}</th>`
        : h`<th class="mat-header-cell mat-sort-header" role="columnheader"><div class="mat-sort-header-container"><div class="mat-sort-header-content">${c}</div><div class="mat-sort-header-arrow"></div></div></th>`
    )}
    </tr></thead>
    <tbody role="rowgroup"></tbody>
  </table>
  <div class="loading-more" style="display:none; padding: 8px;"><mat-spinner class="mat-progress-spinner" role="progressbar"></mat-spinner></div>
</div>
${jsonScript("sim-config", { batchSize })}`

export const CONTAINERS_SCRIPT = `
(function () {
  var config = JSON.parse(document.getElementById("sim-config").textContent);
  var box = document.getElementById("searchres");
  var tbody = box.querySelector("tbody");
  var spinner = box.querySelector(".loading-more");
  var rows = [];
  var total = null;
  var loading = false;
  var esc = window.simEsc;

  function rowHtml(r) {
    var cells = r.cells.map(function (c, i) {
      if (i === 0) {
        return '<td class="mat-cell cdk-column-containerNumber" role="cell"><mat-icon class="mat-icon notranslate material-icons mat-icon-no-color expand-icon" role="img" aria-hidden="true">keyboard_arrow_right</mat-icon>' + esc(c) + '</td>';
      }
      if (i >= 15) return '<td class="mat-cell cell-multi" role="cell"><div>' + esc(c) + '</div></td>';
      return '<td class="mat-cell" role="cell">' + esc(c) + '</td>';
    });
    return '<tr class="mat-row element-row" role="row" data-row="' + r.index + '">' + cells.join("") + '</tr>';
  }

  function groupHtml(g) {
    var n = Math.max(1, g.fields.length);
    var out = '<div class="detail-group" style="grid-template-columns: repeat(' + n + ', max-content)">';
    if (g.title) out += '<div class="group-title" style="grid-column: 1 / -1">' + esc(g.title) + '</div>';
    g.fields.forEach(function (f) { out += '<div class="field-label ng-star-inserted">' + esc(f[0]) + '</div>'; });
    g.fields.forEach(function (f) {
      var cls = f[0] === "Booking #" ? "field-data btn-link ng-star-inserted" : "field-data ng-star-inserted";
      out += '<div class="' + cls + '">' + esc(f[1]) + '</div>';
    });
    return out + '</div>';
  }

  function dividerHtml(m) {
    if (m.divider === "done") return '<div class="timeline-divider dividerflowcolor"></div>';
    if (m.divider === "pending") return '<div class="timeline-divider horizontalconflow"></div>';
    // Ambiguous: only the colour tells. "ambiguous-*" carries a class that contains the substring
    // dividerflowcolor, "plain-*" one that contains no known class even as a substring.
    var color = m.divider === "ambiguous-dark" || m.divider === "plain-dark" ? "#1b5e20" : "#e0e0e0";
    var cls = m.divider === "plain-dark" || m.divider === "plain-light" ? "mat-divider" : "dividerflowcolor3";
    return '<div class="timeline-divider ' + cls + '" style="background: ' + color + '"></div>';
  }

  function detailHtml(r) {
    var out = '<tr class="expanded detail-row" role="row"><td class="mat-cell" colspan="18" role="cell"><div class="container-details">';
    if (r.placeholder) return out + '<div class="detail-head">No details available</div></div></td></tr>';
    out += '<div class="detail-head"><div class="customer-name">' + esc(r.customer) + '</div><div class="terminal-name">' + esc(r.detailTerminal) + '</div></div>';
    r.groups.forEach(function (g) { out += groupHtml(g); });
    out += '<app-containerflow><div class="timeline-container">';
    out += '<div fxlayout="row" class="timeline-toggle"><span class="location-details-label"><mat-icon class="mat-icon material-icons" role="img" aria-hidden="true">arrow_drop_up</mat-icon></span></div>';
    r.milestones.forEach(function (m) {
      out += '<div fxlayout="row" fxlayoutalign="start center" class="milestone-row">' +
        '<div class="curr-loc-div"><span class="location-details-label">' + esc(m.name) + '</span>' +
        '<span class="location-details-label p-top-5">' + esc(m.date) + '</span></div>' + dividerHtml(m) + '</div>';
    });
    return out + '</div></app-containerflow></div></td></tr>';
  }

  function toggle(tr) {
    var icon = tr.querySelector("mat-icon.expand-icon");
    var next = tr.nextElementSibling;
    var r = rows[Number(tr.getAttribute("data-row"))];
    if (next && next.classList.contains("expanded")) {
      next.remove();
      icon.textContent = "keyboard_arrow_right";
      return;
    }
    tr.insertAdjacentHTML("afterend", detailHtml(r));
    icon.textContent = "keyboard_arrow_down";
  }

  tbody.addEventListener("click", function (e) {
    var icon = e.target.closest("mat-icon.expand-icon");
    if (!icon) return;
    toggle(icon.closest("tr"));
  });

  function load() {
    if (loading || (total !== null && rows.length >= total)) return;
    loading = true;
    spinner.style.display = "block";
    window.simTask(function () {
      return window.simApi("/api/containers?offset=" + rows.length + "&limit=" + config.batchSize)
        .then(function (r) { return r.json(); })
        .then(function (res) {
          total = res.total;
          var html = "";
          res.items.forEach(function (r) { rows[r.index] = r; html += rowHtml(r); });
          tbody.insertAdjacentHTML("beforeend", html);
          document.querySelector(".watch-count").textContent = total + " containers";
          loading = false;
          spinner.style.display = "none";
          window.simReady();
        })
        .catch(function () { loading = false; spinner.style.display = "none"; });
    });
  }

  box.addEventListener("scroll", function () {
    if (box.scrollTop + box.clientHeight >= box.scrollHeight - 150) load();
  });
  load();
})();
`
