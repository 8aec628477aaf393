/**
 * termops pages: the keep-alive home (`/trucker/web/`) and the "Add Appointment" wizard
 * (`/trucker/web/addvisit`), an Angular Material horizontal stepper with four steps — "Add required
 * data", "Add move details", "Choose appointment time", "Confirmation" — built with the legacy
 * Material DOM the seed automation relies on (§3.6-3.7):
 *
 * - `mat-step-header[aria-posinset][aria-selected]`, Next = `button.text-next > span` "Next";
 * - `mat-form-field` > `mat-label` + `mat-select`, whose overlay lists `mat-option > span.mat-option-text`;
 * - chip inputs `input[formcontrolname=containerNumber|bookingNumber]` → `mat-chip` + `mat-icon[matchipremove]`;
 * - the alternative import form: `Line` / `Equip Size` autocompletes (`input[matinput]` right after
 *   its `mat-label`, panel opening on focus with an empty value) and `Quantity` `input[type=number][min=1]`;
 * - dialogs `mat-dialog-container` with `.dialog-content` and a CLOSE `span.mat-button-wrapper`;
 * - step 2: `mat-checkbox` > `input.mat-checkbox-input[aria-checked]`, `Pin`, `Plate` autocomplete
 *   (stays open when cleared), YES/NO `mat-button-toggle` (`mat-button-toggle-checked` + `aria-pressed`),
 *   `Unit`, `Seal1_Num`…`Seal4_Num` for exports;
 * - step 3: `mat-select[formcontrolname=slot]` under the "Appointment Time" label; exports first pick a
 *   date with the `calendar_month` toggle (a `mat-calendar` whose enabled cells are the open dates);
 *   Back and a red Submit;
 * - step 4: the confirmation number in `.confirmation-number` (the real markup is unknown).
 *
 * The Material widgets themselves (overlays, dialogs, selects, autocompletes, chips, form
 * fields) are `MaterialWidgets.ts`, spliced into this script's closure.
 */
import { h, type Raw } from "./Escape.ts"
import { MATERIAL_WIDGETS } from "./MaterialWidgets.ts"

export const keepAliveBody = (truckerportal: string): Raw =>
  h`<h2 class="page-title">Trucker</h2>
<p>Welcome back. Schedule a visit with <a href="/trucker/web/addvisit">Add Appointment</a>, or see
<a href="${truckerportal}/myappointments">My Appointments</a>.</p>`

export const KEEPALIVE_SCRIPT = `window.simReady();`

const STEP_LABELS = ["Add required data", "Add move details", "Choose appointment time", "Confirmation"]

export const wizardBody = (): Raw =>
  h`<h2 class="page-title">Add Appointment</h2>
<mat-horizontal-stepper class="mat-stepper-horizontal" role="tablist" aria-orientation="horizontal">
  <div class="mat-horizontal-stepper-header-container">
    ${
    STEP_LABELS.map((label, i) =>
      h`${i > 0 ? h`<div class="mat-stepper-horizontal-line"></div>` : ""}<mat-step-header class="mat-horizontal-stepper-header mat-step-header mat-focus-indicator" role="tab" id="step-header-${i + 1}" aria-posinset="${i + 1}" aria-setsize="4" aria-selected="${i === 0 ? "true" : "false"}" tabindex="${i === 0 ? "0" : "-1"}"><div class="mat-step-icon mat-step-icon-state-number${i === 0 ? " mat-step-icon-selected" : ""}"><span class="mat-step-icon-content">${i + 1}</span></div><div class="mat-step-label${i === 0 ? " mat-step-label-active mat-step-label-selected" : ""}"><div class="mat-step-text-label">${label}</div></div></mat-step-header>`
    )
  }
  </div>
  <div class="mat-horizontal-content-container">
    ${[1, 2, 3, 4].map((n) => h`<div class="mat-horizontal-stepper-content" role="tabpanel" id="step-content-${n}" aria-expanded="${n === 1 ? "true" : "false"}"></div>`)}
  </div>
</mat-horizontal-stepper>`

export const WIZARD_SCRIPT = String.raw`
(function () {
  var API = "/trucker/web/api/visit";
  var esc = window.simEsc;
  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  var model = {
    options: null, company: "", terminal: "", moveType: "", form: null,
    containers: [], bookings: [], line: "", equipSize: "", quantity: "",
    units: [], selected: [], pin: "", plate: "", ownChassis: "NO", unitNumber: "", seals: ["", "", "", ""],
    mode: null, slots: [], date: "", slot: ""
  };

  // ------------------------------------------------------------------ stepper
  function goTo(n) {
    $$("mat-step-header").forEach(function (h) {
      var i = Number(h.getAttribute("aria-posinset"));
      var selected = i === n;
      h.setAttribute("aria-selected", selected ? "true" : "false");
      h.setAttribute("tabindex", selected ? "0" : "-1");
      var icon = $(".mat-step-icon", h);
      icon.classList.toggle("mat-step-icon-selected", selected);
      icon.classList.toggle("mat-step-icon-state-done", i < n);
      $(".mat-step-label", h).classList.toggle("mat-step-label-selected", selected);
      $(".mat-step-label", h).classList.toggle("mat-step-label-active", i <= n);
    });
    $$(".mat-horizontal-stepper-content").forEach(function (c, i) {
      c.setAttribute("aria-expanded", i + 1 === n ? "true" : "false");
    });
  }
  function content(n) { return $("#step-content-" + n); }
  function spinnerHtml(text) {
    return '<div class="step-loading"><mat-spinner class="mat-progress-spinner mat-spinner" role="progressbar" mode="indeterminate"></mat-spinner> <span>' + esc(text || "Loading...") + '</span></div>';
  }
  function neverReady(n) {
    goTo(n);
    content(n).innerHTML = spinnerHtml("Loading...");
    window.simBusy(); // this step never becomes ready: the page stays busy for good
  }
${MATERIAL_WIDGETS}
  function showError(step, control, message) {
    var field = $(".field-" + control, content(step));
    var err = field && $("mat-error", field);
    if (err) { err.textContent = message; err.hidden = false; }
    return false;
  }
  function clearErrors(step) { $$("mat-error", content(step)).forEach(function (e) { e.hidden = true; e.textContent = ""; }); }

  function nextButton() {
    return '<button class="mat-raised-button mat-button-base mat-primary text-next" type="button"><span class="mat-button-wrapper">Next</span></button>';
  }
  function backButton() {
    return '<button class="mat-stroked-button mat-button-base text-back" type="button"><span class="mat-button-wrapper">Back</span></button>';
  }
  function setPending(step, on) {
    var actions = $(".step-actions", content(step));
    var s = $(".step-spinner", actions);
    if (on && !s) actions.insertAdjacentHTML("beforeend", '<mat-spinner class="mat-progress-spinner mat-spinner step-spinner" role="progressbar" mode="indeterminate"></mat-spinner>');
    if (!on && s) s.remove();
    $$("button", actions).forEach(function (b) { b.disabled = on; });
  }

  function call(step, path, body, onOk) {
    setPending(step, true);
    return window.simTask(function () {
      return window.simApi(API + path, { method: "POST", body: JSON.stringify(body) }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (res) {
          setPending(step, false);
          if (r.status === 200) return onOk(res);
          if (r.status >= 500) { window.simSnack(res.message || "An unexpected error occurred. Please try again later."); return; }
          showDialog(res.message || "The request could not be completed.");
          if (r.status === 409 && onOk.conflict) onOk.conflict(res);
        });
      }).catch(function () { setPending(step, false); });
    });
  }

  // ------------------------------------------------------------------ step 1
  function terminalInfo() {
    return (model.options.terminals || []).filter(function (t) { return t.name === model.terminal; })[0];
  }
  function formKind() {
    if (!model.terminal || !model.moveType) return null;
    var exportMove = model.moveType === "DROP FULL" || model.moveType === "PICK EMPTY";
    if (exportMove) return "export";
    var t = terminalInfo();
    return t && t.alternativeImportMoves.indexOf(model.moveType) >= 0 ? "alternative" : "import";
  }
  function renderMoveFields() {
    var holder = $(".move-fields", content(1));
    var kind = formKind();
    if (kind === model.form) return;
    model.form = kind;
    model.containers = []; model.bookings = []; model.line = ""; model.equipSize = ""; model.quantity = "";
    if (kind === "import") {
      holder.innerHTML = '<mat-form-field class="mat-form-field field-containerNumber chip-field"><mat-label>Container number(s)</mat-label>' +
        '<mat-chip-list class="mat-chip-list" role="listbox"><div class="mat-chip-list-wrapper">' +
        '<input class="mat-chip-input mat-input-element" formcontrolname="containerNumber" placeholder="Container number(s)" autocomplete="off">' +
        '</div></mat-chip-list><mat-error class="mat-error" hidden></mat-error></mat-form-field>';
      chips($("input[formcontrolname=containerNumber]", holder), $(".mat-chip-list-wrapper", holder), model.containers);
    } else if (kind === "alternative") {
      holder.innerHTML = autocompleteField("Line", "line") + autocompleteField("Equip Size", "equipSize") +
        inputField("Quantity", "quantity", 'type="number" min="1" step="1"');
      autocomplete($("input[formcontrolname=line]", holder), function () { return Object.keys(model.options.lines); }, function (v) {
        model.line = v.toUpperCase();
      });
      autocomplete($("input[formcontrolname=equipSize]", holder), function () { return model.options.lines[model.line] || []; }, function (v) {
        model.equipSize = v.toUpperCase();
      });
      $("input[formcontrolname=quantity]", holder).addEventListener("input", function (e) { model.quantity = e.target.value; });
    } else if (kind === "export") {
      holder.innerHTML = '<mat-form-field class="mat-form-field field-bookingNumber chip-field"><mat-label>Booking number</mat-label>' +
        '<mat-chip-list class="mat-chip-list" role="listbox"><div class="mat-chip-list-wrapper">' +
        '<input class="mat-chip-input mat-input-element" formcontrolname="bookingNumber" placeholder="Booking number" autocomplete="off">' +
        '</div></mat-chip-list><mat-error class="mat-error" hidden></mat-error></mat-form-field><div class="quantity-holder"></div>';
      var list = chips($("input[formcontrolname=bookingNumber]", holder), $(".mat-chip-list-wrapper", holder), model.bookings, function (booking) {
        window.simTask(function () {
          return window.simApi(API + "/booking", { method: "POST", body: JSON.stringify({ terminal: model.terminal, moveType: model.moveType, booking: booking }) })
            .then(function (r) { return r.json(); })
            .then(function (res) {
              if (res.ok) {
                var q = $(".quantity-holder", holder);
                if (!$("input[formcontrolname=quantity]", q)) {
                  q.innerHTML = inputField("Quantity", "quantity", 'type="number" min="1" step="1"');
                  $("input[formcontrolname=quantity]", q).addEventListener("input", function (e) { model.quantity = e.target.value; });
                }
              } else {
                var i = model.bookings.indexOf(booking);
                if (i >= 0) model.bookings.splice(i, 1);
                list.render();
                showDialog(res.message);
              }
            });
        });
      });
    } else {
      holder.innerHTML = "";
    }
  }
  function renderStep1() {
    var c = content(1);
    c.innerHTML = '<form class="step-form step1" novalidate onsubmit="return false">' +
      selectHtml("Trucking Company", "truckingCompany") + selectHtml("Terminal", "terminal") + selectHtml("Move Type", "moveType") +
      '<div class="move-fields"></div>' +
      '<div class="step-actions">' + nextButton() + '</div></form>';
    matSelect($("mat-select[formcontrolname=truckingCompany]", c), function () {
      return model.options.companies.map(function (x) { return x.name; });
    }, function (v) { model.company = v; });
    matSelect($("mat-select[formcontrolname=terminal]", c), function () {
      return model.options.terminals.map(function (x) { return x.name; });
    }, function (v) { model.terminal = v; renderMoveFields(); });
    matSelect($("mat-select[formcontrolname=moveType]", c), function () { return model.options.moveTypes; }, function (v) {
      model.moveType = v; renderMoveFields();
    });
    $(".text-next", c).addEventListener("click", next1);
  }
  function step1Body() {
    return {
      company: model.company, terminal: model.terminal, moveType: model.moveType,
      containers: model.containers, bookings: model.bookings,
      line: model.line, equipSize: model.equipSize, quantity: Number(model.quantity || (model.form === "import" ? model.containers.length : 0))
    };
  }
  function next1() {
    clearErrors(1);
    var ok = true;
    if (!model.company) ok = showError(1, "truckingCompany", "Trucking company is required");
    if (!model.terminal) ok = showError(1, "terminal", "Terminal is required");
    if (!model.moveType) ok = showError(1, "moveType", "Move type is required");
    if (model.form === "import" && model.containers.length === 0) ok = showError(1, "containerNumber", "At least one container number is required");
    if (model.form === "export" && model.bookings.length === 0) ok = showError(1, "bookingNumber", "Booking number is required");
    if (!ok) return;
    call(1, "/step1", step1Body(), function (res) {
      if (!res.ready) return neverReady(2);
      model.units = res.units;
      model.selected = [];
      renderStep2();
      goTo(2);
    });
  }

  // ------------------------------------------------------------------ step 2
  function renderStep2() {
    var c = content(2);
    var plates = (model.options.companies.filter(function (x) { return x.name === model.company; })[0] || { plates: [] }).plates;
    var units = model.units.map(function (u, i) {
      return '<div class="unit-row"><mat-checkbox class="mat-checkbox mat-accent unit-checkbox" id="unit-' + i + '">' +
        '<label class="mat-checkbox-layout" for="unit-' + i + '-input"><span class="mat-checkbox-inner-container">' +
        '<input type="checkbox" class="mat-checkbox-input cdk-visually-hidden" id="unit-' + i + '-input" tabindex="0" aria-checked="false" value="' + esc(u.id) + '">' +
        '<span class="mat-checkbox-frame"></span></span><span class="mat-checkbox-label">' + esc(u.label) + '</span></label></mat-checkbox></div>';
    }).join("");
    var details = model.form === "export"
      ? inputField("Unit #", "Unit", 'uppercase maxlength="11" placeholder="Unit #"') +
        [1, 2, 3, 4].map(function (i) { return inputField("Seal " + i, "Seal" + i + "_Num", 'placeholder="Seal ' + i + '"'); }).join("")
      : inputField("PIN", "Pin", 'placeholder="PIN" maxlength="10"');
    c.innerHTML = '<form class="step-form step2" novalidate onsubmit="return false">' +
      '<div class="units"><h4>Units</h4>' + units + '<mat-error class="mat-error units-error" hidden></mat-error></div>' +
      '<div class="details">' + details + autocompleteField("Truck Plate", "Plate") + '</div>' +
      '<div class="own-chassis"><span class="toggle-label">Own Chassis</span> ' +
      '<mat-button-toggle-group role="group" class="mat-button-toggle-group mat-button-toggle-group-appearance-standard" name="ownChassis" aria-label="Own Chassis">' +
      ["YES", "NO"].map(function (v) {
        var on = model.ownChassis === v;
        return '<mat-button-toggle class="mat-button-toggle mat-button-toggle-appearance-standard' + (on ? " mat-button-toggle-checked" : "") + '" value="' + v + '">' +
          '<button type="button" class="mat-button-toggle-button mat-focus-indicator" aria-pressed="' + (on ? "true" : "false") + '"><span class="mat-button-toggle-label-content">' + v + '</span></button></mat-button-toggle>';
      }).join("") +
      '</mat-button-toggle-group></div>' +
      '<div class="step-actions">' + backButton() + nextButton() + '</div></form>';
    $$("input.mat-checkbox-input", c).forEach(function (input) {
      input.addEventListener("change", function () {
        input.setAttribute("aria-checked", input.checked ? "true" : "false");
        input.closest("mat-checkbox").classList.toggle("mat-checkbox-checked", input.checked);
        model.selected = $$("input.mat-checkbox-input", c).filter(function (x) { return x.checked; }).map(function (x) { return x.value; });
      });
    });
    $$("mat-button-toggle", c).forEach(function (t) {
      $("button", t).addEventListener("click", function () {
        model.ownChassis = t.getAttribute("value");
        $$("mat-button-toggle", c).forEach(function (o) {
          var on = o === t;
          o.classList.toggle("mat-button-toggle-checked", on);
          $("button", o).setAttribute("aria-pressed", on ? "true" : "false");
        });
      });
    });
    autocomplete($("input[formcontrolname=Plate]", c), function () { return plates; }, function (v) { model.plate = v.toUpperCase(); });
    $(".text-back", c).addEventListener("click", function () { goTo(1); });
    $(".text-next", c).addEventListener("click", next2);
  }
  function step2Body() {
    var c = content(2);
    var val = function (k) { var e = $("input[formcontrolname=" + k + "]", c); return e ? e.value.trim() : ""; };
    var b = step1Body();
    b.units = model.selected;
    b.plate = val("Plate");
    b.ownChassis = model.ownChassis;
    b.pin = val("Pin");
    b.unitNumber = val("Unit");
    b.seal1 = val("Seal1_Num"); b.seal2 = val("Seal2_Num"); b.seal3 = val("Seal3_Num"); b.seal4 = val("Seal4_Num");
    return b;
  }
  function next2() {
    clearErrors(2);
    var b = step2Body();
    var ok = true;
    if (b.units.length === 0) { var e = $(".units-error", content(2)); e.textContent = "Select at least one unit"; e.hidden = false; ok = false; }
    if (!b.plate) ok = showError(2, "Plate", "Truck plate is required");
    if (model.form !== "export" && !b.pin) ok = showError(2, "Pin", "PIN is required");
    if (!ok) return;
    call(2, "/step2", b, function (res) {
      if (!res.ready) return neverReady(3);
      model.mode = res.mode;
      model.slots = res.slots;
      model.slot = ""; model.date = "";
      model.step2 = b;
      renderStep3();
      goTo(3);
    });
  }

  // ------------------------------------------------------------------ step 3
  function summaryHtml() {
    var b = model.step2 || {};
    var unit = model.form === "import" ? model.selected.join(", ") : model.form === "export" ? (model.bookings[0] || "") : model.line + " " + model.equipSize;
    var rows = [["Trucking Company", model.company], ["Terminal", model.terminal], ["Move Type", model.moveType],
      ["Unit/Own Chassis", unit + " / " + (model.ownChassis === "YES" ? "Yes" : "No")], ["Truck Plate", b.plate || ""]];
    return '<div class="summary">' + rows.map(function (r) { return '<span class="k">' + esc(r[0]) + '</span><span class="v">' + esc(r[1]) + '</span>'; }).join("") + '</div>';
  }
  function slotsFor(date) { return model.slots.filter(function (s) { return !date || s.date === date; }); }
  function renderStep3() {
    var c = content(3);
    var noSlots = model.slots.length === 0 ? '<div class="no-slots mat-error">No appointment times are available.</div>' : "";
    var dateField = model.mode === "calendar"
      ? '<mat-form-field class="mat-form-field field-appointmentDate"><mat-label>Appointment Date</mat-label>' +
        '<input matinput class="mat-input-element mat-datepicker-input" formcontrolname="appointmentDate" placeholder="MM/DD/YYYY" readonly>' +
        '<mat-datepicker-toggle class="mat-datepicker-toggle"><button class="mat-icon-button mat-button-base" type="button" aria-label="Open calendar">' +
        '<span class="mat-button-wrapper"><mat-icon class="mat-icon notranslate material-icons" role="img" aria-hidden="true">calendar_month</mat-icon></span></button></mat-datepicker-toggle>' +
        '<mat-error class="mat-error" hidden></mat-error></mat-form-field>'
      : "";
    c.innerHTML = '<form class="step-form step3" novalidate onsubmit="return false">' + summaryHtml() + dateField +
      selectHtml("Appointment Time", "slot", "Select appointment time") + noSlots +
      '<div class="info-box check-in" hidden></div>' +
      '<div class="step-actions">' + backButton() +
      '<button class="mat-raised-button mat-button-base mat-warn text-submit" color="warn" type="button"><span class="mat-button-wrapper">Submit</span></button></div></form>';
    var select = $("mat-select[formcontrolname=slot]", c);
    matSelect(select, function () {
      return slotsFor(model.mode === "calendar" ? model.date : "").map(function (s) { return s.label; });
    }, function (label) {
      var s = model.slots.filter(function (x) { return x.label === label; })[0];
      model.slot = s ? s.id : "";
      var info = $(".check-in", c);
      info.textContent = s ? "Check-In for this visit should be completed by " + s.checkInBy : "";
      info.hidden = !s;
    });
    if (model.mode === "calendar") {
      if (!model.date) select.setAttribute("aria-disabled", "true");
      $("mat-datepicker-toggle button", c).addEventListener("click", function () { openCalendar(c, select); });
    }
    $(".text-back", c).addEventListener("click", function () { goTo(2); });
    $(".text-submit", c).addEventListener("click", submit);
  }

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function openCalendar(c, select) {
    closeOverlays("calendar");
    var open = {};
    model.slots.forEach(function (s) { open[s.date] = true; });
    var dates = Object.keys(open).sort(function (a, b) { return a.slice(6) + a.slice(0, 5) < b.slice(6) + b.slice(0, 5) ? -1 : 1; });
    var first = model.date || dates[0];
    var view = first ? { y: Number(first.slice(6)), m: Number(first.slice(0, 2)) - 1 } : { y: new Date().getFullYear(), m: new Date().getMonth() };
    var o = overlay("calendar", "transparent");
    var p = pane(o, $("mat-datepicker-toggle", c), 296);
    function draw() {
      var firstDay = new Date(Date.UTC(view.y, view.m, 1)).getUTCDay();
      var days = new Date(Date.UTC(view.y, view.m + 1, 0)).getUTCDate();
      var cells = [];
      for (var i = 0; i < firstDay; i++) cells.push('<td class="mat-calendar-body-cell-container" aria-hidden="true"></td>');
      for (var d = 1; d <= days; d++) {
        var key = pad(view.m + 1) + "/" + pad(d) + "/" + view.y;
        var enabled = !!open[key];
        var selected = key === model.date;
        cells.push('<td role="gridcell" class="mat-calendar-body-cell' + (enabled ? " mat-calendar-body-active" : " mat-calendar-body-disabled") + '" tabindex="-1" data-date="' + key + '" aria-label="' + MONTHS[view.m] + " " + d + ", " + view.y + '" aria-disabled="' + (enabled ? "false" : "true") + '" aria-selected="' + (selected ? "true" : "false") + '">' +
          '<div class="mat-calendar-body-cell-content mat-focus-indicator' + (selected ? " mat-calendar-body-selected" : "") + '">' + d + '</div></td>');
      }
      var rows = [];
      for (var r = 0; r < cells.length; r += 7) rows.push('<tr role="row">' + cells.slice(r, r + 7).join("") + '</tr>');
      p.innerHTML = '<mat-datepicker-content class="mat-datepicker-content mat-datepicker-content-touch-false"><mat-calendar class="mat-calendar" id="appointment-calendar">' +
        '<mat-calendar-header><div class="mat-calendar-header"><div class="mat-calendar-controls">' +
        '<button class="mat-calendar-period-button mat-button" type="button" aria-label="Choose month and year"><span class="mat-button-wrapper">' + MONTHS[view.m].slice(0, 3).toUpperCase() + " " + view.y + '</span></button>' +
        '<button class="mat-calendar-previous-button mat-icon-button" type="button" aria-label="Previous month">&lsaquo;</button>' +
        '<button class="mat-calendar-next-button mat-icon-button" type="button" aria-label="Next month">&rsaquo;</button>' +
        '</div></div></mat-calendar-header><mat-month-view><table class="mat-calendar-table" role="grid"><thead class="mat-calendar-table-header"><tr>' +
        ["S", "M", "T", "W", "T", "F", "S"].map(function (x) { return '<th scope="col">' + x + '</th>'; }).join("") +
        '</tr></thead><tbody mat-calendar-body class="mat-calendar-body">' + rows.join("") + '</tbody></table></mat-month-view></mat-calendar></mat-datepicker-content>';
      $(".mat-calendar-previous-button", p).addEventListener("click", function () { view.m--; if (view.m < 0) { view.m = 11; view.y--; } draw(); });
      $(".mat-calendar-next-button", p).addEventListener("click", function () { view.m++; if (view.m > 11) { view.m = 0; view.y++; } draw(); });
      $$("td.mat-calendar-body-cell", p).forEach(function (td) {
        td.addEventListener("click", function () {
          if (td.getAttribute("aria-disabled") === "true") return;
          model.date = td.getAttribute("data-date");
          $("input[formcontrolname=appointmentDate]", c).value = model.date;
          model.slot = "";
          setSelectValue(select, "");
          select.removeAttribute("aria-disabled");
          $(".check-in", c).hidden = true;
          closeOverlays("calendar");
        });
      });
    }
    draw();
  }

  function submit() {
    clearErrors(3);
    if (!model.slot) { showError(3, "slot", "Appointment time is required"); return; }
    var b = Object.assign({}, model.step2, { slot: model.slot });
    var onOk = function (res) {
      if (!res.ready) return neverReady(4);
      renderStep4(res);
      goTo(4);
    };
    onOk.conflict = function () {
      var taken = model.slot;
      model.slots = model.slots.filter(function (s) { return s.id !== taken; });
      model.slot = "";
      setSelectValue($("mat-select[formcontrolname=slot]", content(3)), "");
      $(".check-in", content(3)).hidden = true;
    };
    call(3, "/submit", b, onOk);
  }

  // ------------------------------------------------------------------ step 4
  function renderStep4(res) {
    content(4).innerHTML = '<div class="confirmation">' +
      '<h3><mat-icon class="mat-icon material-icons" role="img" aria-hidden="true">check_circle</mat-icon> Your appointment has been scheduled</h3>' +
      '<div class="confirmation-row">Confirmation #: <span class="confirmation-number">' + esc(res.confirmationNumber) + '</span></div>' +
      '<div class="confirmation-slot">Appointment time: <span class="confirmation-time">' + esc(res.slot) + '</span></div>' +
      '<div class="info-box">Check-In for this visit should be completed by ' + esc(res.checkInBy) + '</div>' + summaryHtml() +
      '<div class="step-actions"><a class="mat-stroked-button new-appointment" href="/trucker/web/addvisit">Schedule another appointment</a></div></div>';
  }

  // ------------------------------------------------------------------ boot
  content(1).innerHTML = spinnerHtml("Loading...");
  window.simTask(function () {
    return window.simApi("/trucker/web/api/visit/options").then(function (r) { return r.json(); }).then(function (res) {
      if (!res.ready) { content(1).innerHTML = spinnerHtml("Loading..."); window.simBusy(); return; }
      model.options = res;
      renderStep1();
      window.simReady();
    });
  });
})();
`
