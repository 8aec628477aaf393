/**
 * Test-side driver of the simulated appointment wizard, written against the DOM contract the
 * product relies on (labels, formcontrolnames, mat-option spans, stepper aria attributes).
 */
import { assert } from "@effect/vitest"
import { Effect } from "effect"
import type { Page } from "puppeteer"
import type { SimulatorShape } from "../../src/Simulator.ts"
import type { AccountSnapshot } from "../../src/Snapshot.ts"
import { newAccount } from "../../src/TestSimulator.ts"
import { P } from "./Chromium.ts"
import { loginByToken } from "./PortalLogin.ts"

export const waitStable = (page: Page) =>
  P(() => page.waitForFunction(() => (window as any).getAllAngularTestabilities().every((t: any) => t.isStable())))

export const currentStep = (page: Page) =>
  P(() => page.$eval("mat-step-header[aria-selected='true']", (h) => Number(h.getAttribute("aria-posinset"))))

export const waitStep = (page: Page, n: number) =>
  P(() => page.waitForSelector(`mat-step-header[aria-posinset='${n}'][aria-selected='true']`))

/** The seed's mat-select-by-label: label → its form field's mat-select → the option's span. */
export const selectByLabel = (page: Page, label: string, option: string) =>
  Effect.gen(function*() {
    const select = yield* P(() =>
      page.waitForSelector(`::-p-xpath(//mat-label[contains(text(),'${label}')]/ancestor::mat-form-field//mat-select)`, { visible: true })
    )
    yield* P(() => select!.click())
    const item = yield* P(() =>
      page.waitForSelector(`::-p-xpath(//mat-option//span[@class='mat-option-text' and normalize-space(text())='${option}'])`, {
        visible: true
      })
    )
    yield* P(() => item!.click())
    yield* P(() => page.waitForFunction(() => document.querySelectorAll("mat-option").length === 0))
  })

export const optionTexts = (page: Page) =>
  P(() => page.$$eval("mat-option span.mat-option-text", (s) => s.map((e) => e.textContent ?? "")))

export const clickVisible = (page: Page, selector: string) =>
  Effect.gen(function*() {
    const el = yield* P(() => page.waitForSelector(selector, { visible: true }))
    yield* P(() => el!.click())
  })

export const clickNext = (page: Page, step: number) => clickVisible(page, `#step-content-${step} button.text-next`)

export const typeChip = (page: Page, control: string, value: string) =>
  Effect.gen(function*() {
    const input = yield* P(() => page.waitForSelector(`input[formcontrolname=${control}]`, { visible: true }))
    yield* P(() => input!.click())
    yield* P(() => input!.type(value))
    yield* P(() => page.keyboard.press("Enter"))
    // One wait for the chip with its text AND its remove icon (ISSUE-11 #15): asserting the icon
    // after waiting only for the text raced the page, which may render the icon later or drop
    // the chip again (an unknown booking). The page's default timeout is the deadline.
    const chip = yield* P(() =>
      page.waitForSelector(`::-p-xpath(//mat-chip[.//span[contains(text(),'${value}')]][.//mat-icon[@matchipremove]])`)
    )
    assert.isNotNull(chip, `the chip ${value} with its remove icon`)
  })

export const pickPlate = (page: Page, plate: string) =>
  Effect.gen(function*() {
    const input = yield* P(() => page.waitForSelector("input[formcontrolname=Plate]", { visible: true }))
    // The seed's wildcard: type a space, clear, the list stays open with every plate.
    yield* P(() => input!.type(" "))
    yield* P(() => page.waitForSelector(".mat-autocomplete-panel mat-option", { visible: true }))
    yield* P(() => input!.evaluate((i) => {
      ;(i as HTMLInputElement).value = ""
      i.dispatchEvent(new Event("input", { bubbles: true }))
    }))
    yield* P(() => page.waitForSelector(`::-p-xpath(//mat-option//span[contains(text(),'${plate}')])`, { visible: true }))
    yield* P(() => page.click(`::-p-xpath(//mat-option//span[contains(text(),'${plate}')])`))
    assert.strictEqual(yield* P(() => input!.evaluate((i) => (i as HTMLInputElement).value)), plate)
  })

export const checkFirstUnit = (page: Page) =>
  Effect.gen(function*() {
    yield* clickVisible(page, "#step-content-2 mat-checkbox")
    yield* P(() => page.waitForSelector("#step-content-2 input.mat-checkbox-input[aria-checked='true']"))
  })

export const toggleOwnChassis = (page: Page, value: "YES" | "NO") =>
  Effect.gen(function*() {
    yield* clickVisible(page, `::-p-xpath(//mat-button-toggle[.//span[text()='${value}']]//button)`)
    const state = yield* P(() =>
      page.$$eval("mat-button-toggle", (ts) =>
        ts.map((t) => ({
          value: t.textContent?.trim(),
          checked: t.classList.contains("mat-button-toggle-checked"),
          pressed: t.querySelector("button")?.getAttribute("aria-pressed")
        })))
    )
    assert.deepStrictEqual(state, [
      { value: "YES", checked: value === "YES", pressed: String(value === "YES") },
      { value: "NO", checked: value === "NO", pressed: String(value === "NO") }
    ])
  })

export const submitAndConfirm = (page: Page) =>
  Effect.gen(function*() {
    yield* clickVisible(page, "::-p-xpath(//button//span[contains(text(),'Submit')]/..)")
    yield* waitStep(page, 4)
    const confirmation = yield* P(() =>
      page.waitForSelector(".confirmation-number", { visible: true }).then((e) => e!.evaluate((x) => x.textContent ?? ""))
    )
    assert.match(confirmation, /^EM\d{8}$/)
    assert.strictEqual(
      yield* P(() => page.$eval("mat-step-header[aria-posinset='4'] .mat-step-text-label", (e) => e.textContent)),
      "Confirmation"
    )
    return confirmation
  })

/** A fresh account, logged in, on the wizard with its options loaded and the stepper at step 1. */
export const openWizard = (page: Page, sim: SimulatorShape) =>
  Effect.gen(function*() {
    const account = yield* newAccount("wiz", { captchaMode: "token", containerCount: 40 })
    const username = account.username
    yield* loginByToken(page, sim, username, "pw")
    yield* P(() => page.goto(`${sim.urls.termops}/trucker/web/addvisit`))
    yield* P(() => page.waitForSelector("mat-select[formcontrolname=truckingCompany]", { visible: true }))
    yield* waitStable(page)
    const labels = yield* P(() =>
      page.$$eval("mat-step-header", (hs) =>
        hs.map((h) => [h.getAttribute("aria-posinset"), h.getAttribute("aria-selected"), h.textContent?.replace(/^\d/, "").trim()]))
    )
    assert.deepStrictEqual(labels, [
      ["1", "true", "Add required data"],
      ["2", "false", "Add move details"],
      ["3", "false", "Choose appointment time"],
      ["4", "false", "Confirmation"]
    ])
    return { username, account }
  })

/** Books an import (standard form) through the UI; returns the confirmation number. */
export const bookImport = (page: Page, sim: SimulatorShape, account: AccountSnapshot, container: string) =>
  Effect.gen(function*() {
    const company = account.companies[0]!
    yield* P(() => page.goto(`${sim.urls.termops}/trucker/web/addvisit`))
    yield* P(() => page.waitForSelector("mat-select[formcontrolname=truckingCompany]", { visible: true }))
    yield* waitStable(page)
    yield* selectByLabel(page, "Trucking", company.name)
    yield* selectByLabel(page, "Terminal", "ITS Long Beach")
    yield* selectByLabel(page, "Move", "PICK FULL")
    yield* typeChip(page, "containerNumber", container)
    yield* clickNext(page, 1)
    yield* waitStep(page, 2)
    yield* waitStable(page)
    yield* checkFirstUnit(page)
    yield* P(() => page.type("input[formcontrolname=Pin]", "1111"))
    yield* pickPlate(page, company.plates[0]!)
    yield* clickNext(page, 2)
    yield* waitStep(page, 3)
    yield* waitStable(page)
    yield* clickVisible(page, "mat-select[formcontrolname=slot]")
    yield* P(() => page.waitForSelector("mat-option span.mat-option-text", { visible: true }))
    yield* P(() => page.click("mat-option"))
    return yield* submitAndConfirm(page)
  })
