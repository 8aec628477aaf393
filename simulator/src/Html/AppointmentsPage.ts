/**
 * truckerportal's My Appointments: one row per appointment of the account, newest booking first,
 * each with a legacy `mat-checkbox` > `input.mat-checkbox-input[aria-checked]`, plus a header
 * select-all (aria-checked true / false / mixed). Pages of rows come from `/api/appointments`;
 * the next page loads when the window is scrolled near the bottom (and automatically while the
 * page is too short to scroll). The Excel icon `mat-icon[svgicon=xls]` posts the selected
 * confirmation numbers to `/api/appointments/export`, which answers an .xlsx attachment — a real
 * browser download.
 */
import { h, jsonScript, type Raw, raw } from "./Escape.ts"

const XLS_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24" fit="" preserveAspectRatio="xMidYMid meet" focusable="false"><g id="excel_icon"><path id="Path_346" fill="#1a8e07" d="M3 2h12l6 6v14H3z M14 2v7h7 M7 11l3 4-3 4h2l2-2.7 2 2.7h2l-3-4 3-4h-2l-2 2.7-2-2.7z"></path></g></svg>`

export const APPOINTMENT_HEADERS = [
  "Appointment #",
  "Appointment Time",
  "Terminal",
  "Move Type",
  "Container / Booking",
  "Truck Plate",
  "Trucking Company",
  "Status"
] as const

export const appointmentsBody = (pageSize: number): Raw =>
  h`<h2 class="page-title">My Appointments</h2>
<div class="page-actions">
  <button class="mat-icon-button mat-button-base excel-button" type="button" aria-label="Excel" mattooltip="Excel">
    <mat-icon svgicon="xls" role="img" class="mat-icon notranslate svg-xls-icon mat-icon-no-color" aria-hidden="true" data-mat-icon-type="svg" data-mat-icon-name="xls">${raw(XLS_SVG)}</mat-icon>
  </button>
  <span class="selected-count">0 selected</span>
  <span class="total-count"></span>
</div>
<table class="mat-table cdk-table appointments" role="table">
  <thead role="rowgroup"><tr class="mat-header-row" role="row">
    <th class="mat-header-cell select-cell"><mat-checkbox class="mat-checkbox mat-accent select-all"><label class="mat-checkbox-layout" for="select-all-input"><span class="mat-checkbox-inner-container"><input type="checkbox" class="mat-checkbox-input cdk-visually-hidden" id="select-all-input" aria-checked="false" aria-label="Select all"><span class="mat-checkbox-frame"></span></span></label></mat-checkbox></th>
    ${APPOINTMENT_HEADERS.map((c) => h`<th class="mat-header-cell" role="columnheader">${c}</th>`)}
  </tr></thead>
  <tbody role="rowgroup"></tbody>
</table>
<div class="loading-more" style="display:none; padding: 8px;"><mat-spinner class="mat-progress-spinner" role="progressbar"></mat-spinner></div>
<form class="export-form" method="post" action="/api/appointments/export" style="display:none"><input type="hidden" name="ids"></form>
${jsonScript("sim-config", { pageSize })}`

export const APPOINTMENTS_SCRIPT = String.raw`
(function () {
  var config = JSON.parse(document.getElementById("sim-config").textContent);
  var esc = window.simEsc;
  var tbody = document.querySelector("table.appointments tbody");
  var spinner = document.querySelector(".loading-more");
  var selectAll = document.getElementById("select-all-input");
  var loaded = 0, total = null, loading = false;

  function rowInputs() { return Array.prototype.slice.call(tbody.querySelectorAll("input.mat-checkbox-input")); }
  function setChecked(input, on) {
    input.checked = on;
    input.setAttribute("aria-checked", on ? "true" : "false");
    input.closest("mat-checkbox").classList.toggle("mat-checkbox-checked", on);
  }
  function refreshHeader() {
    var inputs = rowInputs();
    var n = inputs.filter(function (i) { return i.checked; }).length;
    var all = inputs.length > 0 && n === inputs.length;
    selectAll.checked = all;
    selectAll.indeterminate = n > 0 && !all;
    selectAll.setAttribute("aria-checked", all ? "true" : n > 0 ? "mixed" : "false");
    selectAll.closest("mat-checkbox").classList.toggle("mat-checkbox-checked", all);
    selectAll.closest("mat-checkbox").classList.toggle("mat-checkbox-indeterminate", n > 0 && !all);
    document.querySelector(".selected-count").textContent = n + " selected";
  }
  selectAll.addEventListener("change", function () {
    var inputs = rowInputs();
    var all = inputs.length > 0 && inputs.every(function (i) { return i.checked; });
    inputs.forEach(function (i) { setChecked(i, !all); });
    refreshHeader();
  });

  function rowHtml(a, i) {
    var unit = a.tradeType === "EXPORT" ? (a.booking || "") : (a.containers.length ? a.containers.join(", ") : (a.line || "") + " " + (a.equipSize || ""));
    var cells = [a.confirmationNumber, a.slot, a.terminal, a.moveType, unit, a.truckPlate, a.truckingCompany, a.status];
    return '<tr class="mat-row" role="row" data-id="' + esc(a.confirmationNumber) + '">' +
      '<td class="mat-cell select-cell"><mat-checkbox class="mat-checkbox mat-accent"><label class="mat-checkbox-layout" for="appt-' + i + '">' +
      '<span class="mat-checkbox-inner-container"><input type="checkbox" class="mat-checkbox-input cdk-visually-hidden" id="appt-' + i + '" aria-checked="false" value="' + esc(a.confirmationNumber) + '">' +
      '<span class="mat-checkbox-frame"></span></span></label></mat-checkbox></td>' +
      cells.map(function (c) { return '<td class="mat-cell">' + esc(c) + '</td>'; }).join("") + '</tr>';
  }

  tbody.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.classList || !input.classList.contains("mat-checkbox-input")) return;
    setChecked(input, input.checked);
    refreshHeader();
  });

  function nearBottom() { return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 200; }
  function load() {
    if (loading || (total !== null && loaded >= total)) return;
    loading = true;
    spinner.style.display = "block";
    window.simTask(function () {
      return window.simApi("/api/appointments?offset=" + loaded + "&limit=" + config.pageSize)
        .then(function (r) { return r.json(); })
        .then(function (res) {
          total = res.total;
          tbody.insertAdjacentHTML("beforeend", res.items.map(function (a, j) { return rowHtml(a, loaded + j); }).join(""));
          loaded += res.items.length;
          document.querySelector(".total-count").textContent = total + " appointments";
          loading = false;
          spinner.style.display = "none";
          refreshHeader();
          window.simReady();
          // A page too short to scroll could never ask for more: keep filling it.
          if (loaded < total && document.documentElement.scrollHeight <= window.innerHeight + 200) load();
        })
        .catch(function () { loading = false; spinner.style.display = "none"; });
    });
  }
  window.addEventListener("scroll", function () { if (nearBottom()) load(); });

  document.querySelector("mat-icon[svgicon=xls]").addEventListener("click", function () {
    var ids = rowInputs().filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
    if (ids.length === 0) { window.simSnack("Please select at least one appointment to export."); return; }
    var form = document.querySelector("form.export-form");
    form.querySelector("input[name=ids]").value = ids.join(",");
    form.submit();
  });

  load();
})();
`
