/**
 * The simulator in a process of its own (`node simulator/src/main.ts`, SIMULATOR_PORT=0) behind
 * the `Simulator` service the harness expects, driven over its control API (`/__sim/…`). The bench
 * measures the service's CPU and memory in this Node process: with the simulator in-process, its
 * HTTP handling and page rendering would count as the service's. The child is killed when the
 * layer's scope closes.
 */
import { Deferred, Duration, Effect, Exit, Layer } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { Simulator, type SimulatorShape } from "@emodal/simulator"

const MAIN = new URL("../../simulator/src/main.ts", import.meta.url).pathname

export interface RemoteOptions {
  readonly batchLatency: Duration.Duration
  readonly pageLatency?: Duration.Duration
}

const fail = (what: string) => () => Effect.die(new Error(`RemoteSimulator: ${what} is not available over the control API`))

/** The pid of the simulator process of the current layer (for CPU accounting), if started. */
export let remotePid: number | undefined

export const remoteSimulatorLayer = (options: RemoteOptions): Layer.Layer<Simulator> =>
  Layer.effect(
    Simulator,
    Effect.gen(function*() {
      const child = yield* Effect.acquireRelease(
        Effect.sync(() =>
          spawn(process.execPath, [MAIN], {
            env: {
              ...process.env,
              SIMULATOR_PORT: "0",
              SIMULATOR_BATCH_LATENCY: `${Duration.toMillis(options.batchLatency)} millis`,
              SIMULATOR_PAGE_LATENCY: `${Duration.toMillis(options.pageLatency ?? Duration.zero)} millis`,
              SIMULATOR_SOLVE_DELAY: "0 millis"
            },
            stdio: ["ignore", "pipe", "inherit"]
          })
        ),
        (c: ChildProcess) =>
          Effect.sync(() => {
            remotePid = undefined
            c.kill("SIGKILL")
          })
      )
      const ready = yield* Deferred.make<{ port: number; siteKey: string }, Error>()
      let out = ""
      child.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString("utf8")
        const port = /control API\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1]
        const siteKey = /site key (\S+)\)/.exec(out)?.[1]
        if (port !== undefined && siteKey !== undefined) Deferred.doneUnsafe(ready, Exit.succeed({ port: Number(port), siteKey }))
      })
      child.once("exit", (code) => Deferred.doneUnsafe(ready, Exit.fail(new Error(`the simulator exited early (${code})`))))
      const { port, siteKey } = yield* Deferred.await(ready).pipe(Effect.timeout("30 seconds"), Effect.orDie)
      remotePid = child.pid
      const api = `http://127.0.0.1:${port}`
      const call = <A>(method: "GET" | "POST", path: string, body?: unknown) =>
        Effect.promise(async () => {
          const res = await fetch(`${api}${path}`, {
            method,
            headers: body === undefined ? {} : { "content-type": "application/json" },
            ...(body === undefined ? {} : { body: JSON.stringify(body) })
          })
          const json = await res.json()
          if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
          return json as A
        })
      const shape: SimulatorShape = {
        urls: {
          identity: `http://identity.localhost:${port}`,
          recaptcha: `http://recaptcha.localhost:${port}`,
          ecp2: `http://ecp2.localhost:${port}`,
          termops: `http://termops.localhost:${port}`,
          truckerportal: `http://truckerportal.localhost:${port}`,
          solver: api
        },
        siteKey,
        solverKeys: { demo: 100 },
        state: () => call("GET", "/__sim/state"),
        setFaults: (patch) => Effect.map(call<{ faults: never }>("POST", "/__sim/faults", patch), (r) => r.faults),
        resetFaults: () => Effect.asVoid(call("POST", "/__sim/reset")),
        createAccount: (spec) => call("POST", "/__sim/accounts", spec),
        expireSessions: (username) => Effect.map(call<{ expired: number }>("POST", "/__sim/expire", { username }), (r) => r.expired),
        changePassword: fail("changePassword"),
        advanceClock: (by) => Effect.asVoid(call("POST", "/__sim/clock", { advance: by })),
        containers: (username) => call("GET", `/__sim/accounts/${encodeURIComponent(username)}/containers`),
        appointments: fail("appointments"),
        cancelAppointment: fail("cancelAppointment")
      }
      return Simulator.of(shape)
    })
  )
