/**
 * Progress over REST with real Chromium against the simulator: `Accept: text/event-stream` on
 * get_containers, get_appointments and get_info_bulk streams `progress` events while the work runs
 * and ends with one `result` event (the JSON answer) or one `error` event (an error body with its
 * status). The first progress event must arrive while the operation is still running (the session
 * is busy then), which a buffered answer could not do.
 */
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { baseUrl, call, realServer } from "../../utils/HttpHarness.ts"
import { newAccount, testSimulatorLayer } from "@emodal/simulator/testing"

interface SseEvent {
  readonly event: string
  readonly data: any
  /** Whether the account's session was busy when this event arrived. */
  readonly sessionBusy: boolean
}

/**
 * POSTs `body` with `Accept: text/event-stream` and reads the events as they arrive; at each one it
 * asks /sessions whether `username`'s session is still busy.
 */
const events = (path: string, body: unknown, username: string) =>
  Effect.gen(function*() {
    const url = yield* baseUrl
    return yield* Effect.promise(async () => {
      const response = await fetch(url + path, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify(body)
      })
      const out: Array<SseEvent> = []
      const type = response.headers.get("content-type")
      const decoder = new TextDecoder()
      let buffer = ""
      const busy = async () => {
        const list = await (await fetch(url + "/sessions")).json() as { sessions: Array<{ username: string; busy: boolean }> }
        return list.sessions.some((s) => s.username === username && s.busy)
      }
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true })
        let end: number
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const fields = Object.fromEntries(block.split("\n").filter((l) => l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]))
          if (fields.event === undefined) continue
          out.push({ event: fields.event, data: JSON.parse(fields.data ?? "null"), sessionBusy: fields.event === "progress" ? await busy() : false })
        }
      }
      return { status: response.status, type, events: out }
    })
  })

const account = (prefix: string, spec: { containers?: number; appointments?: number }) =>
  Effect.gen(function*() {
    const snapshot = yield* newAccount(prefix, { captchaMode: "token", containerCount: spec.containers ?? 40, appointmentCount: spec.appointments ?? 0 })
    return { snapshot, creds: { username: snapshot.username, password: "pw", captcha_api_key: "demo" } }
  })

layer(testSimulatorLayer(), { excludeTestServices: true, timeout: "300 seconds" })("Progress over REST (SSE)", (it) => {
  it.layer(realServer({ MAX_SESSIONS: "4" }), { timeout: "120 seconds" })("one service", (it) => {
    it.effect("get_containers streams rows loaded while it scrolls, then the result", () =>
      Effect.gen(function*() {
        const a = yield* account("sse-c", { containers: 150 })
        const r = yield* events("/get_containers", { ...a.creds, infinite_scrolling: true }, a.snapshot.username)
        assert.strictEqual(r.status, 200)
        assert.include(r.type ?? "", "text/event-stream")
        const progress = r.events.filter((e) => e.event === "progress")
        assert.isAtLeast(progress.length, 2, JSON.stringify(r.events.map((e) => e.event)))
        const rows = progress.map((e) => e.data.rows_loaded as number)
        assert.deepStrictEqual(rows, [...rows].sort((x, y) => x - y), "rows loaded only grow")
        assert.isTrue(progress[0]!.sessionBusy, "the first progress event arrived while the operation ran")
        const last = r.events.at(-1)!
        assert.strictEqual(last.event, "result")
        assert.strictEqual(last.data.success, true)
        assert.strictEqual(last.data.total_containers, 150)
        assert.match(last.data.file_url, /\/files\//)
        assert.strictEqual(r.events.filter((e) => e.event === "result").length, 1)
      }))

    it.effect("get_appointments streams the rows of My Appointments, then the result", () =>
      Effect.gen(function*() {
        const a = yield* account("sse-a", { appointments: 60 })
        const r = yield* events("/get_appointments", a.creds, a.snapshot.username)
        assert.strictEqual(r.status, 200)
        const progress = r.events.filter((e) => e.event === "progress")
        assert.isAtLeast(progress.length, 1)
        assert.isTrue(progress[0]!.sessionBusy)
        assert.strictEqual(progress.at(-1)!.data.rows_loaded, 60)
        const last = r.events.at(-1)!
        assert.strictEqual(last.event, "result", JSON.stringify(last))
        assert.strictEqual(last.data.selected_count, 60)
      }))

    it.effect("get_info_bulk streams one event per finished container, then the result; an error ends the stream as an event", () =>
      Effect.gen(function*() {
        const a = yield* account("sse-b", {})
        const s = a.snapshot.samples
        const body = { ...a.creds, import_containers: [s.importPassedPregate, "ZZZZ9999999"], export_containers: [s.exportWithBooking] }
        const r = yield* events("/get_info_bulk", body, a.snapshot.username)
        assert.strictEqual(r.status, 200)
        const progress = r.events.filter((e) => e.event === "progress").map((e) => e.data)
        assert.deepStrictEqual(progress.map((p) => [p.items_done, p.items_total, p.container_id, p.kind, p.success]), [
          [1, 3, s.importPassedPregate, "import", true],
          [2, 3, "ZZZZ9999999", "import", false],
          [3, 3, s.exportWithBooking, "export", true]
        ])
        assert.isTrue(r.events[0]!.sessionBusy)
        const last = r.events.at(-1)!
        assert.strictEqual(last.event, "result")
        assert.deepStrictEqual(last.data.results.summary, { total_import: 2, total_export: 1, import_success: 1, import_failed: 1, export_success: 1, export_failed: 0 })

        // A failure once the stream has started is its last event, with the status it would have had.
        const lost = yield* events("/get_info_bulk", { session_id: "sess_AAAAAAAAAAAAAAAAAAAAAAAA", import_containers: ["X"] }, a.snapshot.username)
        assert.strictEqual(lost.status, 200)
        assert.deepStrictEqual(lost.events.map((e) => e.event), ["error"])
        assert.deepInclude(lost.events[0]!.data, { status: 404, success: false, error_type: "session_not_found" })
        // A bad request is still a plain 400 JSON answer.
        const bad = yield* call("POST", "/get_info_bulk", { ...a.creds, import_containers: "nope" }, { accept: "text/event-stream" })
        assert.strictEqual(bad.status, 400)
        assert.strictEqual(bad.body.field, "import_containers")
      }))
  })
})
