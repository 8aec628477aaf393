/**
 * The page runtime: the code the service runs inside the portal's pages, installed once per page
 * when its lease opens (a script of every new document, and once in the current one) and reached
 * through the page handle by name — `page.call("gridStatus", Containers, id)` — with this module's
 * `PageRuntime` type as the map from names to argument and result types. Page code cannot import
 * anything, which used to tempt copying helpers into each page function; here the helpers
 * (`./DomRuntime.ts`) exist once and every part receives them. Selectors and texts still come from
 * `PortalSelectors`, passed as data with each call.
 *
 * Each part is a factory whose source is spliced into the script: it must not close over anything
 * outside its own body (types are erased; imports of values would be missing in the page). The
 * runtime keeps per-document state (quiet windows, the export watch) in its closure, so a
 * navigation starts afresh, as the window properties it replaces did.
 */
import { appointmentListRuntime, type AppointmentListRuntime } from "./AppointmentListRuntime.ts"
import { domRuntime } from "./DomRuntime.ts"
import { gridRuntime, type GridRuntime } from "./GridRuntime.ts"
import { listRuntime, type ListRuntime } from "./ListRuntime.ts"
import { loginRuntime, type LoginRuntime } from "./LoginRuntime.ts"
import { sessionRuntime, type SessionRuntime } from "./SessionRuntime.ts"
import { wizardRuntime, type WizardRuntime } from "./WizardRuntime.ts"

/** Every function the service can call in a page, by name. */
export type PageRuntime = ListRuntime & GridRuntime & AppointmentListRuntime & SessionRuntime & LoginRuntime & WizardRuntime

declare global {
  interface Window {
    /** The installed page runtime (read-only, installed once per document). */
    readonly __emodalApi?: PageRuntime
  }
}

/** The parts, in the order they are spliced in; their names must not collide (see the test). */
export const RUNTIME_PARTS = {
  listRuntime,
  gridRuntime,
  appointmentListRuntime,
  sessionRuntime,
  loginRuntime,
  wizardRuntime
} as const

/**
 * A part's source as it is shipped: without its whole-line comments and indentation (every
 * document parses the script, iframes included). Only whole lines change — a line break is never
 * removed and no line's content is touched — so the code means exactly what it meant.
 */
const compact = (source: string): string =>
  source
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("//") && !(line.startsWith("/*") && line.endsWith("*/")) && !line.startsWith("* ") && line !== "*" && line !== "/**" && line !== "*/")
    .join("\n")

/** The script that installs the runtime in a document (a no-op where it is installed already). */
export const PAGE_RUNTIME_SOURCE = compact(`(() => {
  if (window.__emodalApi !== undefined) return;
  const dom = (${domRuntime.toString()})();
  const runtime = Object.assign({}, ${Object.values(RUNTIME_PARTS).map((part) => `(${part.toString()})(dom)`).join(", ")});
  Object.defineProperty(window, "__emodalApi", { value: Object.freeze(runtime), configurable: false, writable: false, enumerable: false });
})();`)
