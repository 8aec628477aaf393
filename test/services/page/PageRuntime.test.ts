import { assert, describe, it } from "@effect/vitest"
import { runInContext, createContext } from "node:vm"
import type { ListRows } from "../../../src/services/page/ListRuntime.ts"
import { PAGE_RUNTIME_SOURCE, type PageRuntime, RUNTIME_PARTS } from "../../../src/services/page/PageRuntime.ts"
import { domRuntime } from "../../../src/services/page/DomRuntime.ts"
import type { Target, Want } from "../../../src/services/page/WizardRuntime.ts"
import { Containers, MyAppointments, Session, Wizard } from "../../../src/services/PortalSelectors.ts"
import { SESSION_MARKERS } from "../../../src/services/portal/PageState.ts"

/**
 * A document with nothing in it, as a vm context: what the runtime script meets in a bare page. A
 * runtime part that closes over anything outside its own body (a module constant, an import)
 * throws a ReferenceError here, as it would in Chrome.
 */
const bareDocument = (clock: { now: number }) => {
  const nothing = { querySelector: () => null, querySelectorAll: () => [] }
  const document = { ...nothing, readyState: "complete", title: "", body: null, documentElement: { scrollHeight: 0 } }
  const window: Record<string, unknown> = { document, innerWidth: 1280, innerHeight: 900, scrollTo: () => undefined, dispatchEvent: () => true }
  const context = createContext({
    window,
    document,
    location: { host: "portal.test", pathname: "/", protocol: "https:", origin: "https://portal.test" },
    performance: { now: () => clock.now },
    Event: class {},
    URL,
    getComputedStyle: () => ({ visibility: "visible", display: "block", position: "static" }),
    HTMLInputElement: class {}
  })
  runInContext(PAGE_RUNTIME_SOURCE, context)
  return window.__emodalApi as PageRuntime
}

const LIST: ListRows = { root: Containers.scrollBox, table: Containers.table, rows: Containers.bodyRows, rowHas: null, spinner: Containers.spinner, quietKey: "k" }
const PROMPTS = { containers: Session.promptContainers, buttons: Session.promptButtons, texts: Session.promptButtonTexts }

/** One call of every runtime function (the compiler insists on an entry for each). */
const CALLS: { readonly [K in keyof PageRuntime]: Parameters<PageRuntime[K]> } = {
  awaitGrowth: [LIST, 0, 750],
  scrollBoxToEnd: [Containers.scrollBox, "k"],
  scrollWindowToEnd: ["k"],
  resetQuiet: [["k"]],
  gridStatus: [Containers, "MSDU5772413"],
  gridReady: [Containers, 750, "k"],
  readGrid: [Containers],
  rowIcon: [Containers, "MSDU5772413", Containers.expandIconTexts],
  rowState: [Containers, "MSDU5772413", ""],
  readDetail: [Containers, "MSDU5772413"],
  frameForCapture: [Containers, "MSDU5772413", "pregate-divider", 0],
  menuLink: [Containers.menuLinkElements, Containers.menuLink],
  listReady: [MyAppointments, 750],
  appointmentRows: [MyAppointments],
  rowCheckbox: [MyAppointments, 0, "host"],
  selectAllState: [MyAppointments],
  selectAllHost: [MyAppointments],
  selectionIs: [MyAppointments, [0]],
  excelIcon: [MyAppointments],
  armExportWatch: [MyAppointments],
  exportProblem: [MyAppointments],
  pageFacts: [SESSION_MARKERS],
  settledVerdict: [SESSION_MARKERS, ["portal.test"], "identity.test"],
  loginOutcome: [SESSION_MARKERS, ["portal.test"], ["invalid"], ["captcha"]],
  present: ["#x"],
  firstMatch: ["#x"],
  submitEnabled: ["#x"],
  frameAttached: ["recaptcha"],
  captchaReaction: ["#x", "recaptcha"],
  siteKeyOf: ["[data-sitekey]", "recaptcha"],
  applyToken: ["textarea", "[data-sitekey]", "token"],
  promptButton: [PROMPTS],
  promptsClosed: [PROMPTS],
  wizardFind: [Wizard, { k: "backdrop" }],
  wizardExists: [Wizard, { k: "checkbox" }],
  wizardCheckbox: [Wizard],
  wizardToggles: [Wizard],
  wizardCalendar: [Wizard],
  wizardSnapshot: [Wizard, Session.unauthorizedTexts],
  wizardProbe: [Wizard, Session.unauthorizedTexts, { k: "now" }],
  wizardMarkSeen: [Wizard],
  wizardSetMarker: ["token"]
}

const TARGETS: ReadonlyArray<Target> = [
  { k: "select", label: "Terminal", css: "" },
  { k: "option", index: 0 },
  { k: "input", css: Wizard.plateInput, label: "Quantity", labelCss: "input", fallback: Wizard.plateFallback },
  { k: "chipRemove", css: Wizard.containerInput },
  { k: "button", text: "Next", css: Wizard.nextButton },
  { k: "checkbox" },
  { k: "toggle", value: "YES" },
  { k: "calendarToggle" },
  { k: "calendarCell", date: "10/24/2025" },
  { k: "calendarNav", next: true },
  { k: "backdrop" },
  { k: "dialogButton", texts: ["CLOSE"] }
]

const WANTS: ReadonlyArray<Want> = [
  { k: "now" },
  { k: "settled" },
  { k: "ready", step: 1 },
  { k: "options" },
  { k: "closed" },
  { k: "noDialog" },
  { k: "calendar" },
  { k: "calendarView", not: "" },
  { k: "chip", css: Wizard.containerInput, value: "MSDU5772413" },
  { k: "anyOf", targets: TARGETS },
  { k: "next", from: 1 },
  { k: "submit" },
  { k: "value", t: TARGETS[2]!, value: "x" },
  { k: "checked" },
  { k: "toggle", value: "YES" }
]

describe("page runtime", () => {
  it("its parts' function names do not collide", () => {
    const dom = domRuntime()
    const names = Object.values(RUNTIME_PARTS).flatMap((part) => Object.keys(part(dom)))
    assert.strictEqual(new Set(names).size, names.length)
    assert.sameMembers(names, Object.keys(CALLS))
  })

  it("installs once in a bare document, read-only, and every function runs there (nothing outside its own source)", () => {
    const clock = { now: 0 }
    const runtime = bareDocument(clock)
    for (const [name, args] of Object.entries(CALLS)) {
      const f = runtime[name as keyof PageRuntime] as (...a: ReadonlyArray<unknown>) => unknown
      assert.doesNotThrow(() => f(...args), undefined, undefined, name)
    }
    for (const t of TARGETS) assert.isNull(runtime.wizardFind(Wizard, t), t.k)
    for (const want of WANTS) assert.doesNotThrow(() => runtime.wizardProbe(Wizard, Session.unauthorizedTexts, want), undefined, undefined, want.k)
    assert.isTrue(Object.isFrozen(runtime))
  })

  it("a list with no rows is settled only after the page stayed quiet for the quiet window", () => {
    const clock = { now: 1_000 }
    const runtime = bareDocument(clock)
    assert.isNull(runtime.listReady(MyAppointments, 750))
    clock.now += 700
    assert.isNull(runtime.listReady(MyAppointments, 750))
    clock.now += 100
    assert.deepStrictEqual(runtime.listReady(MyAppointments, 750), { state: "absent", rows: 0 })
    assert.isNull(runtime.gridReady(Containers, 750, "grid"), "each quiet window is its own")
    assert.isTrue(runtime.resetQuiet(["appointments:ready"]))
    assert.isNull(runtime.listReady(MyAppointments, 750), "a reset window starts again")
  })
})
