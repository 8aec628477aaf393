import { describe, it, assert } from "@effect/vitest"
import { Duration, Effect, Exit, Option, Redacted } from "effect"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PortalConfig } from "../../src/services/PortalConfig.ts"
import { Settings, settingsMarkdownTable } from "../../src/services/config/Settings.ts"

const load = (env: Record<string, string>) =>
  Effect.runPromiseExit(Effect.provide(Effect.service(PortalConfig), PortalConfig.layerTest(env)))

const failureLine = async (env: Record<string, string>): Promise<string> => {
  const exit = await load(env)
  assert.isTrue(Exit.isFailure(exit), `expected ${JSON.stringify(env)} to be rejected`)
  const err = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
  assert.strictEqual(err?._tag, "Fail")
  return (err as { error: Error }).error.message
}

describe("PortalConfig", () => {
  it("uses the seed's defaults", async () => {
    const exit = await load({})
    assert.isTrue(Exit.isSuccess(exit))
    const c = Exit.isSuccess(exit) ? exit.value : undefined!
    assert.strictEqual(c.port, 5010)
    assert.strictEqual(c.host, "127.0.0.1")
    assert.strictEqual(c.maxSessions, 10)
    assert.isTrue(Duration.equals(c.refreshCheckInterval, Duration.seconds(60)))
    assert.isTrue(Duration.equals(c.sessionRefreshAfter, Duration.minutes(5)))
    assert.isTrue(Duration.equals(c.appointmentSessionTtl, Duration.minutes(10)))
    assert.isTrue(Duration.equals(c.fileRetention, Duration.hours(24)))
    assert.strictEqual(c.chromeProfile, "aggressive")
    assert.isTrue(c.headless)
    assert.strictEqual(c.portal.ecp2.href, "https://ecp2.emodal.com/")
    assert.strictEqual(c.captchaApiUrl.href, "https://2captcha.com/")
    assert.isTrue(Option.isNone(c.apiToken))
    assert.isTrue(Option.isNone(c.proxyUrl))
  })

  it("reads ALLOWED_HOSTS as a lower-cased list; unset, the defaults follow HOST and PORT at request time", async () => {
    const exit = await load({ ALLOWED_HOSTS: "API.example.com, 10.0.0.5:5010,[::1]:5010" })
    assert.isTrue(Exit.isSuccess(exit))
    if (Exit.isSuccess(exit)) assert.deepStrictEqual(Option.getOrUndefined(exit.value.allowedHosts), ["api.example.com", "10.0.0.5:5010", "[::1]:5010"])
    const unset = await load({})
    assert.isTrue(Exit.isSuccess(unset) && Option.isNone(unset.value.allowedHosts))
  })

  it("parses durations written as seconds or with a unit", async () => {
    for (const [raw, ms] of [["90", 90_000], ["90 seconds", 90_000], ["5 minutes", 300_000], ["1500 millis", 1500], ["2h", 7_200_000]] as const) {
      const exit = await load({ SESSION_REFRESH_AFTER: raw })
      assert.isTrue(Exit.isSuccess(exit), raw)
      if (Exit.isSuccess(exit)) assert.strictEqual(Duration.toMillis(exit.value.sessionRefreshAfter), ms)
    }
  })

  const bad: ReadonlyArray<readonly [string, string, string]> = [
    ["PORT", "abc", "PORT must be an integer between 1 and 65535 (got \"abc\")"],
    ["PORT", "70000", "PORT must be an integer between 1 and 65535"],
    ["MAX_SESSIONS", "0", "MAX_SESSIONS must be an integer between 1 and 200"],
    ["MAX_SESSIONS", "2.5", "MAX_SESSIONS must be an integer"],
    ["REFRESH_CHECK_INTERVAL", "soon", "REFRESH_CHECK_INTERVAL must be a duration such as \"90 seconds\""],
    ["SESSION_REFRESH_AFTER", "10 fortnights", "SESSION_REFRESH_AFTER must be a duration"],
    ["APPOINTMENT_SESSION_TTL", "10 millis", "APPOINTMENT_SESSION_TTL must be a duration of at least 1s"],
    ["OPERATION_TIMEOUT", "-5", "OPERATION_TIMEOUT must be a duration"],
    ["ACQUIRE_TIMEOUT", "x", "ACQUIRE_TIMEOUT must be a duration"],
    ["CHROME_PROFILE", "turbo", "CHROME_PROFILE must be one of conservative | moderate | aggressive (got \"turbo\")"],
    ["HEADLESS", "maybe", "HEADLESS must be true or false"],
    ["BROWSER_ISOLATION", "thread", "BROWSER_ISOLATION must be one of process | context"],
    ["FILE_RETENTION", "forever", "FILE_RETENTION must be a duration"],
    ["EMODAL_ECP2_URL", "ftp://x", "EMODAL_ECP2_URL must be an http:// or https:// URL"],
    ["EMODAL_IDENTITY_URL", "not a url", "EMODAL_IDENTITY_URL must be an http:// or https:// URL"],
    ["CAPTCHA_API_URL", "2captcha.com", "CAPTCHA_API_URL must be an http:// or https:// URL"],
    ["CAPTCHA_STRATEGY", "ocr", "CAPTCHA_STRATEGY must be one of token | audio"],
    ["PROXY_URL", "socks5://p:1080", "PROXY_URL must be an http:// or https:// URL"],
    ["PROXY_URL", "http://user:pw@proxy:3128", "PROXY_URL must be an http:// or https:// URL without user:password (Chrome's --proxy-server cannot carry credentials)"],
    ["LOG_LEVEL", "loud", "LOG_LEVEL must be one of Trace | Debug | Info | Warn | Error"],
    ["ALLOWED_HOSTS", "http://api.example.com", "ALLOWED_HOSTS must be a comma-separated list of host or host:port entries"],
    ["ALLOWED_HOSTS", "api.example.com, bad host", "ALLOWED_HOSTS must be a comma-separated list of host or host:port entries"]
  ]
  for (const [name, value, expected] of bad) {
    it(`rejects ${name}=${JSON.stringify(value)} with one readable line`, async () => {
      const line = await failureLine({ [name]: value })
      assert.include(line, expected)
      assert.match(line, /^Invalid configuration: /)
      assert.notInclude(line, "\n")
    })
  }

  it("never echoes a rejected secret", async () => {
    const line = await failureLine({ API_TOKEN: "tooShort!" })
    assert.include(line, "API_TOKEN must be a secret of at least 16 characters")
    assert.notInclude(line, "tooShort!")
  })

  it("never echoes the user:password of a rejected URL", async () => {
    const line = await failureLine({ PROXY_URL: "socks5://alice:s3cr3t@h:1080" })
    assert.include(line, "PROXY_URL must be an http:// or https:// URL without user:password")
    assert.include(line, `(got "socks5://<redacted>@h:1080")`)
    assert.notInclude(line, "alice")
    assert.notInclude(line, "s3cr3t")
    const other = await failureLine({ EMODAL_IDENTITY_URL: "ftp://admin:hunter2@portal" })
    assert.include(other, `(got "ftp://<redacted>@portal")`)
    assert.notInclude(other, "hunter2")
  })

  it("keeps the SQLite file under DATA_DIR unless DATABASE_URL is set, and redacts the URL", async () => {
    const sqlite = await load({ DATA_DIR: "/srv/emodal" })
    assert.isTrue(Exit.isSuccess(sqlite))
    if (Exit.isSuccess(sqlite)) {
      assert.strictEqual(sqlite.value.databaseFile, "/srv/emodal/emodal.db")
      assert.isTrue(Option.isNone(sqlite.value.databaseUrl))
    }
    const own = await load({ DATA_DIR: "/srv/emodal", DATABASE_FILE: "state/x.db" })
    if (Exit.isSuccess(own)) assert.strictEqual(own.value.databaseFile, "/srv/emodal/state/x.db")
    const url = "postgres://emodal:pg-s3cr3t@db.internal:5432/emodal"
    const pg = await load({ DATABASE_URL: url })
    assert.isTrue(Exit.isSuccess(pg))
    if (Exit.isSuccess(pg)) {
      assert.isTrue(Option.isSome(pg.value.databaseUrl))
      assert.strictEqual(Redacted.value(Option.getOrThrow(pg.value.databaseUrl)), url)
      // Whatever prints the configuration (a log line, an inspection) never sees the password.
      assert.notInclude(String(pg.value.databaseUrl), "pg-s3cr3t")
      assert.notInclude(JSON.stringify(pg.value.databaseUrl), "pg-s3cr3t")
    }
  })

  it("rejects a DATABASE_URL that is not Postgres without echoing it", async () => {
    for (const raw of ["mysql://root:hunter2@db/emodal", "not a url hunter2", "postgres://hunter2@"]) {
      const line = await failureLine({ DATABASE_URL: raw })
      assert.include(line, "DATABASE_URL must be a postgres:// or postgresql:// URL with a host")
      assert.include(line, "(got a value that is not shown)")
      assert.notInclude(line, "hunter2")
    }
  })

  it("generates SERVER_SECRET once into DATA_DIR with mode 0600 and reuses it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emodal-cfg-"))
    try {
      const read = () =>
        Effect.runPromise(Effect.provide(Effect.service(PortalConfig), PortalConfig.layerTest({ DATA_DIR: dir, SERVER_SECRET: "" })))
      const a = await read()
      const b = await read()
      const file = join(dir, "server-secret")
      assert.strictEqual(statSync(file).mode & 0o777, 0o600)
      assert.strictEqual(Redacted.value(a.serverSecret), readFileSync(file, "utf8").trim())
      assert.strictEqual(Redacted.value(a.serverSecret), Redacted.value(b.serverSecret))
      assert.isAtLeast(Redacted.value(a.serverSecret).length, 64)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("documents every setting in the README table", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8")
    assert.include(readme, settingsMarkdownTable(), "README config table is stale: run npm run docs:config")
    for (const s of Object.values(Settings)) assert.include(readme, `\`${s.name}\``)
  })
})
