/**
 * The page side of the login page (SEED-SYSTEM §3.2) on the page's own document: its fields and
 * LOGIN button, the reCAPTCHA widget's frames, site key and token callback, and the first-run
 * prompts closed after login. (The reCAPTCHA frames' own documents are driven from
 * `../portal/Login.ts`.) Part of the page runtime (`./PageRuntime.ts`): runs inside Chrome.
 */
import type { DomRuntime } from "./DomRuntime.ts"

/** Where first-run prompts are and which of their buttons close them. */
export type PromptButtons = {
  readonly containers: string
  readonly buttons: string
  /** Button texts, compared ignoring case. */
  readonly texts: ReadonlyArray<string>
}

export const loginRuntime = (dom: DomRuntime) => {
  /** Shown: laid out (offsetParent), or a fixed overlay. */
  const shown = (e: Element): boolean => (e as HTMLElement).offsetParent !== null || getComputedStyle(e).position === "fixed"

  const promptButton = (p: PromptButtons): Element | null => {
    for (const container of dom.all(document, p.containers)) {
      if (!shown(container)) continue
      for (const b of dom.all(container, p.buttons)) {
        const text = (b.textContent ?? "").trim().toLowerCase()
        if (p.texts.some((t) => text === t.toLowerCase()) && (b as HTMLElement).offsetParent !== null) return b
      }
    }
    return null
  }

  const submitEnabled = (selector: string): boolean => {
    const button = document.querySelector(selector) as HTMLButtonElement | null
    return button !== null && !button.disabled && button.getAttribute("aria-disabled") !== "true"
  }

  return {
    present(selector: string): boolean {
      return document.querySelector(selector) !== null
    },

    firstMatch(selector: string): Element | null {
      return document.querySelector(selector)
    },

    submitEnabled,

    /** An iframe whose src contains `part` is in the document. */
    frameAttached(part: string): boolean {
      return dom.all(document, "iframe").some((f) => (f as HTMLIFrameElement).src.includes(part))
    },

    /** After the checkbox click: solved (LOGIN enabled) or a visible challenge frame. */
    captchaReaction(submitSelector: string, challengeUrl: string): "solved" | "challenge" | null {
      const button = document.querySelector(submitSelector) as HTMLButtonElement | null
      if (button !== null && !button.disabled) return "solved"
      for (const f of dom.all(document, "iframe").filter((f) => (f as HTMLIFrameElement).src.includes(challengeUrl))) {
        const r = f.getBoundingClientRect()
        let hidden = false
        for (let el: Element | null = f; el !== null; el = el.parentElement) {
          const style = getComputedStyle(el)
          if (style.visibility === "hidden" || style.display === "none") hidden = true
        }
        if (!hidden && r.width > 10 && r.height > 10) return "challenge"
      }
      return null
    },

    siteKeyOf(holder: string, anchorUrl: string): string | null {
      const fromHolder = document.querySelector(holder)?.getAttribute("data-sitekey")
      if (fromHolder) return fromHolder
      const frame = dom.all(document, "iframe").find((f) => (f as HTMLIFrameElement).src.includes(anchorUrl)) as HTMLIFrameElement | undefined
      return frame === undefined ? null : new URL(frame.src).searchParams.get("k")
    },

    /** The token method: fill g-recaptcha-response and call the widget's callback, as the widget does. */
    applyToken(fieldSelector: string, holder: string, token: string): boolean {
      for (const field of dom.all(document, fieldSelector)) (field as HTMLTextAreaElement).value = token
      const name = document.querySelector(holder)?.getAttribute("data-callback")
      const callback: unknown = name ? Reflect.get(window, name) : undefined
      if (typeof callback !== "function") return false
      callback(token)
      return true
    },

    /** A visible button of a first-run/welcome prompt, by text. */
    promptButton,

    /** For waits: true once `promptButton` finds nothing (the prompt it clicked has closed). */
    promptsClosed(p: PromptButtons): boolean {
      return promptButton(p) === null
    }
  }
}

export type LoginRuntime = ReturnType<typeof loginRuntime>
