import { defineConfig } from "vitest/config"

// Three projects: `unit` needs no browser and runs in parallel; `store` is the SQL store's suite,
// run against SQLite and Postgres (its global setup provides the Postgres, see
// test/utils/PostgresGlobalSetup.ts); `e2e` drives real Chromium against the bundled portal
// simulator, so its files run one at a time to keep the 2-core CI box honest. The simulator
// workspace's own tests (simulator/test) join `unit` and, for its browser tests, `e2e`.
export default defineConfig({
  test: {
    // A private TMPDIR per run, and a failed run if it leaks temporary directories or processes.
    globalSetup: ["test/utils/TempDirGuard.ts"],
    // Console output (the service's logs) is buffered per test and printed only for a test that
    // fails: a green run stays readable although tests provoke crashes and errors on purpose.
    // `--silent=false` prints everything.
    silent: "passed-only",
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts", "simulator/test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/services/store/**", "simulator/test/e2e/**"],
          testTimeout: 20_000
        }
      },
      {
        test: {
          name: "store",
          include: ["test/services/store/**/*.test.ts"],
          globalSetup: ["test/utils/PostgresGlobalSetup.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000
        }
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts", "simulator/test/e2e/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false
        }
      }
    ]
  }
})
