// The crash detector, on reports the guest's own kernel printed (captured by
// test/fixtures/capture-crashes.ts from test/kmod/crashtest) and on hand-written texts for the kinds
// a module cannot trigger quickly (lockups, hung tasks, RCU stalls).
import { expect } from 'chai'
import { readFileSync } from 'node:fs'
import { CrashWatcher, detectCrash, lastLines } from '../orchestrator/vm/crash.ts'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/console/${name}`, import.meta.url), 'utf8')

describe('crash detector', () => {
  it('finds nothing in a clean boot log that mentions "bug" and "warning" in passing', () => {
    expect(detectCrash(fixture('clean-boot-dmesg.txt'))).to.equal(null)
  })

  const real: [string, string, RegExp][] = [
    ['crash-warn.txt', 'warning', /WARNING: CPU: 0 PID: \d+ at .*crashtest\.c/],
    ['crash-bug.txt', 'kernel BUG', /kernel BUG at .*crashtest\.c/],
    ['crash-null.txt', 'NULL pointer dereference', /BUG: kernel NULL pointer dereference/],
    ['crash-gpf.txt', 'general protection fault', /general protection fault/],
    ['crash-panic.txt', 'kernel panic', /Kernel panic - not syncing: microbed crashtest/],
  ]
  for (const [file, kind, evidence] of real) {
    it(`names a real ${kind} report and keeps it as evidence (${file})`, () => {
      const c = detectCrash(fixture(file))
      expect(c, file).to.not.equal(null)
      expect(c!.kind).to.equal(kind)
      expect(c!.excerpt).to.match(evidence)
      expect(c!.excerpt).to.match(/RIP: 0010:|Call Trace|Kernel Offset|end Kernel panic/)
    })
  }

  it('a user process\'s general protection fault, as the kernel reports it, is no kernel crash', () => {
    const user = '[ 1329.027957] traps: mb-udriver[16178] general protection fault ip:42bf8c sp:7f49dbf59128 error:0 in mb-udriver[401000+ad000]'
    expect(detectCrash(`[   1.0] booting\n${user}\n[   1.1] more`)).to.equal(null)
    expect(detectCrash(`${user}\n${fixture('crash-gpf.txt')}`)?.kind).to.equal('general protection fault')
  })

  it('ends the excerpt at the end-of-trace marker', () => {
    const c = detectCrash(fixture('crash-warn.txt'))!
    expect(c.excerpt.trimEnd().split('\n').pop()).to.match(/---\[ end trace [0-9a-f]+ \]---/)
  })

  const synthetic: [string, string][] = [
    ['[  45.1] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [kworker/0:1:123]', 'soft lockup'],
    ['[ 242.9] INFO: task kworker/0:2:88 blocked for more than 120 seconds.', 'hung task'],
    ['[  61.0] rcu: INFO: rcu_preempt self-detected stall on CPU', 'RCU stall'],
    ['[  61.0] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:', 'RCU stall'],
    ['[   9.9] BUG: unable to handle page fault for address: ffffffffc0123000', 'bad pointer dereference'],
    ['[   9.9] Oops: 0002 [#1] PREEMPT SMP NOPTI', 'oops'],
    ['[   9.9] invalid opcode: 0000 [#1] PREEMPT SMP NOPTI', 'invalid opcode'],
  ]
  for (const [line, kind] of synthetic) {
    it(`names "${kind}" from: ${line.replace(/^\[[^\]]*\] /, "").slice(0, 50)}`, () => {
      expect(detectCrash(`[   1.0] booting\n${line}\n[   1.1] more`)?.kind).to.equal(kind)
    })
  }

  it('finds a report split across console chunks, and reports it once', () => {
    const text = fixture('crash-null.txt')
    const w = new CrashWatcher()
    const found = []
    for (let i = 0; i < text.length; i += 37) { const c = w.feed(text.slice(i, i + 37)); if (c) found.push(c) }
    expect(found).to.have.length(1)
    expect(found[0]!.kind).to.equal('NULL pointer dereference')
    expect(w.crash).to.equal(found[0])
  })

  it('grows the excerpt with the report when its first line came in a chunk of its own', () => {
    const text = fixture('crash-null.txt')
    const at = text.indexOf('\n', text.indexOf('BUG: kernel NULL pointer dereference')) + 1
    const w = new CrashWatcher()
    const c = w.feed(text.slice(0, at))
    expect(c?.excerpt).to.not.match(/RIP: 0010:/)
    expect(w.feed(text.slice(at))).to.equal(null) // reported once
    expect(w.crash).to.equal(c)
    expect(c!.excerpt).to.match(/RIP: 0010:mb_crash/).and.match(/Call Trace:/)
  })

  it('keeps the last lines of the console for error messages', () => {
    expect(lastLines('a\nb\nc\n\n', 2)).to.equal('b\nc')
  })
})
