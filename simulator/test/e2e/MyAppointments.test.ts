import { existsSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { Page } from "puppeteer"
import { Simulator } from "../../src/Simulator.ts"
import { Chromium, P } from "../utils/Chromium.ts"
import { loginByToken, pollUntil } from "../utils/PortalLogin.ts"
import { readSheetRows } from "../utils/Sheets.ts"
import { newAccount, testSimulatorLayer } from "../../src/TestSimulator.ts"
import { bookImport, waitStable } from "../utils/WizardDriver.ts"

const Env = Layer.mergeAll(Chromium.layer, testSimulatorLayer())

const rowIds = (page: Page) =>
  P(() => page.evaluate(() => [...document.querySelectorAll("table.appointments tbody tr")].map((r) => r.getAttribute("data-id"))))

/** Waits for a finished download (no .crdownload) in `dir` and reads it back with exceljs. */
const readDownload = (dir: string, name: string) =>
  Effect.gen(function*() {
    const file = join(dir, name)
    yield* pollUntil(
      Effect.sync(() => (existsSync(file) && !readdirSync(dir).some((f) => f.endsWith(".crdownload")) ? true : undefined))
    )
    return yield* readSheetRows(file, "Appointments")
  })

layer(Env, { excludeTestServices: true, timeout: "120 seconds" })("simulator My Appointments (Chromium)", (it) => {
  it.effect("a booking made in the wizard is listed first; window scroll loads more; its xlsx downloads", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page, downloadDir } = yield* (yield* Chromium).session
      const account = yield* newAccount("appt", { captchaMode: "token", containerCount: 40, appointmentCount: 40 })
      const username = account.username
      yield* loginByToken(page, sim, username, "pw")
      const confirmation = yield* bookImport(page, sim, account, account.samples.importNotPassedPregate!)

      yield* P(() => page.goto(`${sim.urls.truckerportal}/myappointments`))
      yield* P(() => page.waitForSelector("table.appointments tbody tr input.mat-checkbox-input"))
      yield* waitStable(page)
      const first = yield* rowIds(page)
      assert.strictEqual(first.length, 25, "one page of rows")
      assert.strictEqual(first[0], confirmation, "the new booking comes first")
      const firstRowText = yield* P(() => page.$eval("table.appointments tbody tr", (r) => (r as HTMLElement).innerText))
      assert.include(firstRowText, account.samples.importNotPassedPregate!)

      // More rows on window scroll, until every appointment of the account is listed.
      let count = first.length
      for (let previous = -1; count !== previous;) {
        previous = count
        // The browser fires "scroll" on its next frame; dispatching it too makes the load start now.
        yield* P(() =>
          page.evaluate(() => {
            window.scrollTo(0, document.body.scrollHeight)
            window.dispatchEvent(new Event("scroll"))
          })
        )
        yield* waitStable(page)
        count = (yield* rowIds(page)).length
      }
      const expected = yield* sim.appointments(username)
      assert.strictEqual(count, 41)
      assert.deepStrictEqual(yield* rowIds(page), expected.map((a) => a.confirmationNumber))

      // Select the booking's row: its checkbox and the header's mixed state.
      yield* P(() => page.evaluate(() => window.scrollTo(0, 0)))
      yield* P(() => page.click("table.appointments tbody tr:first-child mat-checkbox"))
      yield* P(() => page.waitForSelector("table.appointments tbody tr:first-child input.mat-checkbox-input[aria-checked='true']"))
      assert.strictEqual(yield* P(() => page.$eval("#select-all-input", (i) => i.getAttribute("aria-checked"))), "mixed")

      yield* P(() => page.click("mat-icon[svgicon=xls]"))
      const one = yield* readDownload(downloadDir, "MyAppointments.xlsx")
      assert.strictEqual(one.length, 2)
      assert.strictEqual(one[0]![0], "Appointment #")
      assert.strictEqual(one[1]![0], confirmation)
      assert.strictEqual(one[1]![1], expected[0]!.slot)
      assert.strictEqual(one[1]![6], account.samples.importNotPassedPregate)
    }))

  it.effect("select-all ticks every loaded row and the export holds them all; nothing selected → no download", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page, downloadDir } = yield* (yield* Chromium).session
      const { username } = yield* newAccount("apptall", { captchaMode: "token", containerCount: 5, appointmentCount: 12 })
      yield* loginByToken(page, sim, username, "pw")
      yield* P(() => page.goto(`${sim.urls.truckerportal}/myappointments`))
      yield* P(() => page.waitForSelector("table.appointments tbody tr"))
      yield* waitStable(page)

      yield* P(() => page.click("mat-icon[svgicon=xls]"))
      yield* P(() => page.waitForSelector(".mat-snack-bar-container", { visible: true }))
      assert.deepStrictEqual(readdirSync(downloadDir), [])

      yield* P(() => page.click("thead mat-checkbox"))
      yield* P(() => page.waitForSelector("#select-all-input[aria-checked='true']"))
      const states = yield* P(() =>
        page.$$eval("table.appointments tbody input.mat-checkbox-input", (i) => i.map((e) => e.getAttribute("aria-checked")))
      )
      assert.strictEqual(states.length, 12)
      assert.isTrue(states.every((s) => s === "true"))
      yield* P(() => page.click("mat-icon[svgicon=xls]"))
      const all = yield* readDownload(downloadDir, "MyAppointments.xlsx")
      assert.strictEqual(all.length, 13)
      const expected = yield* sim.appointments(username)
      assert.deepStrictEqual(all.slice(1).map((r) => r[0]), expected.map((a) => a.confirmationNumber))
    }))
})
