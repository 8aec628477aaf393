/**
 * check_appointments (import, phases 1-3) as a minimal puppeteer script on the simulator's wizard:
 * the three selects, the container chip, Next, the first unit, the PIN, the first truck plate,
 * Next, then the Appointment Time options read from the open select.
 */
import type { Page } from "puppeteer"
import { clickAt, goto, type Point, until } from "./Page.ts"

export interface CheckFields {
  readonly company: string
  readonly terminal: string
  readonly moveType: string
  readonly containerId: string
  readonly pin: string
}

/** The centre of the first `css` element inside step `n`'s content, once it is there. */
const inStep = (page: Page, n: number, css: string) =>
  until<Point>(page, (step: number, sel: string) => {
    const el = document.querySelector(`#step-content-${step}[aria-expanded="true"] ${sel}`)
    return el === null ? null : window.__minCenter(el)
  }, [n, css])

/** Opens the mat-select `control` of step 1 and clicks the option reading `text`. */
const select = async (page: Page, control: string, text: string) => {
  await clickAt(page, await inStep(page, 1, `mat-select[formcontrolname=${control}]`))
  await clickAt(page, await until<Point>(page, (t: string) => {
    const option = Array.from(document.querySelectorAll(".sim-overlay.select mat-option")).find((o) => (o.textContent ?? "").trim() === t)
    return option === undefined ? null : window.__minCenter(option)
  }, [text]))
  await until(page, (c: string, t: string) => (document.querySelector(`mat-select[formcontrolname=${c}] .mat-select-value`)?.textContent ?? "").trim() === t, [control, text])
}

/** Types into the focused input (one insertText) . */
const typeText = (page: Page, text: string) => page.keyboard.sendCharacter(text)

export const checkAppointments = async (page: Page, termops: string, f: CheckFields): Promise<ReadonlyArray<string>> => {
  await goto(page, `${termops}/trucker/web/addvisit`)
  await select(page, "truckingCompany", f.company)
  await select(page, "terminal", f.terminal)
  await select(page, "moveType", f.moveType)
  await clickAt(page, await inStep(page, 1, "input[formcontrolname=containerNumber]"))
  await typeText(page, f.containerId)
  await page.keyboard.press("Enter")
  await until(page, (id: string) => Array.from(document.querySelectorAll("mat-chip .mat-chip-text")).some((c) => c.textContent === id), [f.containerId])
  await clickAt(page, await inStep(page, 1, "button.text-next"))

  await clickAt(page, await inStep(page, 2, "mat-checkbox label.mat-checkbox-layout"))
  await until(page, () => document.querySelector("#step-content-2 input.mat-checkbox-input")?.getAttribute("aria-checked") === "true")
  await clickAt(page, await inStep(page, 2, "input[formcontrolname=Pin]"))
  await typeText(page, f.pin)
  await clickAt(page, await inStep(page, 2, "input[formcontrolname=Plate]"))
  await clickAt(page, await until<Point>(page, () => {
    const option = document.querySelector(".sim-overlay.autocomplete mat-option")
    return option === null ? null : window.__minCenter(option)
  }))
  await clickAt(page, await inStep(page, 2, "button.text-next"))

  await clickAt(page, await inStep(page, 3, "mat-select[formcontrolname=slot]"))
  return await until<Array<string>>(page, () => {
    const options = Array.from(document.querySelectorAll(".sim-overlay.select mat-option .mat-option-text")).map((o) => (o.textContent ?? "").trim())
    return options.length > 0 ? options : null
  })
}
