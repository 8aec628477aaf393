/**
 * Shared CSS of the simulated Angular Material apps. Only what makes the pages look and behave
 * like the portal: toolbar, menu, form fields, overlays (select panels, dialogs, snack bars),
 * stepper, chips, checkboxes, toggles, the containers grid and its timeline.
 */

export const APP_CSS = `
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; font-family: Roboto, "Helvetica Neue", Arial, sans-serif; font-size: 14px; color: #212121; background: #fafafa; }
mat-icon, .mat-icon { display: inline-block; font-family: "Material Icons", monospace; font-size: 12px; line-height: 20px; min-width: 20px; vertical-align: middle; color: #555; overflow: hidden; white-space: nowrap; cursor: default; }
.mat-toolbar { display: flex; align-items: center; height: 56px; padding: 0 16px; background: #0d47a1; color: #fff; gap: 12px; }
.mat-toolbar mat-icon { color: #fff; }
.mat-toolbar .brand { font-weight: 700; font-size: 18px; }
.mat-toolbar .brand-sub { font-size: 15px; opacity: .9; }
.mat-toolbar .spacer { flex: 1 1 auto; }
.mat-toolbar button { background: transparent; border: 0; color: #fff; font: inherit; cursor: pointer; }
button.user { display: inline-flex; align-items: center; gap: 6px; }
.app-body { display: flex; min-height: calc(100vh - 56px); }
nav.side-menu { width: 200px; background: #fff; border-right: 1px solid #e0e0e0; padding: 8px 0; }
nav.side-menu a { display: block; padding: 10px 20px; color: #0d47a1; text-decoration: none; }
nav.side-menu a.active { background: #e3f2fd; font-weight: 500; }
main.content { flex: 1 1 auto; padding: 16px 24px; min-width: 0; }
h2.page-title { font-weight: 400; margin: 4px 0 16px; }
.product-bar { display: flex; gap: 8px; align-items: center; color: #666; margin-bottom: 8px; }
/* containers grid */
#searchres { height: 560px; overflow: auto; border: 1px solid #e0e0e0; background: #fff; }
#searchres table { border-collapse: collapse; width: 100%; }
#searchres th { position: sticky; top: 0; background: #f5f5f5; text-align: left; font-weight: 500; padding: 6px 8px; border-bottom: 1px solid #e0e0e0; white-space: nowrap; z-index: 1; }
#searchres td { padding: 6px 8px; border-bottom: 1px solid #eee; vertical-align: top; white-space: pre; }
#searchres th .mat-sort-header-container { display: flex; align-items: center; }
#searchres td mat-icon.expand-icon { display: block; cursor: pointer; color: #0d47a1; }
#searchres td.cell-multi div { white-space: nowrap; }
tr.expanded > td { background: #fcfcff; white-space: normal !important; }
.container-details { display: flex; flex-wrap: wrap; gap: 16px; padding: 8px; }
.detail-head { width: 100%; font-weight: 500; }
.detail-group { display: grid; gap: 2px 16px; align-content: start; padding: 6px; border: 1px solid #eee; }
.detail-group .group-title { font-weight: 500; color: #0d47a1; }
.field-label { color: #757575; font-size: 12px; }
.field-data { font-size: 13px; }
.btn-link { color: #1565c0; text-decoration: underline; cursor: pointer; }
app-containerflow { display: block; width: 100%; }
.timeline-container { display: flex; flex-direction: column; width: 340px; padding: 8px 0; }
.timeline-container > div[fxlayout] { display: flex; flex-direction: column; margin: 0 0 4px; }
.curr-loc-div { height: 40px; padding: 2px 8px; background: #fff; display: flex; flex-direction: column; justify-content: center; }
.location-details-label { font-size: 13px; }
.location-details-label.p-top-5 { padding-top: 2px; font-size: 12px; color: #616161; }
.timeline-divider { height: 54px; width: 100%; }
.timeline-divider.dividerflowcolor { background: #1b5e20; }
.timeline-divider.horizontalconflow { background: #e0e0e0; }
.timeline-toggle { height: 20px; }
/* form fields */
mat-form-field, .mat-form-field { display: inline-block; position: relative; min-width: 280px; margin: 8px 16px 8px 0; padding-top: 14px; vertical-align: top; }
mat-form-field mat-label, .mat-form-field mat-label { position: absolute; top: 0; left: 0; font-size: 12px; color: #616161; }
mat-select, .mat-select { display: block; border-bottom: 1px solid #9e9e9e; padding: 6px 0; min-height: 30px; cursor: pointer; }
mat-select .mat-select-placeholder { color: #9e9e9e; }
mat-select .mat-select-arrow::after { content: "▾"; float: right; color: #757575; }
input.mat-input-element, input[matinput] { display: block; width: 100%; border: 0; border-bottom: 1px solid #9e9e9e; padding: 6px 0; font: inherit; background: transparent; outline: none; }
.mat-chip-list { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; border-bottom: 1px solid #9e9e9e; padding: 4px 0; }
.mat-chip-list input { border: 0; flex: 1 1 120px; font: inherit; padding: 4px 0; outline: none; background: transparent; }
mat-chip, .mat-chip { display: inline-flex; align-items: center; gap: 4px; background: #e0e0e0; border-radius: 16px; padding: 2px 8px 2px 12px; }
mat-chip mat-icon[matchipremove] { cursor: pointer; }
mat-error, .mat-error { display: block; color: #c62828; font-size: 12px; margin-top: 4px; }
/* overlays */
.cdk-overlay-container { position: fixed; inset: 0; pointer-events: none; z-index: 1000; }
.cdk-overlay-container > * { pointer-events: auto; }
.cdk-overlay-backdrop { position: fixed; inset: 0; background: rgba(0,0,0,.32); }
.cdk-overlay-backdrop.transparent { background: transparent; }
.cdk-overlay-pane { position: absolute; background: #fff; box-shadow: 0 2px 8px rgba(0,0,0,.3); border-radius: 4px; }
.mat-select-panel, .mat-autocomplete-panel { max-height: 256px; overflow: auto; min-width: 280px; }
mat-option, .mat-option { display: block; padding: 0 16px; line-height: 40px; cursor: pointer; white-space: nowrap; }
mat-option:hover, mat-option.mat-active { background: #eeeeee; }
mat-dialog-container, .mat-dialog-container { position: fixed; top: 20%; left: 50%; transform: translateX(-50%); background: #fff; padding: 24px; border-radius: 4px; min-width: 360px; box-shadow: 0 11px 15px -7px rgba(0,0,0,.2), 0 24px 38px 3px rgba(0,0,0,.14); }
.mat-dialog-actions { display: flex; justify-content: flex-end; margin-top: 16px; gap: 8px; }
.mat-snack-bar-container { position: fixed; bottom: 24px; left: 50%; transform: translateX(-50%); background: #323232; color: #fff; padding: 14px 16px; border-radius: 4px; min-width: 320px; }
button.mat-button, button.mat-raised-button, button.mat-flat-button, button.mat-stroked-button { font: inherit; font-weight: 500; padding: 0 16px; line-height: 36px; border-radius: 4px; border: 0; cursor: pointer; background: transparent; color: #0d47a1; }
button.mat-raised-button, button.mat-flat-button { background: #0d47a1; color: #fff; }
button.mat-warn { background: #d32f2f !important; color: #fff !important; }
button[disabled] { opacity: .5; cursor: default; }
.mat-progress-spinner, mat-spinner { display: inline-block; width: 28px; height: 28px; border: 3px solid #bbdefb; border-top-color: #0d47a1; border-radius: 50%; animation: spin 1s linear infinite; vertical-align: middle; }
@keyframes spin { to { transform: rotate(360deg); } }
/* stepper */
.mat-horizontal-stepper-header-container { display: flex; align-items: center; background: #fff; padding: 8px 0; border-bottom: 1px solid #e0e0e0; }
mat-step-header { display: flex; align-items: center; gap: 8px; padding: 12px 16px; }
mat-step-header .mat-step-icon { width: 24px; height: 24px; border-radius: 50%; background: #9e9e9e; color: #fff; display: inline-flex; align-items: center; justify-content: center; font-size: 12px; }
mat-step-header[aria-selected="true"] .mat-step-icon, mat-step-header .mat-step-icon.mat-step-icon-state-done { background: #0d47a1; }
mat-step-header[aria-selected="true"] .mat-step-label { font-weight: 500; }
.mat-stepper-horizontal-line { flex: 1 1 auto; border-top: 1px solid #e0e0e0; min-width: 24px; }
.mat-horizontal-stepper-content { padding: 16px 24px; }
.mat-horizontal-stepper-content[aria-expanded="false"] { display: none; }
.step-actions { display: flex; gap: 12px; align-items: center; margin-top: 24px; }
mat-checkbox, .mat-checkbox { display: inline-flex; align-items: center; gap: 8px; cursor: pointer; }
mat-checkbox label { display: inline-flex; align-items: center; gap: 8px; cursor: pointer; }
.cdk-visually-hidden { border: 0; clip: rect(0 0 0 0); height: 1px; margin: -1px; overflow: hidden; padding: 0; position: absolute; width: 1px; white-space: nowrap; outline: 0; -webkit-appearance: none; }
.mat-checkbox-inner-container { display: inline-block; position: relative; width: 18px; height: 18px; border: 2px solid #616161; border-radius: 2px; }
mat-checkbox.mat-checkbox-checked .mat-checkbox-inner-container { background: #0d47a1; border-color: #0d47a1; }
mat-checkbox.mat-checkbox-checked .mat-checkbox-inner-container::after { content: "✓"; color: #fff; position: absolute; top: -3px; left: 2px; font-size: 13px; }
.step-loading { display: flex; align-items: center; gap: 12px; padding: 24px 0; }
.confirmation h3 { display: flex; align-items: center; gap: 8px; }
.unit-row { display: flex; align-items: center; gap: 16px; padding: 8px 0; border-bottom: 1px solid #eee; }
mat-button-toggle-group { display: inline-flex; border: 1px solid #bdbdbd; border-radius: 4px; overflow: hidden; }
mat-button-toggle button { border: 0; background: #fff; padding: 0 16px; line-height: 36px; cursor: pointer; font: inherit; }
mat-button-toggle.mat-button-toggle-checked button { background: #e0e0e0; font-weight: 500; }
.info-box { background: #e3f2fd; border-left: 4px solid #1565c0; padding: 10px 14px; margin: 12px 0; }
.summary { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0 16px; }
.summary .k { color: #757575; }
.confirmation-number { font-size: 22px; font-weight: 700; color: #1b5e20; }
/* calendar */
.mat-datepicker-content { padding: 8px; }
.mat-calendar { width: 296px; }
.mat-calendar-header { display: flex; align-items: center; justify-content: space-between; padding: 4px; }
.mat-calendar-table { width: 100%; border-collapse: collapse; }
.mat-calendar-table th { font-size: 11px; color: #757575; padding: 4px 0; }
.mat-calendar-body-cell { text-align: center; padding: 0; height: 36px; cursor: pointer; }
.mat-calendar-body-cell-content { display: inline-flex; width: 30px; height: 30px; align-items: center; justify-content: center; border-radius: 50%; }
.mat-calendar-body-cell:not(.mat-calendar-body-disabled):hover .mat-calendar-body-cell-content { background: #e3f2fd; }
.mat-calendar-body-disabled { color: #bdbdbd; cursor: default; }
.mat-calendar-body-selected { background: #0d47a1; color: #fff; }
/* my appointments */
table.appointments { border-collapse: collapse; width: 100%; background: #fff; }
table.appointments th, table.appointments td { text-align: left; padding: 10px 8px; border-bottom: 1px solid #eee; white-space: nowrap; }
.page-actions { display: flex; gap: 12px; align-items: center; margin-bottom: 12px; }
mat-icon[svgicon] svg { width: 24px; height: 24px; }
mat-icon.svg-xls-icon { width: 28px; height: 28px; cursor: pointer; }
`
