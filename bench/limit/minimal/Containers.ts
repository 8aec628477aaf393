/**
 * The containers flows as minimal puppeteer scripts on the simulator's grid: open the page, wait
 * for the container's row, click its expand arrow, read the detail (Booking #, or the timeline
 * and, when asked, an element screenshot of the timeline box); and load every row of the grid by
 * scrolling the box each time a batch lands, then read the rows' cells.
 */
import type { Page } from "puppeteer"
import { clickAt, goto, type Point, until } from "./Page.ts"

/** Opens the grid and clicks the expand arrow of `id`'s row once it is there. */
const expand = async (page: Page, ecp2: string, id: string) => {
  await goto(page, `${ecp2}/containers`)
  const at = await until<Point>(page, (target: string) => {
    for (const row of document.querySelectorAll("#searchres tbody tr.element-row")) {
      const cell = row.firstElementChild
      if (cell !== null && (cell.textContent ?? "").includes(target)) return window.__minCenter(cell.querySelector("mat-icon")!)
    }
    return null
  }, [id])
  await clickAt(page, at)
}

/** get_booking_number: the Booking # of `id` (null for N/A). */
export const bookingNumber = async (page: Page, ecp2: string, id: string): Promise<string | null> => {
  await expand(page, ecp2, id)
  const value = await until<{ v: string }>(page, (target: string) => {
    const row = Array.from(document.querySelectorAll("#searchres tbody tr.element-row")).find((r) => (r.firstElementChild?.textContent ?? "").includes(target))
    const detail = row?.nextElementSibling
    if (detail === null || detail === undefined || !detail.classList.contains("expanded")) return null
    for (const group of detail.querySelectorAll(".detail-group")) {
      const labels = Array.from(group.querySelectorAll(".field-label")).map((l) => (l.textContent ?? "").trim())
      const i = labels.indexOf("Booking #")
      if (i >= 0) return { v: (group.querySelectorAll(".field-data")[i]?.textContent ?? "").trim() }
    }
    return null
  }, [id])
  return value.v === "" || value.v === "N/A" ? null : value.v
}

export interface MinimalTimeline {
  readonly passed: boolean
  readonly timeline: ReadonlyArray<{ readonly milestone: string; readonly date: string; readonly status: "completed" | "pending" }>
  readonly screenshot?: Uint8Array
}

/** get_container_timeline: the milestones, pregate from the divider's classes, and the screenshot. */
export const timeline = async (page: Page, ecp2: string, id: string, screenshot: boolean): Promise<MinimalTimeline> => {
  await expand(page, ecp2, id)
  const milestones = await until<Array<{ name: string; date: string; classes: Array<string> }>>(page, (target: string) => {
    const row = Array.from(document.querySelectorAll("#searchres tbody tr.element-row")).find((r) => (r.firstElementChild?.textContent ?? "").includes(target))
    const detail = row?.nextElementSibling
    if (detail === null || detail === undefined || !detail.classList.contains("expanded")) return null
    const rows = detail.querySelectorAll("app-containerflow .milestone-row")
    if (rows.length === 0) return null
    return Array.from(rows).map((m) => {
      const spans = m.querySelectorAll("span.location-details-label")
      return {
        name: (spans[0]?.textContent ?? "").trim(),
        date: (spans[1]?.textContent ?? "").trim(),
        classes: Array.from(m.querySelector(".timeline-divider")?.classList ?? [])
      }
    })
  }, [id])
  const entries = milestones.map((m) => ({
    milestone: m.name,
    date: m.date === "" ? "N/A" : m.date,
    status: m.classes.includes("dividerflowcolor") && !m.classes.includes("horizontalconflow") ? "completed" as const : "pending" as const
  }))
  const passed = entries.find((e) => e.milestone === "Pregate")?.status === "completed"
  const result = { passed, timeline: entries.reverse() }
  if (!screenshot) return result
  const box = (await page.$("#searchres tr.expanded div.timeline-container"))!
  const png = await box.screenshot({ type: "png" })
  await box.dispose()
  return { ...result, screenshot: new Uint8Array(png) }
}

/**
 * get_containers (all): every row of the grid. In the page: each time rows land, scroll the box to
 * its end; the simulator shows its spinner in the scroll handler itself when it asks for more, so
 * a scroll after which no spinner shows means the end. Then the rows' cells, read once.
 */
export const loadAll = async (page: Page, ecp2: string): Promise<ReadonlyArray<ReadonlyArray<string>>> => {
  await goto(page, `${ecp2}/containers`)
  return await page.evaluate(() =>
    new Promise<Array<Array<string>>>((resolve) => {
      const box = document.querySelector("#searchres") as HTMLElement | null
      const read = () =>
        Array.from(document.querySelectorAll("#searchres tbody tr.element-row")).map((r) =>
          Array.from(r.children).map((c) => {
            let text = c.textContent ?? ""
            for (const icon of c.querySelectorAll("mat-icon")) text = text.replace(icon.textContent ?? "", " ")
            return text
          })
        )
      const spinnerShown = () => (document.querySelector("#searchres .loading-more") as HTMLElement | null)?.style.display === "block"
      let seen = 0
      const step = () => {
        const rows = document.querySelectorAll("#searchres tbody tr.element-row").length
        if (box === null || rows === 0 || rows === seen || spinnerShown()) return
        seen = rows
        box.scrollTop = box.scrollHeight
        box.dispatchEvent(new Event("scroll"))
        if (!spinnerShown()) {
          observer.disconnect()
          resolve(read())
        }
      }
      const observer = new MutationObserver(step)
      observer.observe(document, { subtree: true, childList: true, attributes: true })
      step()
    })
  )
}
