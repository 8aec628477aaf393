/**
 * The Angular Material widgets the wizard draws, in the legacy Material DOM the seed automation
 * relies on: CDK overlays and panes, dialogs with a CLOSE button, `mat-select` listboxes,
 * autocompletes (opening on focus, also with an empty value), chip lists and form fields with
 * their `mat-error`. A fragment of page script, not a script of its own: the wizard script splices
 * it into its closure, which provides `$`, `$$` and `esc`.
 */
export const MATERIAL_WIDGETS = String.raw`
  // ------------------------------------------------------------------ overlays
  function closeOverlays(kind) {
    $$(".cdk-overlay-container.sim-overlay" + (kind ? "." + kind : "")).forEach(function (o) {
      if (o.__onClose) o.__onClose();
      o.remove();
    });
  }
  function overlay(kind, withBackdrop) {
    var c = document.createElement("div");
    c.className = "cdk-overlay-container sim-overlay " + kind;
    if (withBackdrop) {
      var b = document.createElement("div");
      b.className = "cdk-overlay-backdrop" + (withBackdrop === "transparent" ? " cdk-overlay-transparent-backdrop transparent" : " cdk-overlay-dark-backdrop");
      b.addEventListener("click", function () { closeOverlays(kind); });
      c.appendChild(b);
    }
    document.body.appendChild(c);
    return c;
  }
  function pane(container, anchor, minWidth) {
    var r = anchor.getBoundingClientRect();
    var p = document.createElement("div");
    p.className = "cdk-overlay-pane";
    p.style.left = r.left + "px";
    p.style.top = (r.bottom + 2) + "px";
    p.style.minWidth = Math.max(minWidth || 0, r.width) + "px";
    container.appendChild(p);
    return p;
  }
  function optionsHtml(values) {
    return values.map(function (v, i) {
      return '<mat-option class="mat-option mat-focus-indicator" role="option" tabindex="0" aria-disabled="false" data-i="' + i + '"><span class="mat-option-text">' + esc(v) + '</span></mat-option>';
    }).join("");
  }

  function showDialog(message) {
    closeOverlays("dialog");
    var c = overlay("dialog", true);
    c.insertAdjacentHTML("beforeend",
      '<div class="cdk-global-overlay-wrapper"><div class="cdk-overlay-pane"><mat-dialog-container class="mat-dialog-container" role="dialog" aria-modal="true" tabindex="-1">' +
      '<div class="mat-dialog-content dialog-content"><span>' + esc(message) + '</span></div>' +
      '<div class="mat-dialog-actions"><button class="mat-button mat-focus-indicator close-button" type="button"><span class="mat-button-wrapper">CLOSE</span></button></div>' +
      '</mat-dialog-container></div></div>');
    $(".close-button", c).addEventListener("click", function () { closeOverlays("dialog"); });
  }

  // mat-select: click opens a listbox overlay with a transparent backdrop.
  function matSelect(el, getValues, onPick) {
    el.addEventListener("click", function () {
      if (el.getAttribute("aria-disabled") === "true") return;
      closeOverlays("select");
      var values = getValues();
      var c = overlay("select", "transparent");
      var p = pane(c, el, 280);
      p.insertAdjacentHTML("beforeend", '<div class="mat-select-panel-wrap"><div class="mat-select-panel mat-primary" role="listbox" aria-label="' + esc(el.getAttribute("aria-label") || "") + '">' + optionsHtml(values) + '</div></div>');
      el.setAttribute("aria-expanded", "true");
      c.__onClose = function () { el.setAttribute("aria-expanded", "false"); };
      $$("mat-option", p).forEach(function (o) {
        o.addEventListener("click", function () {
          var v = values[Number(o.getAttribute("data-i"))];
          setSelectValue(el, v);
          closeOverlays("select");
          onPick(v);
        });
      });
    });
  }
  function setSelectValue(el, v) {
    $(".mat-select-value", el).innerHTML = v
      ? '<span class="mat-select-value-text"><span class="mat-select-min-line">' + esc(v) + '</span></span>'
      : '<span class="mat-select-placeholder mat-select-min-line">' + esc(el.getAttribute("placeholder") || "") + '</span>';
  }
  function selectHtml(label, control, placeholder) {
    return '<mat-form-field class="mat-form-field mat-form-field-type-mat-select field-' + control + '">' +
      '<mat-label>' + esc(label) + '</mat-label>' +
      '<mat-select role="combobox" aria-haspopup="listbox" aria-expanded="false" class="mat-select" tabindex="0" formcontrolname="' + control + '" aria-label="' + esc(label) + '" placeholder="' + esc(placeholder || label) + '">' +
      '<div class="mat-select-trigger"><div class="mat-select-value"><span class="mat-select-placeholder mat-select-min-line">' + esc(placeholder || label) + '</span></div><div class="mat-select-arrow-wrapper"><div class="mat-select-arrow"></div></div></div>' +
      '</mat-select><mat-error class="mat-error" hidden></mat-error></mat-form-field>';
  }

  // autocomplete: the panel opens on focus/click/input (also with an empty value) and filters.
  function autocomplete(input, getValues, onPick) {
    var container = null;
    function render() {
      var q = input.value.trim().toLowerCase();
      var values = getValues().filter(function (v) { return q === "" || v.toLowerCase().indexOf(q) >= 0; });
      if (!container || !container.isConnected) {
        closeOverlays("autocomplete");
        container = overlay("autocomplete", false);
        var p = pane(container, input, 200);
        p.insertAdjacentHTML("beforeend", '<div class="mat-autocomplete-panel mat-autocomplete-visible" role="listbox"></div>');
        input.setAttribute("aria-expanded", "true");
        container.__onClose = function () { input.setAttribute("aria-expanded", "false"); };
      }
      var panel = $(".mat-autocomplete-panel", container);
      panel.innerHTML = optionsHtml(values);
      $$("mat-option", panel).forEach(function (o) {
        o.addEventListener("mousedown", function (e) { e.preventDefault(); });
        o.addEventListener("click", function () {
          var v = values[Number(o.getAttribute("data-i"))];
          input.value = v;
          closeOverlays("autocomplete");
          onPick(v);
        });
      });
    }
    input.addEventListener("focus", render);
    input.addEventListener("click", render);
    input.addEventListener("input", function () { onPick(input.value.trim()); render(); });
    input.addEventListener("keydown", function (e) { if (e.key === "Escape") closeOverlays("autocomplete"); });
  }
  document.addEventListener("mousedown", function (e) {
    var t = e.target;
    if (t.closest && (t.closest(".sim-overlay.autocomplete") || t.closest(".mat-autocomplete-trigger"))) return;
    closeOverlays("autocomplete");
  });

  // chip list: Enter, comma or blur turns the typed text into a removable mat-chip.
  function chips(input, list, values, onAdd) {
    function render() {
      $$("mat-chip", list).forEach(function (c) { c.remove(); });
      values.forEach(function (v, i) {
        input.insertAdjacentHTML("beforebegin",
          '<mat-chip class="mat-chip mat-focus-indicator mat-standard-chip" role="option" tabindex="-1"><span class="mat-chip-text">' + esc(v) + '</span>' +
          '<mat-icon role="img" matchipremove="" class="mat-icon notranslate mat-chip-remove mat-chip-trailing-icon material-icons" aria-hidden="true" data-i="' + i + '">cancel</mat-icon></mat-chip>');
      });
      $$("mat-icon[matchipremove]", list).forEach(function (x) {
        x.addEventListener("click", function () { values.splice(Number(x.getAttribute("data-i")), 1); render(); });
      });
    }
    function add() {
      var v = input.value.trim().replace(/,$/, "").toUpperCase();
      input.value = "";
      if (v === "" || values.indexOf(v) >= 0) return;
      values.push(v);
      render();
      if (onAdd) onAdd(v);
    }
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === ",") { e.preventDefault(); add(); }
    });
    input.addEventListener("blur", add);
    render();
    return { render: render };
  }

  function inputField(label, control, attrs) {
    return '<mat-form-field class="mat-form-field field-' + control + '"><mat-label>' + esc(label) + '</mat-label>' +
      '<input matinput class="mat-input-element mat-form-field-autofill-control" formcontrolname="' + control + '" ' + (attrs || "") + '>' +
      '<mat-error class="mat-error" hidden></mat-error></mat-form-field>';
  }
  function autocompleteField(label, control) {
    return '<mat-form-field class="mat-form-field field-' + control + '"><mat-label>' + esc(label) + '</mat-label>' +
      '<input matinput class="mat-input-element mat-autocomplete-trigger" formcontrolname="' + control + '" autocomplete="off" role="combobox" aria-autocomplete="list" aria-expanded="false" aria-haspopup="listbox">' +
      '<mat-error class="mat-error" hidden></mat-error></mat-form-field>';
  }`
