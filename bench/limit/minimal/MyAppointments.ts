/**
 * get_appointments (every appointment) as a minimal puppeteer script on the simulator's My
 * Appointments: open the list, scroll the window each time a page of rows lands until the list
 * holds the total it announces, tick the select-all box, click the Excel icon and wait until the
 * browser reports the download complete.
 */
import type { CDPSession, Page } from "puppeteer"
import { clickAt, goto, type Point, until } from "./Page.ts"

export interface Downloads {
  /** Resolves with the file's guid once the next download completes. */
  readonly next: () => Promise<string>
  readonly close: () => Promise<void>
}

/** Downloads of the minimal Chrome land in `dir`, named by guid (set up once, not timed). */
export const watchDownloads = async (page: Page, dir: string): Promise<Downloads> => {
  const cdp: CDPSession = await page.browser().target().createCDPSession()
  await cdp.send("Browser.setDownloadBehavior", { behavior: "allowAndName", downloadPath: dir, eventsEnabled: true })
  let waiter: ((guid: string) => void) | undefined
  cdp.on("Browser.downloadProgress", (e) => {
    if (e.state === "completed" && waiter !== undefined) waiter(e.guid)
  })
  return {
    next: () => new Promise((resolve) => (waiter = resolve)),
    close: () => cdp.detach()
  }
}

export const exportAll = async (page: Page, truckerportal: string, downloads: Downloads): Promise<{ readonly selected: number; readonly guid: string }> => {
  await goto(page, `${truckerportal}/myappointments`)
  const { at, total } = await until<{ at: Point; total: number }>(page, () => {
    const total = Number.parseInt(document.querySelector(".total-count")?.textContent ?? "", 10)
    const rows = document.querySelectorAll("table.appointments tbody tr").length
    if (!Number.isInteger(total) || rows < total) {
      if ((document.querySelector(".loading-more") as HTMLElement | null)?.style.display === "none") {
        window.scrollTo(0, document.documentElement.scrollHeight)
        window.dispatchEvent(new Event("scroll"))
      }
      return null
    }
    return { at: window.__minCenter(document.querySelector("mat-checkbox.select-all label")!), total }
  })
  await clickAt(page, at)
  await until(page, (n: number) => document.querySelector(".selected-count")?.textContent === `${n} selected`, [total])
  const done = downloads.next()
  await clickAt(page, await until<Point>(page, () => window.__minCenter(document.querySelector("mat-icon[svgicon=xls]")!)))
  return { selected: total, guid: await done }
}
