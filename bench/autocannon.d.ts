// The part of autocannon's API the load test uses (the package ships no types).
declare module "autocannon" {
  interface Histogram {
    readonly p50: number
    readonly p90: number
    readonly p99: number
    readonly average: number
    readonly max: number
  }
  interface Result {
    readonly latency: Histogram
    readonly requests: { readonly total: number; readonly average: number }
    readonly non2xx: number
    readonly errors: number
    readonly timeouts: number
    readonly duration: number
    readonly statusCodeStats: Readonly<Record<string, { readonly count: number }>>
  }
  interface RequestSpec {
    readonly method?: string
    readonly path?: string
    readonly headers?: Record<string, string>
    readonly body?: string
  }
  interface Options {
    readonly url: string
    readonly connections?: number
    readonly amount?: number
    readonly duration?: number
    readonly timeout?: number
    readonly method?: string
    readonly headers?: Record<string, string>
    readonly body?: string
    readonly requests?: ReadonlyArray<RequestSpec>
  }
  function autocannon(options: Options): Promise<Result>
  export default autocannon
}
