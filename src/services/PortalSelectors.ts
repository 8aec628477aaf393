/**
 * Every fact about the portal's pages that the automation relies on — paths, CSS selectors, texts —
 * in one module, so a change on the real site is a one-file fix. Values come from the study of the
 * original system (SEED-SYSTEM.md §2.5, §2.6, §3); the bundled simulator implements the same
 * contract. Page functions receive these values as arguments (they run inside Chrome and cannot
 * import anything).
 */

export const Paths = {
  /** ecp2: redirects to the identity provider's login page. */
  login: "/login",
  /** ecp2: the app root ("Port Manager"). */
  ecp2Home: "/",
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
  playButton: ".rc-audiochallenge-play-button button, button.rc-audiochallenge-play-button, button[aria-label*=\"play\" i], button[title*=\"play\" i]",
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
  appRoot: "app-root, router-outlet, mat-sidenav-container, main",
  /** First-run and welcome prompts closed after login (§3.3), by button text. */
  promptButtonTexts: ["Got it", "Continue", "Proceed", "OK", "Close", "Dismiss"],
  promptContainers: "[role=\"dialog\"], mat-dialog-container, .cdk-overlay-pane, .modal"
} as const

export const Containers = {
  menuLink: "Containers",
  /** The ngx-infinite-scroll container (§3.4.1). */
  scrollBox: "div#searchres[matinfinitescroll], #searchres, [matinfinitescroll], .search-results",
  table: "table",
  headerCells: "thead th, thead td",
  bodyRows: "tbody tr:not(.expanded)",
  expandedRow: "tr.expanded",
  expandIconTexts: ["keyboard_arrow_right", "expand_more"],
  collapseIconTexts: ["keyboard_arrow_down", "expand_less"],
  /** Ligature words that leak into cell text and are removed (§3.4.1). */
  iconWords: ["keyboard_arrow_right", "keyboard_arrow_down", "info", "more_vert", "expand_more", "expand_less"],
  /** A container id as the grid prints it (with an optional L/E suffix). */
  idPattern: "[A-Z]{4}\\d{6,7}[A-Z]?",
  fieldLabel: "div.field-label",
  fieldData: "div.field-data",
  bookingLabel: "Booking #",
  bookingValue: "div.field-data.btn-link",
  notAvailable: "N/A",
  timeline: "app-containerflow, div.timeline-container",
  milestoneRow: "div[fxlayout=\"row\"]",
  milestoneLabel: "span.location-details-label",
  divider: "div.timeline-divider",
  dividerDone: "dividerflowcolor",
  dividerPending: "horizontalconflow",
  milestoneBox: "div.curr-loc-div",
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
  optionText: "mat-option span.mat-option-text, mat-option .mat-option-text, mat-option span",
  truckingLabel: "Trucking",
  terminalLabel: "Terminal",
  moveLabel: "Move",
  appointmentLabel: "Appointment",
  lineLabel: "Line",
  equipSizeLabel: "Equip Size",
  quantityLabel: "Quantity",
  containerInput: "input[formcontrolname=\"containerNumber\"], input[placeholder=\"Container number(s)\"]",
  bookingInput: "input[formcontrolname=\"bookingNumber\"]",
  chip: "mat-chip",
  chipRemove: "mat-icon[matchipremove]",
  quantityInput: "input[type=\"number\"]",
  unitCheckbox: "mat-checkbox",
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
  toggleGroup: "mat-button-toggle-group",
  toggle: "mat-button-toggle",
  toggleChecked: "mat-button-toggle-checked",
  nextButton: "button.text-next",
  nextText: "Next",
  submitText: "Submit",
  backText: "Back",
  slotSelect: "mat-select[formcontrolname=\"slot\"]",
  calendarIcon: "calendar_month",
  calendarCell: ".mat-calendar-body-cell:not(.mat-calendar-body-disabled)",
  confirmationNumber: ".confirmation-number",
  dialogContent: ".dialog-content, mat-dialog-content, [role=\"dialog\"]",
  closeButtonText: "CLOSE",
  bookingNotOpenText: "No open transactions for this booking number",
  snackBar: "mat-snack-bar-container, simple-snack-bar, .mat-snack-bar-container",
  spinner: "mat-spinner, mat-progress-spinner, mat-progress-bar, .loading-spinner",
  /** The seed's truck-plate wildcard (§1.4): pick the first plate. */
  plateWildcard: "ABC123"
} as const

export const MyAppointments = {
  checkbox: "input.mat-checkbox-input, mat-checkbox input[type=\"checkbox\"]",
  checkboxHost: "mat-checkbox",
  row: "tbody tr, mat-row",
  excelIcon: "mat-icon[svgicon=\"xls\"], mat-icon.svg-xls-icon, [mattooltip=\"Excel\"], button[aria-label=\"Excel\"]"
} as const
