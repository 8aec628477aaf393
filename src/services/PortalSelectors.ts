/**
 * Every fact about the portal's pages that the automation relies on — paths, CSS selectors, texts —
 * in one module, so a change on the real site is a one-file fix. Values come from the study of the
 * original system (SEED-SYSTEM.md §2.5, §2.6, §3); the bundled simulator implements the same
 * contract. Page functions receive these values as arguments (they run inside Chrome and cannot
 * import anything).
 */

/** Busy indicators while a list or a step loads (besides Angular's testability API). */
const SPINNER = "mat-spinner, mat-progress-spinner, mat-progress-bar, .loading-spinner"
/** Material snack bars: where the portal reports errors and refusals. */
const SNACK_BAR = "mat-snack-bar-container, simple-snack-bar, .mat-snack-bar-container"

export const Paths = {
  /** ecp2: redirects to the identity provider's login page. */
  login: "/login",
  /** ecp2: the containers grid (first choice; the seed also tried `/#/containers`, `/app/containers`). */
  containers: "/containers",
  /** termops: the page the keep-alive refresh visits (§2.6). */
  keepAlive: "/trucker/web/",
  /** termops: the appointment wizard (§3.7). */
  addVisit: "/trucker/web/addvisit",
  /** truckerportal: My Appointments (§3.5). */
  myAppointments: "/myappointments"
} as const

export const Login = {
  username: "input[name=\"Username\"]",
  password: "input[name=\"Password\"]",
  /** LOGIN, disabled until the captcha is solved (§3.2 step 5). */
  submit: "button[type=\"submit\"], button.btn[type=\"submit\"], [type=\"submit\"]",
  /** Any reCAPTCHA frame on the page; absent means no captcha. */
  recaptchaFrame: "iframe[src*=\"recaptcha\"]",
  anchorFrameUrl: "recaptcha/api2/anchor",
  challengeFrameUrl: "recaptcha/api2/bframe",
  anchorCheckbox: "#recaptcha-anchor",
  /** Holds `data-sitekey` and, on the real widget, `data-callback`. */
  siteKeyHolder: "[data-sitekey]",
  tokenField: "textarea#g-recaptcha-response, textarea[name=\"g-recaptcha-response\"]",
  audioButton: "#recaptcha-audio-button, button[id*=\"audio\"], button[aria-label*=\"audio\" i]",
  audioSource: "audio#audio-source, audio[src]",
  audioLink: "a.rc-audiochallenge-tdownload-link",
  audioResponse: "#audio-response, input[id*=\"audio\"], .rc-audiochallenge-response-field input",
  verifyButton: "#recaptcha-verify-button, button[id*=\"verify\"], .rc-audiochallenge-verify-button",
  /** Shown instead of an audio challenge when Google refuses audio ("automated queries"). */
  audioUnavailable: ".rc-doscaptcha-header, .rc-doscaptcha-body",
  audioError: ".rc-audiochallenge-error-message",
  /** Phrases of a rejected login (lower-cased). */
  invalidCredentialTexts: [
    "invalid username or password",
    "incorrect credentials",
    "invalid login",
    "wrong password",
    "user not found",
    "account locked"
  ],
  captchaRejectedTexts: ["recaptcha was invalid", "captcha is invalid", "captcha validation failed"],
  /** A geo-block answers 403 with a title like "403 - Forbidden: Access is denied." */
  forbiddenTitle: "403|forbidden|access denied"
} as const

export const Session = {
  /** The portal's 401 page text (§2.5, lower-cased). */
  unauthorizedTexts: [
    "you are either not logged in",
    "your session has expired",
    "please use your back button"
  ],
  /** Positive evidence of a logged-in app page (§2.6): the toolbar and the user button. */
  toolbar: "mat-toolbar",
  userButton: "button.user, button[class*=\"user\"]",
  /** First-run and welcome prompts closed after login (§3.3), by button text. */
  promptButtonTexts: ["Got it", "Continue", "Proceed", "OK", "Close", "Dismiss"],
  promptContainers: "[role=\"dialog\"], mat-dialog-container, .cdk-overlay-pane, .modal",
  /** The clickable elements of a prompt whose text is matched against `promptButtonTexts`. */
  promptButtons: "button, a, [role=button]"
} as const

export const Containers = {
  /** Menu entry that opens the grid when the direct URL does not (§3.3); matched on `a`/`button` text. */
  menuLink: "Containers",
  menuLinkElements: "a, button",
  /** The ngx-infinite-scroll container (§3.4.1). */
  scrollBox: "div#searchres[matinfinitescroll], #searchres, [matinfinitescroll], .search-results",
  table: "table",
  headerCells: "thead th, thead td",
  /** Sticky header cells overlay the top of the scroll box: screenshots crop below them. */
  stickyHeader: "thead, thead th, thead td",
  bodyRows: "tbody tr:not(.expanded)",
  /** A row's cells; the first one holds the container id. */
  cell: "td, th",
  expandedRow: "tr.expanded",
  /** Ligature icons (expand arrow); their text is never part of a cell's value. */
  icon: "mat-icon",
  expandIconTexts: ["keyboard_arrow_right", "expand_more"],
  collapseIconTexts: ["keyboard_arrow_down", "expand_less"],
  /** Ligature words that leak into cell text and are removed (§3.4.1). */
  iconWords: ["keyboard_arrow_right", "keyboard_arrow_down", "info", "more_vert", "expand_more", "expand_less"],
  /** The id without its suffix: `^(core)[A-Z]?$` on the first cell. */
  idCorePattern: "[A-Z]{4}\\d{6,7}",
  /** Busy indicators while a batch loads (besides Angular's testability API). */
  spinner: SPINNER,
  fieldLabel: "div.field-label",
  fieldData: "div.field-data",
  bookingLabel: "Booking #",
  bookingValue: "div.field-data.btn-link",
  notAvailable: "N/A",
  timeline: "app-containerflow, div.timeline-container",
  /** The timeline's own box (app-containerflow may be an inline wrapper as wide as the row). */
  timelineBox: "div.timeline-container",
  milestoneRow: "div[fxlayout=\"row\"]",
  milestoneLabel: "span.location-details-label",
  /** The date span also carries `p-top-5` (§3.4.8). */
  milestoneDate: "span.location-details-label.p-top-5",
  /** Rows of the timeline that are its collapse toggle, not milestones. */
  timelineToggleNames: ["arrow_drop_up", "arrow_drop_down"],
  divider: "div.timeline-divider",
  /** Exact class tokens (never substrings: `dividerflowcolor2` is not `dividerflowcolor`). */
  dividerDone: "dividerflowcolor",
  dividerPending: "horizontalconflow",
  pregateMilestone: "Pregate",
  /** Brightness below this (0-255) in the Pregate divider means passed (§3.4.9). */
  pregateBrightnessThreshold: 180
} as const

export const Wizard = {
  stepHeader: "mat-step-header",
  stepLabels: ["Add required data", "Add move details", "Choose appointment time", "Confirmation"],
  formField: "mat-form-field",
  label: "mat-label",
  select: "mat-select",
  option: "mat-option",
  /** The text part of an option (looked up inside it; the option itself when absent). */
  optionText: ".mat-option-text, .mdc-list-item__primary-text",
  truckingLabel: "Trucking",
  terminalLabel: "Terminal",
  moveLabel: "Move",
  appointmentLabel: "Appointment",
  lineLabel: "Line",
  equipSizeLabel: "Equip Size",
  quantityLabel: "Quantity",
  containerInput: "input[formcontrolname=\"containerNumber\"], input[placeholder=\"Container number(s)\"]",
  bookingInput: "input[formcontrolname=\"bookingNumber\"]",
  chipRemove: "mat-icon[matchipremove]",
  quantityInput: "input[type=\"number\"]",
  unitCheckbox: "mat-checkbox",
  /** The class a ticked mat-checkbox carries (when its input does not tell). */
  checkboxCheckedClass: "mat-checkbox-checked",
  checkboxInput: "input.mat-checkbox-input, input[type=\"checkbox\"]",
  pinInput: "input[formcontrolname=\"Pin\"]",
  plateInput: "input[formcontrolname=\"Plate\"]",
  unitInput: "input[formcontrolname=\"Unit\"]",
  sealInputs: [
    "input[formcontrolname=\"Seal1_Num\"]",
    "input[formcontrolname=\"Seal2_Num\"]",
    "input[formcontrolname=\"Seal3_Num\"]",
    "input[formcontrolname=\"Seal4_Num\"]"
  ],
  toggle: "mat-button-toggle",
  toggleChecked: "mat-button-toggle-checked",
  nextButton: "button.text-next",
  nextText: "Next",
  submitText: "Submit",
  slotSelect: "mat-select[formcontrolname=\"slot\"]",
  calendarIcon: "calendar_month",
  confirmationNumber: ".confirmation-number",
  closeButtonText: "CLOSE",
  bookingNotOpenText: "No open transactions for this booking number",
  snackBar: SNACK_BAR,
  spinner: SPINNER,
  /** The seed's truck-plate wildcard (§1.4): pick the first plate. */
  plateWildcard: "ABC123",
  /** The content of the step being shown; earlier steps stay in the DOM, hidden. */
  activeStep: ".mat-horizontal-stepper-content[aria-expanded=\"true\"]",
  /** The text a mat-select shows for its current value. */
  selectValue: ".mat-select-value, .mat-mdc-select-value",
  /** An open option list (mat-select panel or autocomplete panel), in the overlay. */
  optionPanel: ".mat-select-panel, .mat-autocomplete-panel, .mat-mdc-select-panel, .mat-mdc-autocomplete-panel",
  overlayBackdrop: ".cdk-overlay-backdrop",
  /** Material dialogs: the CLOSE popups and the booking dialog. */
  dialog: "mat-dialog-container, [role=\"dialog\"]",
  dialogText: ".dialog-content, mat-dialog-content, .mat-dialog-content",
  /** First-run prompts that may cover the wizard when it opens (never the business dialogs). */
  promptButtonTexts: ["Got it", "Continue", "Proceed", "OK", "Dismiss"],
  /** Field validation messages under the inputs of the current step. */
  fieldError: "mat-error",
  chipList: "mat-chip-list, mat-chip-grid, mat-form-field",
  chipText: "mat-chip, mat-chip-row",
  /** Fallbacks of the seed's locators (§3.7.5). */
  pinFallback: "input[matinput][placeholder*=\"PIN\"]",
  plateFallback: "input.mat-autocomplete-trigger",
  unitFallback: "input[matinput][uppercase][maxlength=\"11\"]",
  quantityFallback: "input[type=\"number\"][min=\"1\"]",
  /** Line / Equip Size autocompletes: the input right after the mat-label (§3.6). */
  autocompleteInput: "input[matinput], input.mat-input-element, input.mat-autocomplete-trigger",
  checkboxLabel: "label",
  toggleButton: "button",
  /** Any button (Submit, dialog buttons, the fallback for Next), matched by its text. */
  button: "button",
  /** Parts of a button whose text also counts as the button's label. */
  buttonTextPart: "span",
  /** The export date picker (§3.7.6): the toggle's ligature and the calendar it opens. */
  icon: "mat-icon",
  /** Any icon whose ligature contains this word, when none is exactly `calendarIcon`. */
  calendarIconWord: "calendar",
  calendar: "mat-calendar",
  calendarAnyCell: "td.mat-calendar-body-cell",
  calendarDisabledClass: "mat-calendar-body-disabled",
  calendarNext: ".mat-calendar-next-button",
  calendarPrevious: ".mat-calendar-previous-button",
  /** Text of the dialog the portal shows when a chosen slot was taken meanwhile. */
  slotTakenPattern: "no longer available|already (?:been )?(?:booked|taken)|not available"
} as const

export const MyAppointments = {
  /** The list (§3.5: a Material table on truckerportal); the first match wins. */
  list: "table.appointments, table.mat-table, mat-table, table",
  headerCells: "thead th, mat-header-row mat-header-cell",
  checkbox: "input.mat-checkbox-input, mat-checkbox input[type=\"checkbox\"]",
  checkboxHost: "mat-checkbox",
  /** The header's select-all checkbox (aria-checked true / false / mixed). */
  selectAll: "thead mat-checkbox, mat-header-row mat-checkbox, mat-checkbox.select-all",
  row: "tbody tr, mat-row",
  /** A row's cells, counted in header order to find the appointment # column. */
  cell: "td, mat-cell",
  /** Header of the column holding the appointment (confirmation) number, as a case-insensitive regex. */
  confirmationHeader: "appointment\\s*(#|no\\.?|number)|confirmation",
  /** Row attributes that may carry the appointment id. */
  rowIdAttributes: ["data-id", "data-appointment-id", "data-confirmation-number"],
  /** The seed's export icon candidates (§3.5) in its order of preference; the first visible match wins. */
  excelIcon: [
    "mat-icon[svgicon=\"xls\"]",
    "mat-icon.svg-xls-icon",
    "mat-icon[class*=\"xls\"]",
    "svg.xls",
    "button.excel mat-icon, button[aria-label=\"Excel\"] mat-icon",
    "[mattooltip=\"Excel\"]",
    "button[aria-label=\"Excel\"]"
  ],
  /** Busy indicators while a page of rows loads (besides Angular's testability API). */
  spinner: SPINNER,
  /** Where the portal reports a refused export ("Please select at least one appointment…"). */
  snackBar: SNACK_BAR,
  /** Page texts (lower-cased) that mean the account has no appointments, when no table is shown. */
  emptyTexts: ["no appointments", "no records found", "no data available"]
} as const
