/**
 * The page runtime's shared helpers, written once: text normalisation, whether an element is
 * rendered or visible, whether the page is busy (Angular's testabilities and visible spinners),
 * the quiet window that tells an idle page from one between two requests, and labelled form
 * fields. They run inside Chrome, as part of the runtime script (`./PageRuntime.ts`): the factory
 * must not close over anything outside its body. The other runtime parts receive them as `dom`;
 * they are not callable from the service (they take elements).
 */

/** An Angular testability (`window.getAllAngularTestabilities`). */
interface Testability {
  isStable(): boolean
}

declare global {
  interface Window {
    getAllAngularTestabilities?: () => ReadonlyArray<Testability>
  }
}

export const domRuntime = () => {
  /** Since when each quiet window has been quiet (per document: a navigation starts afresh). */
  const quietSince = new Map<string, number>()

  /** Whitespace collapsed and trimmed. */
  const norm = (text: string | null | undefined): string => (text ?? "").replace(/\s+/g, " ").trim()

  /** The elements of `root` matching `css` ("" matches nothing). */
  const all = (root: ParentNode, css: string): Array<Element> => (css === "" ? [] : Array.from(root.querySelectorAll(css)))

  /** Has a layout box (display:none, detached and hidden-by-ancestor elements have none). */
  const rendered = (e: Element | null | undefined): e is Element => e !== null && e !== undefined && e.getClientRects().length > 0

  /** Rendered and not hidden by its own style. */
  const visible = (e: Element | null | undefined): e is Element => {
    if (!rendered(e)) return false
    const style = getComputedStyle(e)
    return style.visibility !== "hidden" && style.display !== "none"
  }

  /** Angular has work pending (a request, a timer); false without the testability API. */
  const angularBusy = (): boolean => {
    try {
      const testabilities = window.getAllAngularTestabilities
      return typeof testabilities === "function" && !testabilities().every((t) => t.isStable())
    } catch {
      return false
    }
  }

  /** Angular busy, or a `spinner` element rendered. */
  const busy = (spinner: string): boolean => angularBusy() || all(document, spinner).some(rendered)

  /**
   * The quiet window `key`: true once the page has not been busy for `quietMs` in a row (each call
   * reports `isBusy`; a busy report starts the window again).
   */
  const quietFor = (key: string, isBusy: boolean, quietMs: number): boolean => {
    const now = performance.now()
    if (isBusy) {
      quietSince.delete(key)
      return false
    }
    const since = quietSince.get(key)
    if (since === undefined) {
      quietSince.set(key, now)
      return false
    }
    return now - since >= quietMs
  }

  /** Forgets quiet windows, so the next wait starts its own. */
  const resetQuiet = (keys: ReadonlyArray<string>): boolean => {
    for (const key of keys) quietSince.delete(key)
    return true
  }

  /**
   * The first visible `css` element inside the form field (`fieldCss`) whose label (`labelCss`)
   * reads `label`: an exact label first ("Line" must not pick "Deadline"), then one containing it.
   */
  const labelledField = (root: ParentNode, fieldCss: string, labelCss: string, label: string, css: string): Element | null => {
    const want = label.toLowerCase()
    const fields = all(root, fieldCss)
    const labelOf = (f: Element) => norm(f.querySelector(labelCss)?.textContent).toLowerCase()
    for (const pass of [(l: string) => l === want, (l: string) => l.includes(want)]) {
      for (const f of fields) {
        if (!pass(labelOf(f))) continue
        const hit = all(f, css).find(visible)
        if (hit !== undefined) return hit
      }
    }
    return null
  }

  /** The page's text, lower-cased (for the portal's 401 and empty-list sentences). */
  const pageText = (): string => (document.body?.innerText ?? "").toLowerCase()

  /** Marks the overlays (`css`) shown now, so that only a later one counts as new. */
  const markSeen = (css: string): void => {
    for (const e of all(document, css)) e.setAttribute("data-emodal-api-seen", "1")
  }

  const seen = (e: Element): boolean => e.hasAttribute("data-emodal-api-seen")

  return { norm, all, rendered, visible, angularBusy, busy, quietFor, resetQuiet, labelledField, pageText, markSeen, seen }
}

export type DomRuntime = ReturnType<typeof domRuntime>
