// Structured log events (kind: step, info, warn, cmd, retry, progress). The CLI renders them for a
// person (live progress on a terminal, plain lines in CI) and the results document keeps them as data.

export type EventKind = 'step' | 'info' | 'warn' | 'cmd' | 'retry' | 'progress' | 'done'

export interface LogEvent {
  t: number // ms since the log was created
  kind: EventKind
  msg: string
  data?: Record<string, unknown>
}

export interface Sink { write(ev: LogEvent): void }

export class Log {
  readonly events: LogEvent[] = []
  private readonly start = Date.now()
  constructor(private readonly sinks: Sink[] = []) {}

  emit(kind: EventKind, msg: string, data?: Record<string, unknown>): void {
    const ev: LogEvent = { t: Date.now() - this.start, kind, msg, ...(data ? { data } : {}) }
    // Progress ticks are for the screen only: keeping them would bloat the results document.
    if (kind !== 'progress') this.events.push(ev)
    for (const s of this.sinks) s.write(ev)
  }
  step(msg: string, data?: Record<string, unknown>) { this.emit('step', msg, data) }
  info(msg: string, data?: Record<string, unknown>) { this.emit('info', msg, data) }
  warn(msg: string, data?: Record<string, unknown>) { this.emit('warn', msg, data) }
  cmd(msg: string, data?: Record<string, unknown>) { this.emit('cmd', msg, data) }
  done(msg: string, data?: Record<string, unknown>) { this.emit('done', msg, data) }

  /** Runs fn while showing elapsed time on a terminal; logs how long it took. */
  async timed<T>(what: string, fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
    const t0 = Date.now()
    this.step(what)
    const tick = setInterval(() => this.emit('progress', `${what} … ${((Date.now() - t0) / 1000).toFixed(0)} s`), 1000)
    try {
      const value = await fn()
      const ms = Date.now() - t0
      this.done(`${what}: ${(ms / 1000).toFixed(2)} s`, { ms })
      return { value, ms }
    } finally {
      clearInterval(tick)
    }
  }
}

/** Renders events for a person. On a terminal progress overwrites one line; elsewhere it is dropped. */
export class ConsoleSink implements Sink {
  private live = false
  constructor(private readonly out: NodeJS.WriteStream = process.stderr, private readonly verbose = false) {}
  write(ev: LogEvent): void {
    const tty = this.out.isTTY === true
    if (ev.kind === 'progress') {
      if (!tty) return
      this.out.write(`\r\x1b[2K  ${ev.msg}`)
      this.live = true
      return
    }
    if (ev.kind === 'cmd' && !this.verbose) return
    if (this.live) { this.out.write('\r\x1b[2K'); this.live = false }
    const mark: Record<EventKind, string> = { step: '▸', info: ' ', warn: '!', cmd: '$', retry: '↻', progress: ' ', done: '✓' }
    const stamp = `[${(ev.t / 1000).toFixed(1).padStart(6)}s]`
    this.out.write(`${stamp} ${mark[ev.kind]} ${ev.msg}\n`)
  }
}

/** A log that goes nowhere, for tests. */
export const silentLog = (): Log => new Log([])
