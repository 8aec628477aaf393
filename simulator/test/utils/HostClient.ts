/**
 * HTTP to the simulator's virtual hosts from Node, without a browser. Node's fetch does not
 * resolve `*.localhost`, so requests go to 127.0.0.1 with the Host header of the URL; a small
 * cookie jar (per host, as a browser keeps them) lets tests follow login redirects by hand.
 */
import { request } from "node:http"
import { Effect } from "effect"

export interface HostResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly body: Buffer
  readonly text: string
  readonly location: string | undefined
  readonly setCookies: ReadonlyArray<string>
}

export interface HostRequestInit {
  readonly method?: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string | Buffer
}

/** One request to `url` (any host name), sent to 127.0.0.1 on the URL's port. */
export const hostRequest = (url: string, init: HostRequestInit = {}): Effect.Effect<HostResponse> =>
  Effect.callback<HostResponse>((resume) => {
    const u = new URL(url)
    const req = request(
      {
        host: "127.0.0.1",
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: init.method ?? "GET",
        headers: { host: u.host, ...init.headers }
      },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (c: Buffer) => chunks.push(c))
        res.on("end", () => {
          const body = Buffer.concat(chunks)
          const setCookie = res.headers["set-cookie"]
          resume(Effect.succeed({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: body.toString("utf8"),
            location: typeof res.headers.location === "string" ? res.headers.location : undefined,
            setCookies: setCookie ?? []
          }))
        })
      }
    )
    req.on("error", (e) => resume(Effect.die(e)))
    if (init.body !== undefined) req.write(init.body)
    req.end()
  })

/** Cookies per host, as a browser keeps them (name=value only; attributes are inspected separately). */
export class CookieJar {
  readonly byHost = new Map<string, Map<string, string>>()

  store(url: string, setCookies: ReadonlyArray<string>): void {
    const host = new URL(url).host
    const jar = this.byHost.get(host) ?? new Map<string, string>()
    for (const c of setCookies) {
      const [pair] = c.split(";")
      const i = pair!.indexOf("=")
      jar.set(pair!.slice(0, i).trim(), pair!.slice(i + 1).trim())
    }
    this.byHost.set(host, jar)
  }

  header(url: string): string {
    const jar = this.byHost.get(new URL(url).host)
    return jar === undefined ? "" : [...jar].map(([k, v]) => `${k}=${v}`).join("; ")
  }
}

/** A request with the jar's cookies, storing what comes back. */
export const jarRequest = (jar: CookieJar, url: string, init: HostRequestInit = {}) =>
  Effect.gen(function*() {
    const cookie = jar.header(url)
    const res = yield* hostRequest(url, {
      ...init,
      headers: { ...(cookie === "" ? {} : { cookie }), ...init.headers }
    })
    jar.store(url, res.setCookies)
    return res
  })

/** Follows 302s (GET) from `url`, returning every response in order. */
export const follow = (jar: CookieJar, url: string, init: HostRequestInit = {}, max = 10) =>
  Effect.gen(function*() {
    const hops: Array<{ url: string; res: HostResponse }> = []
    let current = url
    let res = yield* jarRequest(jar, current, init)
    hops.push({ url: current, res })
    while (res.status >= 300 && res.status < 400 && res.location !== undefined && hops.length < max) {
      current = new URL(res.location, current).toString()
      res = yield* jarRequest(jar, current)
      hops.push({ url: current, res })
    }
    return hops
  })
