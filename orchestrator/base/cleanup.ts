// Everything that must not outlive a run (QEMU processes, network namespaces, temporary dirs)
// registers a synchronous undo here. Normal paths undo and unregister themselves; whatever is
// still registered when the process exits, or gets SIGINT/SIGTERM, is undone here.
// (QEMU also runs under `setpriv --pdeathsig KILL`, the backstop for a SIGKILLed orchestrator.)

type Undo = () => void
const pending = new Map<number, { what: string; undo: Undo }>()
let nextId = 1
let hooked = false

export function onCleanup(what: string, undo: Undo): () => void {
  hookExit()
  const id = nextId++
  pending.set(id, { what, undo })
  return () => { pending.delete(id) }
}

export function runAllCleanups(): string[] {
  const done: string[] = []
  for (const [id, { what, undo }] of [...pending].reverse()) {
    pending.delete(id)
    try { undo(); done.push(what) } catch { /* keep going: the next undo matters as much */ }
  }
  return done
}

export function pendingCleanups(): string[] {
  return [...pending.values()].map(p => p.what)
}

function hookExit() {
  if (hooked) return
  hooked = true
  process.on('exit', () => { runAllCleanups() })
}

/** For the CLI: SIGINT/SIGTERM undo everything, say so, and exit 130/143. A second signal exits at once. */
export function installSignalHandlers(onSignal?: (sig: NodeJS.Signals) => void): void {
  hookExit()
  let seen = false
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (seen) process.exit(sig === 'SIGINT' ? 130 : 143)
      seen = true
      onSignal?.(sig)
      const undone = runAllCleanups()
      process.stderr.write(`\nmicrobed: ${sig} received; cleaned up: ${undone.length ? undone.join(', ') : 'nothing was running'}\n`)
      process.exit(sig === 'SIGINT' ? 130 : 143)
    })
  }
}

/** Whether a process exists (EPERM: it does, but is not ours). */
export function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM' }
}
