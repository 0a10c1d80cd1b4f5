// A fake guest for scenario logic without QEMU (after syzkaller's vm_test.go): commands in the
// guest and on the host side of the cable are answered by rules (the first whose pattern matches),
// and the kernel log is a script the rules append to, stamped as dmesg stamps it. A command no rule
// answers fails the test, naming the command, so a fake never answers by accident.
import { GuestError } from '../../orchestrator/base/errors.ts'
import { Log } from '../../orchestrator/base/log.ts'
import { defaults, type Options } from '../../orchestrator/base/options.ts'
import type { ExecOptions, ExecResult, GuestSession } from '../../orchestrator/session/ssh.ts'
import type { NicSpec, Variant } from '../../orchestrator/testbed/nics.ts'
import type { Guest, Testbed } from '../../orchestrator/testbed/testbed.ts'
import type { Crash } from '../../orchestrator/vm/crash.ts'
import type { HostRun, Instance } from '../../orchestrator/vm/vm.ts'

export type Reply = Partial<ExecResult> | string
export interface Rule {
  match: RegExp
  reply: Reply | ((m: RegExpExecArray, g: FakeGuest) => Reply)
}

function toResult(r: Reply): ExecResult {
  const x = typeof r === 'string' ? { stdout: r } : r
  return { code: x.code ?? 0, stdout: x.stdout ?? '', stderr: x.stderr ?? '', ms: 1, signal: x.signal }
}

export class FakeGuest implements Guest {
  readonly commands: string[] = []
  readonly hostCommands: string[][] = []
  /** The kernel log: lines without their time stamp. */
  readonly kernelLog: string[] = []
  crashed: Crash | null = null
  bootMs = 1000
  dir = '/nonexistent/fake-guest'
  vm: Instance
  ssh: GuestSession

  constructor(readonly nic: NicSpec, readonly variant: Variant, private readonly rules: Rule[], private readonly hostRules: Rule[] = []) {
    const self = this
    this.vm = {
      sshPort: 0,
      traffic: { exec: [], host: '127.0.0.1', port: 5201 },
      consoleLog: '/nonexistent/fake-guest/console.log',
      console: () => '',
      crash: () => self.crashed,
      exited: () => null,
      setLink: async () => undefined,
      qmpExecute: async cmd => { throw new Error(`the fake guest has no QMP (${cmd})`) },
      async hostRun(argv: string[]): Promise<HostRun> {
        self.hostCommands.push(argv)
        const r = toResult(self.answer(argv.join(' '), self.hostRules, 'on the host'))
        return { exitCode: r.code ?? undefined, stdout: r.stdout, stderr: r.stderr }
      },
      close: async () => undefined,
    }
    this.ssh = {
      async exec(cmd: string, o: ExecOptions = {}): Promise<ExecResult> {
        self.commands.push(cmd)
        const r = cmd === 'dmesg' ? { code: 0, stdout: self.dmesg(), stderr: '', ms: 1 } : toResult(self.answer(cmd, self.rules, 'in the guest'))
        if ((o.check ?? true) && r.code !== 0) throw new GuestError(`\`${cmd}\` failed in the fake guest (exit ${r.code})`)
        return r
      },
      async push() { throw new Error('the fake guest takes no files') },
      close() {},
    }
  }

  private answer(cmd: string, rules: Rule[], where: string): Reply {
    for (const rule of rules) {
      const m = rule.match.exec(cmd)
      if (m) return typeof rule.reply === 'function' ? rule.reply(m, this) : rule.reply
    }
    throw new Error(`the fake guest has no answer for \`${cmd}\` ${where}`)
  }

  /** Appends a kernel log line (e.g. "microbed: event=replay ... result=0"). */
  log(line: string): void { this.kernelLog.push(line) }

  dmesg(): string {
    return this.kernelLog.map((l, i) => `[${(10 + i * 0.05).toFixed(6).padStart(12)}] ${l}`).join('\n') + '\n'
  }

  /** How many `microbed: event=E` lines the log holds. */
  events(event: string): number {
    return this.kernelLog.filter(l => new RegExp(`microbed: event=${event}\\b`).test(l)).length
  }

  async saveDmesg(): Promise<string | null> { return null }
  async close(): Promise<void> {}
}

/** The guest-side shell loop of scenarios/guest-ops.ts waitEvent, answered from the fake's log. */
export const waitEventRule: Rule = {
  match: /dmesg \| grep -c 'microbed: event=(\S+?)\\b'\) -gt (\d+) \]/,
  reply: (m, g) => ({ code: g.events(m[1]!) > Number(m[2]) ? 0 : 1 }),
}

/** A testbed whose guests come from `make` (one per boot), with options for a quick run. */
export function fakeTestbed(make: (nic: NicSpec, variant: Variant) => FakeGuest, opts: Partial<Options> = {}): Testbed & { guests: FakeGuest[] } {
  const guests: FakeGuest[] = []
  return {
    opts: { ...defaults, ...opts },
    log: new Log([]),
    image: { hash: 'fake', dir: '/nonexistent', kernel: '', initramfs: '', sshKey: '', manifest: {} } as unknown as Testbed['image'],
    accel: { accel: 'tcg', reason: 'fake' },
    imageMs: 0,
    runDir: '/nonexistent/fake-run',
    guests,
    boot: async (_tb, nic, variant) => {
      const g = make(nic, variant)
      guests.push(g)
      return g
    },
  }
}
