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
import { ConfigExpectation } from "./config/Parsers.ts"
import {
  type AccountLabelMode,
  type BrowserIsolation,
  type CaptchaProtocol,
  type CaptchaStrategy,
  type ChromeProfile,
  type LogFormat,
  type LogLevelName,
  type OtlpProtocol,
  type Setting,
  type SettingValue,
  Settings
} from "./config/Settings.ts"

export type {
  AccountLabelMode,
  BrowserIsolation,
  CaptchaProtocol,
  CaptchaStrategy,
  ChromeProfile,
  LogFormat,
  LogLevelName,
  OtlpProtocol
} from "./config/Settings.ts"

export class ConfigInvalid extends Data.TaggedError("ConfigInvalid")<{
  readonly variable: string
  readonly expected: string
  readonly got: string
}> {
  override get message(): string {
    return `Invalid configuration: ${this.variable} must be ${this.expected} (got ${this.got})`
  }
}

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
