// Typed errors that say whose fault a failure is (after syzkaller's BootError / InfraError).
// The CLI prints `message`, then `hint` (what to do), then `evidence` (console lines, output).

export type Fault = 'usage' | 'host' | 'boot' | 'guest' | 'kernel' | 'interrupted'

export class MicrobedError extends Error {
  readonly fault: Fault
  readonly hint?: string
  readonly evidence?: string
  constructor(fault: Fault, message: string, opts: { hint?: string; evidence?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.fault = fault
    this.hint = opts.hint
    this.evidence = opts.evidence
  }
}

/** The user asked for something that does not exist or does not make sense. */
export class UsageError extends MicrobedError {
  constructor(message: string, hint?: string) { super('usage', message, { hint }) }
}

/** The host lacks something (a tool, a package, a permission) or its infrastructure failed. */
export class HostError extends MicrobedError {
  constructor(message: string, opts: { hint?: string; evidence?: string; cause?: unknown } = {}) { super('host', message, opts) }
}

/** The guest did not come up: the kernel, the initramfs or QEMU's configuration is at fault. */
export class BootError extends MicrobedError {
  constructor(message: string, opts: { hint?: string; evidence?: string; cause?: unknown } = {}) { super('boot', message, opts) }
}

/** The guest is up but a command in it failed or timed out. */
export class GuestError extends MicrobedError {
  constructor(message: string, opts: { hint?: string; evidence?: string; cause?: unknown } = {}) { super('guest', message, opts) }
}

/** The guest kernel crashed (oops, BUG, panic, ...); evidence holds the console excerpt. */
export class KernelCrashError extends MicrobedError {
  readonly kind: string
  constructor(kind: string, evidence: string) {
    super('kernel', `guest kernel crash detected on the console: ${kind}`, { evidence })
    this.kind = kind
  }
}

/** The run was stopped by SIGINT or SIGTERM. */
export class InterruptedError extends MicrobedError {
  constructor(signal: string) { super('interrupted', `interrupted by ${signal}; the guest was shut down`) }
}

/** Exit status in words, as zx does: 137 is "killed", 139 a segmentation fault. */
export function describeExit(code: number | null | undefined, signal?: string | null): string {
  if (signal) return `killed by ${signal}`
  if (code === null || code === undefined) return 'no exit status'
  const bySignal: Record<number, string> = { 130: 'interrupted (SIGINT)', 137: 'killed (SIGKILL)', 139: 'segmentation fault (SIGSEGV)', 143: 'terminated (SIGTERM)', 134: 'aborted (SIGABRT)' }
  return bySignal[code] ? `exit ${code}: ${bySignal[code]}` : `exit ${code}`
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
