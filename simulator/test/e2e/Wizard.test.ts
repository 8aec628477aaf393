import { assert, layer } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { Simulator } from "../../src/Simulator.ts"
import { Chromium, P } from "../utils/Chromium.ts"
import { pollUntil } from "../utils/PortalLogin.ts"
import { SLOT_FORMAT, testSimulatorLayer } from "../../src/TestSimulator.ts"
import {
  checkFirstUnit,
  clickNext,
  clickVisible,
  currentStep,
  openWizard,
  optionTexts,
  pickPlate,
  selectByLabel,
  submitAndConfirm,
  toggleOwnChassis,
  typeChip,
  waitStable,
  waitStep
} from "../utils/WizardDriver.ts"

const Env = Layer.mergeAll(Chromium.layer, testSimulatorLayer())

/** How far ahead the export test looks in the calendar for a date with open slots. */
const MAX_CALENDAR_MONTHS = 24

layer(Env, { excludeTestServices: true, timeout: "120 seconds" })("simulator appointment wizard (Chromium)", (it) => {
  it.effect("import: walks the four steps to Confirmation; the booked slot is gone", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      const { username, account } = yield* openWizard(page, sim)
      const company = account.companies[0]!

      yield* selectByLabel(page, "Trucking", company.name)
      yield* selectByLabel(page, "Terminal", "ITS Long Beach")
      yield* P(() => page.click("::-p-xpath(//mat-label[contains(text(),'Move')]/ancestor::mat-form-field//mat-select)"))
      assert.deepStrictEqual(yield* optionTexts(page), ["DROP EMPTY", "DROP FULL", "PICK FULL", "PICK EMPTY"])
      yield* P(() => page.click("::-p-xpath(//mat-option//span[normalize-space(text())='PICK FULL'])"))
      const placeholder = yield* P(() =>
        page.waitForSelector("input[formcontrolname=containerNumber]", { visible: true }).then((e) => e!.evaluate((i) => i.getAttribute("placeholder")))
      )
      assert.strictEqual(placeholder, "Container number(s)")
      assert.isNull(yield* P(() => page.$("input[formcontrolname=bookingNumber]")))
      yield* typeChip(page, "containerNumber", account.samples.importPassedPregate!)
      yield* P(() => page.click("body"))

      yield* clickNext(page, 1)
      yield* waitStep(page, 2)
      yield* waitStable(page)
      yield* checkFirstUnit(page)
      yield* P(() => page.type("input[formcontrolname=Pin]", "1111"))
      yield* pickPlate(page, company.plates[1]!)
      yield* toggleOwnChassis(page, "YES")
      yield* toggleOwnChassis(page, "NO")
      yield* clickNext(page, 2)
      yield* waitStep(page, 3)
      yield* waitStable(page)

      const select = "::-p-xpath(//mat-label[contains(text(),'Appointment')]/ancestor::mat-form-field//mat-select[@formcontrolname='slot'])"
      yield* clickVisible(page, select)
      yield* P(() => page.waitForSelector("mat-option span.mat-option-text", { visible: true }))
      const slots = yield* optionTexts(page)
      assert.isAbove(slots.length, 0)
      for (const s of slots) assert.match(s, SLOT_FORMAT)
      yield* P(() => page.click(`::-p-xpath(//mat-option//span[normalize-space(text())='${slots[0]}'])`))
      const checkIn = yield* P(() => page.$eval(".check-in", (e) => e.textContent ?? ""))
      assert.match(checkIn, /^Check-In for this visit should be completed by \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/)
      const summary = yield* P(() => page.$eval("#step-content-3 .summary", (e) => (e as HTMLElement).innerText))
      assert.include(summary, company.name)
      assert.include(summary, company.plates[1]!)
      const submitColor = yield* P(() =>
        page.$eval("::-p-xpath(//button//span[contains(text(),'Submit')]/..)", (b) => getComputedStyle(b).backgroundColor)
      )
      assert.strictEqual(submitColor, "rgb(211, 47, 47)")

      const confirmation = yield* submitAndConfirm(page)
      const booked = (yield* sim.appointments(username))[0]!
      assert.strictEqual(booked.confirmationNumber, confirmation)
      assert.strictEqual(booked.slot, slots[0])
      assert.deepStrictEqual(booked.containers, [account.samples.importPassedPregate!])
      assert.strictEqual(booked.tradeType, "IMPORT")
      assert.strictEqual(booked.truckPlate, company.plates[1])

      // The slot is finite: asking for slots again no longer offers it.
      const again = yield* P(() =>
        page.evaluate(async (body) => {
          const r = await fetch("/trucker/web/api/visit/step2", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body)
          })
          return (await r.json()) as { slots: Array<{ label: string }> }
        }, {
          company: company.name,
          terminal: "ITS Long Beach",
          moveType: "PICK FULL",
          containers: [account.samples.importPassedPregate],
          units: [account.samples.importPassedPregate],
          plate: company.plates[1],
          pin: "1111",
          ownChassis: "NO"
        })
      )
      assert.isFalse(again.slots.some((s) => s.label === slots[0]))
      assert.strictEqual(again.slots.length, slots.length - 1)
    }))

  it.effect("export: unknown booking dialog, booking + quantity, unit and seals, calendar date, Confirmation", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      const { username, account } = yield* openWizard(page, sim)
      const company = account.companies[1]!
      yield* selectByLabel(page, "Trucking", company.name)
      yield* selectByLabel(page, "Terminal", "TraPac LLC - Los Angeles")
      yield* selectByLabel(page, "Move", "DROP FULL")

      // An unknown booking: the dialog, closed through its CLOSE button.
      yield* typeChip(page, "bookingNumber", "NOSUCH000000")
      yield* P(() => page.waitForSelector(".dialog-content", { visible: true }))
      assert.include(
        yield* P(() => page.$eval(".dialog-content", (e) => e.textContent ?? "")),
        "No open transactions for this booking number."
      )
      yield* clickVisible(page, "::-p-xpath(//span[@class='mat-button-wrapper' and text()='CLOSE'])")
      yield* P(() => page.waitForFunction(() => document.querySelector(".dialog-content") === null))
      yield* P(() => page.waitForFunction(() => document.querySelectorAll("mat-chip").length === 0))

      const booking = account.samples.exportWithBookingNumber!
      yield* typeChip(page, "bookingNumber", booking)
      const quantity = yield* P(() =>
        page.waitForSelector("::-p-xpath(//mat-label[contains(text(),'Quantity')]/ancestor::mat-form-field//input[@type='number'])", { visible: true })
      )
      assert.strictEqual(yield* P(() => quantity!.evaluate((e) => e.getAttribute("min"))), "1")
      yield* P(() => quantity!.click())
      yield* P(() => quantity!.type("1"))
      yield* clickNext(page, 1)
      yield* waitStep(page, 2)
      yield* waitStable(page)

      yield* checkFirstUnit(page)
      assert.isNull(yield* P(() => page.$("#step-content-2 input[formcontrolname=Pin]")))
      yield* P(() => page.type("input[formcontrolname=Unit]", "1"))
      for (const i of [1, 2, 3, 4]) yield* P(() => page.type(`input[formcontrolname=Seal${i}_Num]`, "1"))
      yield* pickPlate(page, company.plates[0]!)
      yield* toggleOwnChassis(page, "YES")
      yield* clickNext(page, 2)
      yield* waitStep(page, 3)
      yield* waitStable(page)

      // The calendar: enabled cells are the dates with open slots.
      yield* clickVisible(page, "::-p-xpath(//mat-icon[text()='calendar_month'])")
      yield* P(() => page.waitForSelector("mat-calendar", { visible: true }))
      // Forward month by month (each click waits for the next month's view) to the first open date.
      const monthLabel = P(() => page.$eval(".mat-calendar-period-button", (b) => b.textContent?.trim() ?? ""))
      let enabled = yield* P(() => page.$$("td.mat-calendar-body-cell[aria-disabled='false']"))
      for (let months = 0; enabled.length === 0; months++) {
        if (months === MAX_CALENDAR_MONTHS) assert.fail(`no date with open slots in ${MAX_CALENDAR_MONTHS} months of the calendar`)
        const shown = yield* monthLabel
        yield* P(() => page.click(".mat-calendar-next-button"))
        yield* P(() =>
          page.waitForFunction((before) => document.querySelector(".mat-calendar-period-button")?.textContent?.trim() !== before, {}, shown)
        )
        enabled = yield* P(() => page.$$("td.mat-calendar-body-cell[aria-disabled='false']"))
      }
      assert.isAbove(yield* P(() => page.$$eval("td.mat-calendar-body-disabled", (d) => d.length)), 0)
      const label = yield* P(() => enabled[0]!.evaluate((td) => td.getAttribute("aria-label") ?? ""))
      yield* P(() => enabled[0]!.click())
      const date = yield* P(() => page.$eval("input[formcontrolname=appointmentDate]", (i) => (i as HTMLInputElement).value))
      assert.match(date, /^\d{2}\/\d{2}\/\d{4}$/)
      assert.strictEqual(new Date(label).getDate(), Number(date.slice(3, 5)))

      yield* clickVisible(page, "mat-select[formcontrolname=slot]")
      yield* P(() => page.waitForSelector("mat-option span.mat-option-text", { visible: true }))
      const slots = yield* optionTexts(page)
      assert.isAbove(slots.length, 0)
      for (const s of slots) {
        assert.match(s, SLOT_FORMAT)
        assert.include(s, date)
      }
      yield* P(() => page.click(`::-p-xpath(//mat-option//span[normalize-space(text())='${slots[0]}'])`))
      const confirmation = yield* submitAndConfirm(page)
      const booked = (yield* sim.appointments(username))[0]!
      assert.strictEqual(booked.confirmationNumber, confirmation)
      assert.strictEqual(booked.tradeType, "EXPORT")
      assert.strictEqual(booked.booking, booking)
      assert.isTrue(booked.ownChassis)
      assert.deepStrictEqual(booked.seals, ["1", "1", "1", "1"])
    }))

  it.effect("alternative import form (TraPac + DROP EMPTY): Line / Equip Size autocompletes and Quantity", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      const { account } = yield* openWizard(page, sim)
      yield* selectByLabel(page, "Trucking", account.companies[0]!.name)
      yield* selectByLabel(page, "Terminal", "TraPac LLC - Los Angeles")
      yield* selectByLabel(page, "Move", "DROP EMPTY")
      const line = yield* P(() =>
        page.waitForSelector("::-p-xpath(//mat-label[contains(text(),'Line')]/following-sibling::input[@matinput])", { visible: true })
      )
      assert.isNull(yield* P(() => page.$("input[formcontrolname=containerNumber]")))
      yield* P(() => line!.click())
      yield* P(() => page.waitForSelector(".mat-autocomplete-panel mat-option", { visible: true }))
      assert.deepStrictEqual(yield* optionTexts(page), ["MSCU", "HDMU", "ONEY", "CMDU", "YMJA", "EGLV"])
      yield* P(() => page.click("::-p-xpath(//mat-option//span[text()='ONEY'])"))
      const size = yield* P(() =>
        page.waitForSelector("::-p-xpath(//mat-label[contains(text(),'Equip Size')]/following-sibling::input[@matinput])")
      )
      yield* P(() => size!.click())
      yield* P(() => page.waitForSelector(".mat-autocomplete-panel mat-option", { visible: true }))
      assert.deepStrictEqual(yield* optionTexts(page), ["20GP", "40DH", "40RH"])
      yield* P(() => page.click("::-p-xpath(//mat-option//span[text()='40DH'])"))
      yield* P(() => page.click("body"))
      yield* P(() => page.type("input[type=number][min='1']", "2"))
      yield* clickNext(page, 1)
      yield* waitStep(page, 2)
      const units = yield* P(() => page.$$eval("#step-content-2 mat-checkbox", (c) => c.map((e) => e.textContent?.trim())))
      assert.deepStrictEqual(units, ["ONEY 40DH - unit 1", "ONEY 40DH - unit 2"])
    }))

  it.effect("faults: HTTP 500 on Next shows a snack bar and stays; a step that never becomes ready; slots exhausted", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      yield* Effect.gen(function*() {
        const { page } = yield* (yield* Chromium).session
        const { account } = yield* openWizard(page, sim)
        yield* selectByLabel(page, "Trucking", account.companies[0]!.name)
        yield* selectByLabel(page, "Terminal", "ITS Long Beach")
        yield* selectByLabel(page, "Move", "PICK FULL")
        yield* typeChip(page, "containerNumber", account.samples.importNotPassedPregate!)

        yield* sim.setFaults({ wizardStep500: 1 })
        yield* clickNext(page, 1).pipe(Effect.andThen(P(() => page.waitForSelector(".mat-snack-bar-container", { visible: true }))))
        yield* waitStable(page)
        assert.strictEqual(yield* currentStep(page), 1)

        yield* sim.setFaults({ wizardStep500: null, slotsExhausted: true })
        yield* clickNext(page, 1)
        yield* waitStep(page, 2)
        yield* waitStable(page)
        yield* checkFirstUnit(page)
        yield* P(() => page.type("input[formcontrolname=Pin]", "1111"))
        yield* pickPlate(page, account.companies[0]!.plates[0]!)
        yield* clickNext(page, 2)
        yield* waitStep(page, 3)
        yield* P(() => page.waitForSelector(".no-slots", { visible: true }))
        yield* clickVisible(page, "mat-select[formcontrolname=slot]")
        // The panel is open (not merely never opened), and it offers nothing.
        yield* P(() => page.waitForSelector("mat-select[formcontrolname=slot][aria-expanded='true']"))
        yield* P(() => page.waitForSelector(".mat-select-panel[role=listbox]"))
        assert.deepStrictEqual(yield* optionTexts(page), [])
        yield* P(() => page.click("body"))

        // Back to step 2, then a step 3 that never becomes ready: selected, spinner, never stable.
        yield* sim.setFaults({ slotsExhausted: false, wizardStepNeverReady: 3 })
        yield* clickVisible(page, "#step-content-3 button.text-back")
        yield* waitStep(page, 2)
        yield* clickNext(page, 2)
        yield* waitStep(page, 3)
        yield* P(() => page.waitForSelector("#step-content-3 .step-loading mat-spinner"))
        assert.isFalse(yield* P(() => page.evaluate(() => (window as any).getAllAngularTestabilities()[0].isStable())))
        assert.isNull(yield* P(() => page.$("#step-content-3 mat-select[formcontrolname=slot]")))
      }).pipe(Effect.ensuring(sim.resetFaults()))
    }))

  // ISSUE-11 #15: the test driver used to assert the remove icon right after the chip's text
  // appeared. A page whose icon renders a moment after the text proves the driver waits for it.
  it.effect("typeChip waits for the chip's remove icon when it renders after the chip's text", () =>
    Effect.gen(function*() {
      const { page } = yield* (yield* Chromium).session
      yield* P(() =>
        page.setContent(`<input formcontrolname="containerNumber"><script>
          var input = document.querySelector("input");
          input.addEventListener("keydown", function (e) {
            if (e.key !== "Enter") return;
            var chip = document.createElement("mat-chip");
            chip.innerHTML = '<span class="mat-chip-text">' + input.value + '</span>';
            input.value = "";
            input.before(chip);
            setTimeout(function () { chip.insertAdjacentHTML("beforeend", '<mat-icon matchipremove="">cancel</mat-icon>'); }, 300);
          });
        </script>`)
      )
      yield* typeChip(page, "containerNumber", "MSCU1234567")
      assert.deepStrictEqual(
        yield* P(() => page.$$eval("mat-chip", (cs) => cs.map((c) => [c.querySelector("span")?.textContent, c.querySelector("mat-icon[matchipremove]") !== null]))),
        [["MSCU1234567", true]]
      )
    }))

  it.effect("holdSubmitAnswer: Submit books at once and holds its answer until the switch goes off", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator
      const { page } = yield* (yield* Chromium).session
      const { username, account } = yield* openWizard(page, sim)
      const company = account.companies[0]!
      const form = {
        company: company.name,
        terminal: "ITS Long Beach",
        moveType: "PICK FULL",
        containers: [account.samples.importPassedPregate],
        units: [account.samples.importPassedPregate],
        plate: company.plates[0],
        pin: "1111",
        ownChassis: "NO"
      }
      // The server re-validates the whole form at every call: the API is driven directly.
      const call = (path: string, body: unknown) =>
        P(() =>
          page.evaluate(async (path, body) => {
            const r = await fetch(`/trucker/web/api/visit/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
            return { status: r.status, body: await r.json() as any }
          }, path, body))
      const slots = (yield* call("step2", form)).body.slots as Array<{ id: string; label: string }>
      yield* Effect.orDie(sim.setFaults({ holdSubmitAnswer: true }))
      const answer = yield* call("submit", { ...form, slot: slots[0]!.id }).pipe(Effect.forkChild)
      yield* pollUntil(Effect.map(sim.state(), (st) => (st.heldSubmits === 1 ? true : undefined)))
      const booked = yield* sim.appointments(username)
      assert.strictEqual(booked.length, 1, "booked before answering")
      assert.strictEqual(booked[0]!.slot, slots[0]!.label)
      assert.isUndefined(answer.pollUnsafe(), "still no answer")
      yield* Effect.orDie(sim.setFaults({ holdSubmitAnswer: false }))
      const answered = yield* Fiber.join(answer)
      assert.strictEqual(answered.status, 200)
      assert.strictEqual(answered.body.confirmationNumber, booked[0]!.confirmationNumber)
      assert.strictEqual((yield* sim.state()).heldSubmits, 0)
    }).pipe(Effect.ensuring(Effect.flatMap(Simulator, (sim) => sim.resetFaults()))))
})
