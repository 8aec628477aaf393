/**
 * PortalConfig owns the service's configuration: every setting is declared once in `Settings`
 * (name, default, meaning, parser), read through effect's `Config` from the environment, validated
 * at boot and frozen. A bad value stops the boot with one line naming the variable and what it
 * expects. Secrets (API_TOKEN, SERVER_SECRET, CAPTCHA_API_KEY, SNAPSHOT_KEY, DATABASE_URL,
 * OTEL_EXPORTER_OTLP_HEADERS) are `Redacted`.
 * The README's configuration table is generated from `Settings` (`npm run docs:config`) and a test
 * checks the two agree.
 */
import { Config, ConfigProvider, Context, Data, Duration, Effect, Layer, Option, Redacted } from "effect"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { randomBytes } from "node:crypto"
import { isAbsolute, join, resolve } from "node:path"

export type ChromeProfile = "conservative" | "moderate" | "aggressive"
export type BrowserIsolation = "process" | "context"
export type CaptchaStrategy = "token" | "audio"
export type CaptchaProtocol = "classic" | "task"
export type LogLevelName = "Trace" | "Debug" | "Info" | "Warn" | "Error"
export type LogFormat = "json" | "pretty"
/** How metrics name the portal account: its username, a keyed hash of it, or not at all. */
export type AccountLabelMode = "username" | "hash" | "off"
export type OtlpProtocol = "http/protobuf" | "http/json"

export interface PortalUrls {
  readonly identity: URL
  readonly ecp2: URL
  readonly termops: URL
  readonly truckerportal: URL
}

export interface PortalConfigShape {
  readonly port: number
  readonly host: string
  readonly maxSessions: number
  readonly refreshCheckInterval: Duration.Duration
  readonly sessionRefreshAfter: Duration.Duration
  readonly appointmentSessionTtl: Duration.Duration
  readonly operationTimeout: Duration.Duration
  readonly acquireTimeout: Duration.Duration
  readonly acquireQueueLimit: number
  readonly sessionQueueLimit: number
  readonly chromePath: Option.Option<string>
  readonly chromeProfile: ChromeProfile
  readonly headless: boolean
  readonly browserIsolation: BrowserIsolation
  readonly dataDir: string
  readonly fileRetention: Duration.Duration
  /** Postgres connection URL (may carry a password); none = the embedded SQLite file. */
  readonly databaseUrl: Option.Option<Redacted.Redacted<string>>
  /** Absolute path of the SQLite database (used when databaseUrl is none). */
  readonly databaseFile: string
  readonly apiToken: Option.Option<Redacted.Redacted<string>>
  readonly serverSecret: Redacted.Redacted<string>
  readonly portal: PortalUrls
  readonly captchaApiUrl: URL
  readonly captchaApiKey: Option.Option<Redacted.Redacted<string>>
  readonly captchaStrategy: CaptchaStrategy
  readonly captchaProtocol: CaptchaProtocol
  readonly captchaTimeout: Duration.Duration
  readonly captchaPollInterval: Duration.Duration
  readonly proxyUrl: Option.Option<URL>
  readonly publicBaseUrl: Option.Option<URL>
  /**
   * Host header values file links may be built from (`host` or `host:port`, lower case); none
   * configured: HOST, localhost and 127.0.0.1 on the port the server is bound to.
   */
  readonly allowedHosts: Option.Option<ReadonlyArray<string>>
  /** Whether /docs and /openapi.json are readable without API_TOKEN. */
  readonly docsPublic: boolean
  readonly shutdownGrace: Duration.Duration
  /** On SIGTERM, how long /ready answers 503 (draining) before the server stops accepting. */
  readonly drainDelay: Duration.Duration
  readonly logLevel: LogLevelName
  readonly logFormat: LogFormat
  readonly metricsAccountLabel: AccountLabelMode
  /** OTLP/HTTP collector base URL (traces and logs); none = no export. */
  readonly otlpEndpoint: Option.Option<URL>
  readonly otlpProtocol: OtlpProtocol
  /** Headers sent to the collector (they may carry an API key). */
  readonly otlpHeaders: Option.Option<Redacted.Redacted<Readonly<Record<string, string>>>>
  readonly otelServiceName: string
  /** Key of the encrypted session snapshots; none = snapshots off. */
  readonly snapshotKey: Option.Option<Redacted.Redacted<string>>
  readonly snapshotInterval: Duration.Duration
  readonly snapshotMaxAge: Duration.Duration
  /** Chrome recycling thresholds (0 = off). */
  readonly recycleAfterUses: number
  readonly recycleAfterAge: Duration.Duration
  readonly recycleMemoryMb: number
}

/** A configuration value that failed validation; `message` is the one line shown at boot. */
export class ConfigInvalid extends Data.TaggedError("ConfigInvalid")<{
  readonly variable: string
  readonly expected: string
  readonly got: string
}> {
  override get message(): string {
    return `Invalid configuration: ${this.variable} must be ${this.expected} (got ${this.got})`
  }
}

// ---------------------------------------------------------------------------------------------
// Parsers: raw string → value, or the expectation text for the error line

type Parse<A> = (raw: string) => A | ConfigExpectation

class ConfigExpectation {
  readonly expected: string
  constructor(expected: string) {
    this.expected = expected
  }
}

const int = (min: number, max: number): Parse<number> => (raw) => {
  const n = Number(raw.trim())
  return /^-?\d+$/.test(raw.trim()) && n >= min && n <= max
    ? n
    : new ConfigExpectation(`an integer between ${min} and ${max}`)
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1, milli: 1, millis: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000
}

/** "90" (seconds), "90 seconds", "5 minutes", "1500 millis", "24h". */
const duration = (min: Duration.Duration): Parse<Duration.Duration> => (raw) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw)
  const unit = m?.[2] === undefined || m[2] === "" ? "seconds" : m[2].toLowerCase()
  const factor = DURATION_UNITS[unit]
  if (m === null || factor === undefined) {
    return new ConfigExpectation(`a duration such as "90 seconds", "5 minutes" or a number of seconds`)
  }
  const d = Duration.millis(Math.round(Number(m[1]) * factor))
  return Duration.isGreaterThanOrEqualTo(d, min)
    ? d
    : new ConfigExpectation(`a duration of at least ${Duration.format(min)}`)
}

const oneOf = <const L extends string>(values: ReadonlyArray<L>): Parse<L> => (raw) => {
  const v = raw.trim().toLowerCase()
  const hit = values.find((x) => x.toLowerCase() === v)
  return hit ?? new ConfigExpectation(`one of ${values.join(" | ")}`)
}

const bool: Parse<boolean> = (raw) => {
  const v = raw.trim().toLowerCase()
  if (["1", "true", "yes", "on"].includes(v)) return true
  if (["0", "false", "no", "off"].includes(v)) return false
  return new ConfigExpectation("true or false")
}

const httpUrl: Parse<URL> = (raw) => {
  try {
    const u = new URL(raw.trim())
    return u.protocol === "http:" || u.protocol === "https:"
      ? u
      : new ConfigExpectation("an http:// or https:// URL")
  } catch {
    return new ConfigExpectation("an http:// or https:// URL")
  }
}

/**
 * Chrome's --proxy-server takes scheme, host and port only: a user:password in the URL would be
 * dropped without a word and the proxy would answer 407, so it is refused at boot instead.
 */
const proxyUrl: Parse<URL> = (raw) => {
  const withCredentials = URL.parse(raw.trim())
  if (withCredentials !== null && (withCredentials.username !== "" || withCredentials.password !== "")) {
    return new ConfigExpectation("an http:// or https:// URL without user:password (Chrome's --proxy-server cannot carry credentials)")
  }
  return httpUrl(raw)
}

/** A Host header value: a DNS name, IPv4 or bracketed IPv6 address, optionally with a port. */
export const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]{1,253})(:\d{1,5})?$/

/** Comma-separated `host` or `host:port` entries (lower-cased). */
const hostList: Parse<ReadonlyArray<string>> = (raw) => {
  const entries = raw.split(",").map((e) => e.trim().toLowerCase()).filter((e) => e !== "")
  return entries.length > 0 && entries.every((e) => HOST_HEADER.test(e))
    ? entries
    : new ConfigExpectation("a comma-separated list of host or host:port entries (e.g. api.example.com,10.0.0.5:5010)")
}

/** postgres://user:password@host:port/database?options — the URL is a secret: never echoed. */
const postgresUrl: Parse<string> = (raw) => {
  const u = URL.parse(raw.trim())
  return u !== null && (u.protocol === "postgres:" || u.protocol === "postgresql:") &&
      (u.hostname !== "" || (u.searchParams.get("host") ?? "") !== "")
    ? raw.trim()
    : new ConfigExpectation("a postgres:// or postgresql:// URL with a host (e.g. postgres://user:password@db:5432/emodal)")
}

/** `key=value,key2=value2` (W3C baggage style, values percent-decoded), as OTEL_EXPORTER_OTLP_HEADERS. */
const headerList: Parse<Readonly<Record<string, string>>> = (raw) => {
  const out: Record<string, string> = {}
  for (const entry of raw.split(",").map((e) => e.trim()).filter((e) => e !== "")) {
    const eq = entry.indexOf("=")
    const key = eq > 0 ? entry.slice(0, eq).trim() : ""
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) return new ConfigExpectation("a comma-separated list of key=value headers")
    try {
      out[key] = decodeURIComponent(entry.slice(eq + 1).trim())
    } catch {
      return new ConfigExpectation("a comma-separated list of key=value headers")
    }
  }
  return Object.keys(out).length > 0 ? out : new ConfigExpectation("a comma-separated list of key=value headers")
}

const nonEmpty: Parse<string> = (raw) => (raw.trim() === "" ? new ConfigExpectation("a non-empty string") : raw.trim())

const secret = (minLength: number): Parse<string> => (raw) =>
  raw.length >= minLength ? raw : new ConfigExpectation(`a secret of at least ${minLength} characters`)

// ---------------------------------------------------------------------------------------------
// The settings table

export interface Setting<A> {
  readonly name: string
  /** The default as written in the README, or undefined when the setting is optional. */
  readonly defaultText: string | undefined
  readonly description: string
  readonly secret?: boolean
  readonly parse: Parse<A>
  readonly fallback: A | undefined
}

const setting = <A>(s: Setting<A>): Setting<A> => s

export const Settings = {
  port: setting({
    name: "PORT", defaultText: "5010", fallback: 5010, parse: int(1, 65535),
    description: "TCP port of the HTTP server (REST, RPC, docs). The seed's port."
  }),
  host: setting({
    name: "HOST", defaultText: "127.0.0.1", fallback: "127.0.0.1", parse: nonEmpty,
    description: "Address to bind. Binding a non-loopback address without API_TOKEN logs a loud warning."
  }),
  maxSessions: setting({
    name: "MAX_SESSIONS", defaultText: "10", fallback: 10, parse: int(1, 200),
    description: "Most logged-in browser sessions at once; the least recently used idle, unpinned one is evicted beyond it."
  }),
  refreshCheckInterval: setting({
    name: "REFRESH_CHECK_INTERVAL", defaultText: "60 seconds", fallback: Duration.seconds(60),
    parse: duration(Duration.millis(100)),
    description: "How often the refresher looks for sessions due a keep-alive visit."
  }),
  sessionRefreshAfter: setting({
    name: "SESSION_REFRESH_AFTER", defaultText: "5 minutes", fallback: Duration.minutes(5),
    parse: duration(Duration.millis(100)),
    description: "An idle keep-alive session is refreshed once it has been neither used nor refreshed for this long."
  }),
  appointmentSessionTtl: setting({
    name: "APPOINTMENT_SESSION_TTL", defaultText: "10 minutes", fallback: Duration.minutes(10),
    parse: duration(Duration.seconds(1)),
    description: "Idle lifetime of an appointment workflow (appointment_session_id) kept for retries."
  }),
  operationTimeout: setting({
    name: "OPERATION_TIMEOUT", defaultText: "5 minutes", fallback: Duration.minutes(5),
    parse: duration(Duration.seconds(1)),
    description: "Deadline of one operation on a session (login included); expiry interrupts the browser work."
  }),
  acquireTimeout: setting({
    name: "ACQUIRE_TIMEOUT", defaultText: "30 seconds", fallback: Duration.seconds(30),
    parse: duration(Duration.millis(0)),
    description: "How long a request for a new session waits for a free slot before PoolExhausted (503)."
  }),
  acquireQueueLimit: setting({
    name: "ACQUIRE_QUEUE_LIMIT", defaultText: "100", fallback: 100, parse: int(0, 100_000),
    description: "Most requests waiting for a free slot; beyond it new requests fail at once with 503."
  }),
  sessionQueueLimit: setting({
    name: "SESSION_QUEUE_LIMIT", defaultText: "25", fallback: 25, parse: int(1, 10_000),
    description: "Most operations queued in one session's mailbox; beyond it requests fail at once with 503."
  }),
  chromePath: setting<string | undefined>({
    name: "CHROME_PATH", defaultText: undefined, fallback: undefined, parse: nonEmpty,
    description: "Chrome/Chromium executable. Unset: the headless shell or /usr/bin/chromium, google-chrome, then puppeteer's cache."
  }),
  chromeProfile: setting({
    name: "CHROME_PROFILE", defaultText: "aggressive", fallback: "aggressive" as ChromeProfile,
    parse: oneOf(["conservative", "moderate", "aggressive"] as const),
    description: "Chrome flag set from the window-persistence guide: conservative | moderate | aggressive."
  }),
  headless: setting({
    name: "HEADLESS", defaultText: "true", fallback: true, parse: bool,
    description: "Run Chrome headless. false needs a display (e.g. Xvfb)."
  }),
  browserIsolation: setting({
    name: "BROWSER_ISOLATION", defaultText: "process", fallback: "process" as BrowserIsolation,
    parse: oneOf(["process", "context"] as const),
    description: "process: one Chrome per session. context: one shared Chrome, a BrowserContext per session."
  }),
  dataDir: setting({
    name: "DATA_DIR", defaultText: "./data", fallback: "./data", parse: nonEmpty,
    description: "Where result files, Chrome profiles, the SQLite store (unless DATABASE_URL) and the generated server secret live."
  }),
  fileRetention: setting({
    name: "FILE_RETENTION", defaultText: "24 hours", fallback: Duration.hours(24),
    parse: duration(Duration.seconds(1)),
    description: "Result files older than this are deleted (hourly and at boot)."
  }),
  databaseUrl: setting<string | undefined>({
    name: "DATABASE_URL", defaultText: undefined, fallback: undefined, parse: postgresUrl, secret: true,
    description: "Postgres for the service's state (appointment workflows, idempotency keys, session registry, snapshots, result-file index), e.g. `postgres://user:password@db:5432/emodal`; migrated at boot. Unset: the embedded SQLite file DATABASE_FILE."
  }),
  databaseFile: setting({
    name: "DATABASE_FILE", defaultText: "DATA_DIR/emodal.db", fallback: "emodal.db", parse: nonEmpty,
    description: "The embedded SQLite store (WAL mode, mode 0600, created and migrated on first start); a relative path is under DATA_DIR. Ignored when DATABASE_URL is set."
  }),
  apiToken: setting<string | undefined>({
    name: "API_TOKEN", defaultText: undefined, fallback: undefined, parse: secret(16), secret: true,
    description: "When set, every route but /health needs `Authorization: Bearer <API_TOKEN>` (min 16 characters)."
  }),
  serverSecret: setting<string | undefined>({
    name: "SERVER_SECRET", defaultText: undefined, fallback: undefined, parse: secret(32), secret: true,
    description: "Key of the credential fingerprints. Unset: generated once into DATA_DIR/server-secret (mode 0600)."
  }),
  identityUrl: setting({
    name: "EMODAL_IDENTITY_URL", defaultText: "https://identity.emodal.com", fallback: new URL("https://identity.emodal.com"),
    parse: httpUrl,
    description: "Base URL of the portal's identity (login) host."
  }),
  ecp2Url: setting({
    name: "EMODAL_ECP2_URL", defaultText: "https://ecp2.emodal.com", fallback: new URL("https://ecp2.emodal.com"),
    parse: httpUrl,
    description: "Base URL of the containers app (Port Manager) and the login entry `/login`."
  }),
  termopsUrl: setting({
    name: "EMODAL_TERMOPS_URL", defaultText: "https://termops.emodal.com", fallback: new URL("https://termops.emodal.com"),
    parse: httpUrl,
    description: "Base URL of the appointment wizard and the keep-alive page."
  }),
  truckerportalUrl: setting({
    name: "EMODAL_TRUCKERPORTAL_URL", defaultText: "https://truckerportal.emodal.com",
    fallback: new URL("https://truckerportal.emodal.com"), parse: httpUrl,
    description: "Base URL of My Appointments."
  }),
  captchaApiUrl: setting({
    name: "CAPTCHA_API_URL", defaultText: "https://2captcha.com", fallback: new URL("https://2captcha.com"),
    parse: httpUrl,
    description: "2captcha-compatible solver (classic in.php/res.php and createTask/getTaskResult)."
  }),
  captchaApiKey: setting<string | undefined>({
    name: "CAPTCHA_API_KEY", defaultText: undefined, fallback: undefined, parse: nonEmpty, secret: true,
    description: "Server-side solver key used when a request sends no captcha_api_key."
  }),
  captchaStrategy: setting({
    name: "CAPTCHA_STRATEGY", defaultText: "token", fallback: "token" as CaptchaStrategy,
    parse: oneOf(["token", "audio"] as const),
    description: "First captcha method to try (the other is the fallback): token (userrecaptcha) or audio."
  }),
  captchaProtocol: setting({
    name: "CAPTCHA_PROTOCOL", defaultText: "classic", fallback: "classic" as CaptchaProtocol,
    parse: oneOf(["classic", "task"] as const),
    description: "Solver protocol: classic (in.php/res.php) or task (createTask/getTaskResult)."
  }),
  captchaTimeout: setting({
    name: "CAPTCHA_TIMEOUT", defaultText: "2 minutes", fallback: Duration.minutes(2),
    parse: duration(Duration.seconds(1)),
    description: "Total deadline of one captcha solve, polling included."
  }),
  captchaPollInterval: setting({
    name: "CAPTCHA_POLL_INTERVAL", defaultText: "5 seconds", fallback: Duration.seconds(5),
    parse: duration(Duration.millis(10)),
    description: "Spacing of solver result polls."
  }),
  proxyUrl: setting<URL | undefined>({
    name: "PROXY_URL", defaultText: undefined, fallback: undefined, parse: proxyUrl,
    description: "Plain HTTP proxy for Chrome (e.g. http://proxy:3128). Credentials in the URL are not supported."
  }),
  publicBaseUrl: setting<URL | undefined>({
    name: "PUBLIC_BASE_URL", defaultText: undefined, fallback: undefined, parse: httpUrl,
    description: "Base of the file URLs in responses. Unset: the request's Host header when ALLOWED_HOSTS allows it, else http://HOST:PORT."
  }),
  allowedHosts: setting<ReadonlyArray<string> | undefined>({
    name: "ALLOWED_HOSTS", defaultText: "HOST:PORT,localhost:PORT,127.0.0.1:PORT", fallback: undefined, parse: hostList,
    description: "Host header values (comma-separated host or host:port; a host without a port allows any port) that file URLs may be built from when PUBLIC_BASE_URL is unset. Any other Host gets links to http://HOST:PORT."
  }),
  docsPublic: setting({
    name: "DOCS_PUBLIC", defaultText: "true", fallback: true, parse: bool,
    description: "Serve /docs and /openapi.json without API_TOKEN (they hold no secrets). false: they need the token like every other route but /health."
  }),
  shutdownGrace: setting({
    name: "SHUTDOWN_GRACE", defaultText: "30 seconds", fallback: Duration.seconds(30),
    parse: duration(Duration.millis(0)),
    description: "On SIGTERM/SIGINT, how long in-flight requests may finish before Chrome is closed."
  }),
  snapshotKey: setting<string | undefined>({
    name: "SNAPSHOT_KEY", defaultText: undefined, fallback: undefined, parse: secret(16), secret: true,
    description: "Key (min 16 characters) of the AES-256-GCM session snapshots (kept in the store) that survive restarts and evictions. Unset: snapshots off."
  }),
  snapshotInterval: setting({
    name: "SNAPSHOT_INTERVAL", defaultText: "5 minutes", fallback: Duration.minutes(5),
    parse: duration(Duration.seconds(1)),
    description: "How often live sessions are snapshotted (besides after each login and operation)."
  }),
  snapshotMaxAge: setting({
    name: "SNAPSHOT_MAX_AGE", defaultText: "12 hours", fallback: Duration.hours(12),
    parse: duration(Duration.seconds(1)),
    description: "Snapshots older than this are discarded at boot instead of restored."
  }),
  recycleAfterUses: setting({
    name: "RECYCLE_AFTER_USES", defaultText: "1000", fallback: 1000, parse: int(0, 10_000_000),
    description: "Replace a session's Chrome (keeping its login) after this many operations; 0 = never."
  }),
  recycleAfterAge: setting({
    name: "RECYCLE_AFTER_AGE", defaultText: "12 hours", fallback: Duration.hours(12),
    parse: duration(Duration.millis(0)),
    description: "Replace a session's Chrome (keeping its login) once it is this old; 0 = never."
  }),
  recycleMemoryMb: setting({
    name: "RECYCLE_MEMORY_MB", defaultText: "1024", fallback: 1024, parse: int(0, 1_000_000),
    description: "Replace a session's Chrome (keeping its login) once its process tree uses this much memory (PSS); 0 = never."
  }),
  drainDelay: setting({
    name: "DRAIN_DELAY", defaultText: "5 seconds", fallback: Duration.seconds(5),
    parse: duration(Duration.millis(0)),
    description: "On SIGTERM/SIGINT, how long /ready answers 503 (draining) while everything else is still served, so a load balancer stops sending traffic before the server stops accepting; then SHUTDOWN_GRACE applies. 0 = stop accepting at once."
  }),
  logLevel: setting({
    name: "LOG_LEVEL", defaultText: "Info", fallback: "Info" as LogLevelName,
    parse: oneOf(["Trace", "Debug", "Info", "Warn", "Error"] as const),
    description: "Least severe level written to the log."
  }),
  logFormat: setting({
    name: "LOG_FORMAT", defaultText: "json", fallback: "json" as LogFormat,
    parse: oneOf(["json", "pretty"] as const),
    description: "json: one flat JSON object per line (`timestamp`, `level`, a string `message`, then scalar fields). pretty: one readable line per record, for a terminal."
  }),
  metricsAccountLabel: setting({
    name: "METRICS_ACCOUNT_LABEL", defaultText: "username", fallback: "username" as AccountLabelMode,
    parse: oneOf(["username", "hash", "off"] as const),
    description: "The `account` label of the per-account metrics on /metrics: the portal username, a keyed hash of it (12 hex characters, stable across restarts), or off (no account label)."
  }),
  otlpEndpoint: setting<URL | undefined>({
    name: "OTEL_EXPORTER_OTLP_ENDPOINT", defaultText: undefined, fallback: undefined, parse: httpUrl,
    description: "OTLP/HTTP collector base URL (e.g. http://otel-collector:4318): spans (request → operation → portal phase) and log records go to `/v1/traces` and `/v1/logs`. Unset: no export."
  }),
  otlpProtocol: setting({
    name: "OTEL_EXPORTER_OTLP_PROTOCOL", defaultText: "http/protobuf", fallback: "http/protobuf" as OtlpProtocol,
    parse: oneOf(["http/protobuf", "http/json"] as const),
    description: "OTLP encoding: http/protobuf or http/json."
  }),
  otlpHeaders: setting<Readonly<Record<string, string>> | undefined>({
    name: "OTEL_EXPORTER_OTLP_HEADERS", defaultText: undefined, fallback: undefined, parse: headerList, secret: true,
    description: "Headers sent to the collector, `key=value,key2=value2` (e.g. an API key)."
  }),
  otelServiceName: setting({
    name: "OTEL_SERVICE_NAME", defaultText: "emodal-api", fallback: "emodal-api", parse: nonEmpty,
    description: "`service.name` of the exported spans and logs."
  })
} as const

type SettingValue<S> = S extends Setting<infer A> ? A : never

/** The environment variables that hold secrets (settings marked `secret`). */
export const secretVariables: ReadonlyArray<string> = Object.values(Settings)
  .filter((s: Setting<unknown>) => s.secret === true)
  .map((s) => s.name)

/** A rejected value as echoed in the boot error: a URL's user:password (up to the last `@`) blanked. */
const echo = (raw: string): string => JSON.stringify(raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/is, "$1<redacted>@"))

const readSetting = <A>(s: Setting<A>): Effect.Effect<A, ConfigInvalid> =>
  Config.String(s.name).pipe(
    Config.option,
    Effect.orElseSucceed(() => Option.none<string>()),
    Effect.flatMap((raw) => {
      if (Option.isNone(raw) || raw.value === "") return Effect.succeed(s.fallback as A)
      const parsed = s.parse(raw.value)
      return parsed instanceof ConfigExpectation
        ? Effect.fail(new ConfigInvalid({
          variable: s.name,
          expected: parsed.expected,
          got: s.secret === true ? "a value that is not shown" : echo(raw.value)
        }))
        : Effect.succeed(parsed)
    })
  )

const SECRET_FILE = "server-secret"

/**
 * Reads DATA_DIR/server-secret, creating it (32 random bytes, hex, mode 0600) when absent, so
 * fingerprints stay stable across restarts without the operator managing a key.
 */
const loadOrCreateServerSecret = (dataDir: string) =>
  Effect.try({
    try: () => {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 })
      const file = join(dataDir, SECRET_FILE)
      if (existsSync(file)) {
        const value = readFileSync(file, "utf8").trim()
        if (value.length >= 32) return value
      }
      const value = randomBytes(32).toString("hex")
      writeFileSync(file, value + "\n", { mode: 0o600 })
      chmodSync(file, 0o600)
      return value
    },
    catch: (cause) =>
      new ConfigInvalid({
        variable: "SERVER_SECRET",
        expected: `set, or DATA_DIR (${dataDir}) writable so one can be generated`,
        got: String((cause as Error).message ?? cause)
      })
  })

export const loadPortalConfig: Effect.Effect<PortalConfigShape, ConfigInvalid> = Effect.gen(function*() {
  const v = {} as { -readonly [K in keyof typeof Settings]: SettingValue<(typeof Settings)[K]> }
  for (const key of Object.keys(Settings) as Array<keyof typeof Settings>) {
    ;(v as Record<string, unknown>)[key] = yield* readSetting(Settings[key] as Setting<unknown>)
  }
  const dataDir = isAbsolute(v.dataDir) ? v.dataDir : resolve(process.cwd(), v.dataDir)
  const serverSecret = v.serverSecret ?? (yield* loadOrCreateServerSecret(dataDir))
  return {
    port: v.port,
    host: v.host,
    maxSessions: v.maxSessions,
    refreshCheckInterval: v.refreshCheckInterval,
    sessionRefreshAfter: v.sessionRefreshAfter,
    appointmentSessionTtl: v.appointmentSessionTtl,
    operationTimeout: v.operationTimeout,
    acquireTimeout: v.acquireTimeout,
    acquireQueueLimit: v.acquireQueueLimit,
    sessionQueueLimit: v.sessionQueueLimit,
    chromePath: Option.fromNullishOr(v.chromePath),
    chromeProfile: v.chromeProfile,
    headless: v.headless,
    browserIsolation: v.browserIsolation,
    dataDir,
    fileRetention: v.fileRetention,
    databaseUrl: Option.map(Option.fromNullishOr(v.databaseUrl), (u) => Redacted.make(u)),
    databaseFile: isAbsolute(v.databaseFile) ? v.databaseFile : join(dataDir, v.databaseFile),
    apiToken: Option.map(Option.fromNullishOr(v.apiToken), (t) => Redacted.make(t)),
    serverSecret: Redacted.make(serverSecret),
    portal: {
      identity: v.identityUrl,
      ecp2: v.ecp2Url,
      termops: v.termopsUrl,
      truckerportal: v.truckerportalUrl
    },
    captchaApiUrl: v.captchaApiUrl,
    captchaApiKey: Option.map(Option.fromNullishOr(v.captchaApiKey), (k) => Redacted.make(k)),
    captchaStrategy: v.captchaStrategy,
    captchaProtocol: v.captchaProtocol,
    captchaTimeout: v.captchaTimeout,
    captchaPollInterval: v.captchaPollInterval,
    proxyUrl: Option.fromNullishOr(v.proxyUrl),
    publicBaseUrl: Option.fromNullishOr(v.publicBaseUrl),
    allowedHosts: Option.fromNullishOr(v.allowedHosts),
    docsPublic: v.docsPublic,
    shutdownGrace: v.shutdownGrace,
    drainDelay: v.drainDelay,
    logLevel: v.logLevel,
    logFormat: v.logFormat,
    metricsAccountLabel: v.metricsAccountLabel,
    otlpEndpoint: Option.fromNullishOr(v.otlpEndpoint),
    otlpProtocol: v.otlpProtocol,
    otlpHeaders: Option.map(Option.fromNullishOr(v.otlpHeaders), (h) => Redacted.make(h)),
    otelServiceName: v.otelServiceName,
    snapshotKey: Option.map(Option.fromNullishOr(v.snapshotKey), (k) => Redacted.make(k)),
    snapshotInterval: v.snapshotInterval,
    snapshotMaxAge: v.snapshotMaxAge,
    recycleAfterUses: v.recycleAfterUses,
    recycleAfterAge: v.recycleAfterAge,
    recycleMemoryMb: v.recycleMemoryMb
  } satisfies PortalConfigShape
})

/** Markdown table of every setting, for the README. */
export const settingsMarkdownTable = (): string => {
  const rows = Object.values(Settings).map((s: Setting<unknown>) =>
    `| \`${s.name}\` | ${s.defaultText === undefined ? "—" : `\`${s.defaultText}\``} | ${s.description.replaceAll("|", "\\|")} |`
  )
  return ["| Variable | Default | Meaning |", "| --- | --- | --- |", ...rows].join("\n")
}

export class PortalConfig extends Context.Service<PortalConfig, PortalConfigShape>()("emodal-api/services/PortalConfig") {
  /** Reads and validates the configuration from the ambient ConfigProvider (the environment). */
  static readonly layer: Layer.Layer<PortalConfig, ConfigInvalid> = Layer.effect(PortalConfig, loadPortalConfig)

  /**
   * Fixed values for tests: the defaults overridden by `env`, never reading process.env. SERVER_SECRET
   * is fixed so no file is written unless a test asks for it.
   */
  static readonly layerTest = (env: Record<string, string> = {}): Layer.Layer<PortalConfig, ConfigInvalid> =>
    Layer.effect(PortalConfig, loadPortalConfig).pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({
        env: { SERVER_SECRET: "test-secret-0123456789abcdef0123456789", ...env }
      })))
    )
}
