// Retry with backoff as one named helper; every failed attempt is logged as a `retry` event.
import type { Log } from './log.ts'

export interface RetryOptions {
  what: string // what is being attempted, for the log and the final error
  deadlineMs: number // give up once this much time has passed since the first attempt
  initialDelayMs?: number
  maxDelayMs?: number
  factor?: number
  log?: Log
  /** Called after each failure; throw from it to stop retrying at once (e.g. QEMU died). */
  check?: (err: unknown) => void | Promise<void>
}

export class RetryExhausted extends Error {
  constructor(readonly what: string, readonly attempts: number, readonly elapsedMs: number, readonly last: unknown) {
    super(`${what}: gave up after ${attempts} attempts in ${(elapsedMs / 1000).toFixed(1)} s; last error: ${last instanceof Error ? last.message : String(last)}`)
  }
}

export const sleep = (ms: number) => new Promise<void>(r => setTimeout(r, ms))

export async function retry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const t0 = Date.now()
  let delay = o.initialDelayMs ?? 200
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (err) {
      if (o.check) await o.check(err)
      const elapsed = Date.now() - t0
      if (elapsed + delay > o.deadlineMs) throw new RetryExhausted(o.what, attempt, elapsed, err)
      o.log?.emit('retry', `${o.what}: attempt ${attempt} failed (${err instanceof Error ? err.message : String(err)}); retrying in ${delay} ms`)
      await sleep(delay)
      delay = Math.min(o.maxDelayMs ?? 2000, Math.round(delay * (o.factor ?? 1.6)))
    }
  }
}
