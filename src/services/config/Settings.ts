/**
 * Every setting declared once: its variable, default (as the README shows it), meaning and parser.
 * The README's configuration table is generated from it (`npm run docs:config`).
 */
import { Duration } from "effect"
import { bool, duration, headerList, hostList, httpUrl, int, nonEmpty, oneOf, type Parse, postgresUrl, proxyUrl, secret } from "./Parsers.ts"

export type ChromeProfile = "conservative" | "moderate" | "aggressive"
export type BrowserIsolation = "process" | "context"
export type CaptchaStrategy = "token" | "audio"
export type CaptchaProtocol = "classic" | "task"
export type LogLevelName = "Trace" | "Debug" | "Info" | "Warn" | "Error"
export type LogFormat = "json" | "pretty"
/** How metrics name the portal account: its username, a keyed hash of it, or not at all. */
export type AccountLabelMode = "username" | "hash" | "off"
export type OtlpProtocol = "http/protobuf" | "http/json"

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

export const setting = <A>(s: Setting<A>): Setting<A> => s

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

export type SettingValue<S> = S extends Setting<infer A> ? A : never

/** The environment variables that hold secrets (settings marked `secret`). */
export const secretVariables: ReadonlyArray<string> = Object.values(Settings)
  .filter((s: Setting<unknown>) => s.secret === true)
  .map((s) => s.name)


/** Markdown table of every setting, for the README. */
export const settingsMarkdownTable = (): string => {
  const rows = Object.values(Settings).map((s: Setting<unknown>) =>
    `| \`${s.name}\` | ${s.defaultText === undefined ? "—" : `\`${s.defaultText}\``} | ${s.description.replaceAll("|", "\\|")} |`
  )
  return ["| Variable | Default | Meaning |", "| --- | --- | --- |", ...rows].join("\n")
}
