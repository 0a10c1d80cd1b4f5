// fault-isolation: two NICs under test in one guest (--nic both), one u-driver process serving
// both under split. A fault is planted in one device's handling only (mb-udriver -D DRIVER -f
// KIND:GET_LINK_KSETTINGS:1: an error returned, a garbage reply, a reply too late, a loop that
// never returns) and fired by `ethtool` on that device; meanwhile the other device is pinged every
// 20 ms and asked the same control operation (the same op number in its own driver). PASS only if
// the other device lost no ping and its control operation was answered at its usual speed while
// the faulty one's upcall was in flight, the kernel detached at most the faulty instance (never
// the other, never the process), and the faulty device came back by itself.
import { guestCase, type CaseBuilder, type Scenario } from '../orchestrator/testbed/scenario.ts'
import { dutAddresses } from '../orchestrator/vm/qemu.ts'
import { summarize, type CaseResult } from '../orchestrator/results/results.ts'
import { detectCrash } from '../orchestrator/vm/crash.ts'
import { memberOf, splitNames, type NicSpec } from '../orchestrator/testbed/nics.ts'
import type { Guest, Testbed } from '../orchestrator/testbed/testbed.ts'
import { countEvents, microbedEvents, pingGaps, run, startUdriver, stopUdriver, waitEvent } from './guest-ops.ts'

/** The faults planted in one device's handling, what each does, whether the kernel must
 *  detach the faulty instance (and only it) to recover, and whether its upcall hangs (until the
 *  upcall timeout detaches it). */
export const ISOLATION_FAULTS = [
  { kind: 'retval', what: 'the operation returns an error', detaches: false, hangs: false },
  { kind: 'garbage.seq', what: 'a reply with a wrong sequence number (a protocol violation)', detaches: true, hangs: false },
  { kind: 'late', what: 'the reply comes after the upcall timeout (a hang of one upcall)', detaches: true, hangs: true },
  { kind: 'loop', what: 'the operation never returns (its worker thread spins)', detaches: true, hangs: true },
] as const

/** The op the fault is planted in: `ethtool DEV` asks it first, in both drivers (same number). */
const OP = 'GET_LINK_KSETTINGS'
/** The other device's ethtool must take at most this many times its fault-free time (when RTNL
 *  is free). */
const MAX_SLOWDOWN = 3
/** Its null upcalls, when no upcall hangs, at most this many times theirs: a sanity bound (the
 *  machine's own noise has measured 3.7× on a 2-core host running four guests). */
const MAX_NULL_SLOWDOWN = 20
const PING_INTERVAL_S = 0.02

interface Dut { index: number; ifname: string; nic: NicSpec; driver: string; peer: string; pci: string }

/** A device's kernel-log events from a dmesg tail: its own, by PCI name. */
const eventsOf = (ev: ReturnType<typeof microbedEvents>, d: Dut) => ev.filter(e => e.line.includes(` dev=${d.pci} `))
const brief = (ev: ReturnType<typeof microbedEvents>) => ev.map(e => e.line.replace(/^.*microbed: event=/, '').replace(/ driver=\S+ dev=\S+/, '')).join(' | ')

/** ms that `cmd` took in the guest (timed there, not over SSH), and its output. */
async function timed(g: Guest, cmd: string, timeoutMs = 60_000) {
  const r = await run(g, `t0=\${EPOCHREALTIME/./}; ${cmd} > /tmp/iso-op.txt 2>&1; rc=$?; t1=\${EPOCHREALTIME/./}; echo "$rc $(( (t1 - t0) / 1000 ))"; cat /tmp/iso-op.txt`, timeoutMs)
  const [head, ...rest] = r.stdout.split('\n')
  const [rc, ms] = (head ?? '').trim().split(' ').map(Number)
  return { code: rc ?? -1, ms: ms ?? NaN, out: rest.join('\n') }
}

const linkOk = (out: string) => /Link detected: yes/.test(out)

/** Null upcalls per mb-bench run: each goes through the device's own worker, and no RTNL. */
const NULL_CALLS = 200
interface Baseline { ethtoolMs: number; nullUs: number }

/** The mean round trip of NULL_CALLS null upcalls to device d (mb-bench -d), or why not. */
async function nullUpcalls(g: Guest, d: Dut, before = '', after = ''): Promise<{ us: number | null; why: string; out: string }> {
  const r = await run(g, `${before}mb-bench -d ${d.pci} ${NULL_CALLS}${after}`, 60_000)
  const us = /upcall_null_us=([\d.]+)/.exec(r.stdout)?.[1]
  return us ? { us: Number(us), why: '', out: r.stdout } : { us: null, why: `exit ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 200)}`, out: r.stdout }
}

async function udriverPids(g: Guest, udriver: string): Promise<string[]> {
  return (await run(g, `pgrep -x ${udriver}`)).stdout.trim().split('\n').filter(Boolean)
}

/** Restarts the u-driver with `args` and waits until it has attached to and replayed both
 *  devices; the one process's pid, or null with why not. */
async function restartWith(g: Guest, udriver: string, args: string | undefined, duts: Dut[]): Promise<{ pid: string | null; why: string }> {
  const replays = await countEvents(g, 'replay')
  await g.ssh.exec(`${stopUdriver(udriver)}\n${startUdriver(udriver, args)}`)
  const r = await waitEvent(g, 'replay', replays + duts.length - 1, 20)
  const pids = await udriverPids(g, udriver)
  if (r.code !== 0) return { pid: null, why: `both devices not replayed within 20 s of the restart (${pids.length} ${udriver} running)` }
  if (pids.length !== 1) return { pid: null, why: `${pids.length} ${udriver} processes, not one` }
  return { pid: pids[0]!, why: '' }
}

async function isolationCase(tb: Testbed, g: Guest, c: CaseBuilder, duts: Dut[], udriver: string, timeoutMs: number, faulty: Dut, other: Dut, f: (typeof ISOLATION_FAULTS)[number], base: Baseline) {
  const tag = `${f.kind} in ${faulty.ifname} (${faulty.driver})`
  const hangs = f.hangs
  const start = await restartWith(g, udriver, `-D ${faulty.driver} -f ${f.kind}:${OP}:1`, duts)
  if (!start.pid) { c.check(`${tag}: one u-driver with the fault armed serves both devices`, false, start.why); return }
  const before = (await g.ssh.exec('dmesg')).stdout.length
  // The other device's traffic through the whole fault, from before it fires to after recovery.
  await g.ssh.exec(`rm -f /tmp/iso-ping.txt; (ping -i ${PING_INTERVAL_S} -I ${other.ifname} ${other.peer} > /tmp/iso-ping.txt 2>&1 & echo $! > /tmp/iso-ping.pid)`)
  await run(g, 'sleep 1')
  const firedBefore = Number((await run(g, `dmesg | grep -c 'event=fault-fired driver=${faulty.driver} '`)).stdout.trim()) || 0
  // Fire the fault on the faulty device (in the background: a hang must not hold us up).
  await g.ssh.exec(`(t0=\${EPOCHREALTIME/./}; ethtool ${faulty.ifname} > /tmp/iso-faulty.txt 2>&1; echo "rc=$? ms=$(( (\${EPOCHREALTIME/./} - t0) / 1000 ))" >> /tmp/iso-faulty.txt) </dev/null >/dev/null 2>&1 &`)
  // While the faulty device's upcall is in flight (late, loop) or just answered: the other
  // device's upcalls, first without RTNL (mb-bench's null upcalls, through its own worker), then
  // an ethtool operation (under RTNL, which the faulty device's hung ethtool holds). A hang is a
  // hang once its worker has yielded (mb-udriver moves a worker busy in one upcall for 500 ms to
  // SCHED_IDLE): until then a loop competes for the CPU like any busy thread. All in one guest
  // command, so that no SSH round trip comes between the hang and the evidence.
  const nul = await nullUpcalls(g, other, `for i in $(seq 100); do [ $(dmesg | grep -c 'event=fault-fired driver=${faulty.driver} ') -gt ${firedBefore} ] && break; sleep 0.1; done; ${hangs ? 'sleep 1; ' : ''}`,
    `; pgrep -f '^ethtool ${faulty.ifname}$' >/dev/null && echo inflight=yes || echo inflight=no`)
  const inFlight = /inflight=yes/.test(nul.out)
  const op = await timed(g, `ethtool ${other.ifname}`)
  // The faulty device's operation ends (an error), then the device is served again.
  const done = await run(g, `for i in $(seq ${Math.ceil((timeoutMs + 15_000) / 100)}); do grep -q '^rc=' /tmp/iso-faulty.txt && break; sleep 0.1; done; cat /tmp/iso-faulty.txt`, timeoutMs + 30_000)
  const back = await run(g, `for i in $(seq 200); do ethtool ${faulty.ifname} 2>/dev/null | grep -q 'Link detected: yes' && exit 0; sleep 0.1; done; exit 1`, 40_000)
  const faultyTraffic = await run(g, `ping -c 3 -i 0.2 -W 2 -I ${faulty.ifname} ${faulty.peer}`)
  await run(g, 'sleep 1; kill -INT $(cat /tmp/iso-ping.pid); sleep 0.5')
  const ping = pingGaps((await g.ssh.exec('cat /tmp/iso-ping.txt')).stdout)
  const ev = microbedEvents((await g.ssh.exec('dmesg')).stdout.slice(before))
  const pidsAfter = await udriverPids(g, udriver)

  const fired = ev.some(e => e.event === 'fault-fired' && e.line.includes(`driver=${faulty.driver}`) && e.line.includes(`dev=${faulty.pci}`))
  c.check(`${tag}: the fault fired in ${faulty.ifname}'s handling only`, fired && !ev.some(e => e.event === 'fault-fired' && e.line.includes(`dev=${other.pci}`)),
    brief(ev.filter(e => e.event.startsWith('fault-'))) || 'no fault-fired event')
  const rc = /rc=(\d+) ms=(\d+)/.exec(done.stdout)
  // A fault that costs the instance its u-driver (detaches) is retried by the kernel on the
  // instance's next one, after its replay: ethtool gets its answer. An error the u-driver
  // returned (retval) is the driver's answer, and stands.
  const retries = eventsOf(ev, faulty).filter(e => e.event === 'retry')
  const failed = !!rc && (rc[1] !== '0' || /Cannot get|netlink error/i.test(done.stdout))
  const ended = f.detaches ? !!rc && !failed && linkOk(done.stdout) && retries.some(e => /result=retried/.test(e.line)) : failed && !retries.length
  c.check(`${tag}: ${faulty.ifname}'s operation ${f.detaches ? 'answered after the kernel retried it on the recovered instance' : 'failed cleanly with the driver\'s error'}`, ended,
    `${rc ? `ethtool ${faulty.ifname}: exit ${rc[1]} after ${rc[2]} ms${failed ? `: ${done.stdout.split('\n').filter(l => /Cannot|error|timed/i.test(l)).slice(0, 2).join('; ') || '(no error printed)'}` : linkOk(done.stdout) ? ', link detected' : ', no link line'}` : `ethtool ${faulty.ifname} had not finished`}; ${brief(retries) || 'no retry'}`)
  const lost = ping.lost.length
  c.check(`${tag}: ${other.ifname} lost no ping`, ping.upTo > 0 && lost === 0,
    `${ping.answered} of the first ${ping.upTo} pings answered (every ${PING_INTERVAL_S * 1000} ms through the fault and ${faulty.ifname}'s recovery)${lost ? `; unanswered: ${ping.lost.slice(0, 10).join(', ')}` : ''}`)
  // Decided without a speed bound for the hangs: blocked behind the hung upcall, the 200 calls
  // could not have finished while it still hung, however slow or fast the machine is.
  c.check(hangs ? `${tag}: ${other.ifname}'s u-driver worker answered its null upcalls while ${faulty.ifname}'s upcall hung`
    : `${tag}: ${other.ifname}'s u-driver worker answered its null upcalls (at most ${MAX_NULL_SLOWDOWN}× their fault-free time)`,
    nul.us !== null && (hangs ? inFlight : nul.us <= MAX_NULL_SLOWDOWN * base.nullUs),
    `${NULL_CALLS} null upcalls to ${other.ifname}: ${nul.us === null ? `failed: ${nul.why}` : `${nul.us.toFixed(0)} µs each, ${(nul.us / base.nullUs).toFixed(1)}× fault-free (${base.nullUs.toFixed(0)} µs)`}${hangs ? `; ${faulty.ifname}'s ethtool ${inFlight ? 'still in flight when they were done' : 'already over when they were done'}` : ''}`)
  // Linux runs every ethtool and ip operation of every device under RTNL: while one device's
  // upcall hangs inside one, another device's operation waits for RTNL (at most until the hung
  // upcall's timeout), however independent its u-driver is. Correct, and bounded by that.
  const bound = hangs ? timeoutMs + 2000 : Math.max(MAX_SLOWDOWN * base.ethtoolMs, base.ethtoolMs + 500)
  c.check(`${tag}: ${other.ifname}'s ethtool answered correctly${hangs ? ', delayed at most until the hung upcall\'s timeout (RTNL)' : ` within ${MAX_SLOWDOWN}× its usual time`}`,
    op.code === 0 && linkOk(op.out) && op.ms <= bound,
    `ethtool ${other.ifname}: exit ${op.code}, ${linkOk(op.out) ? 'link detected' : 'no link line'}, ${op.ms} ms (fault-free ${base.ethtoolMs} ms; bound ${bound} ms${hangs ? `: upcall timeout ${timeoutMs} ms + 2 s` : ''})`)
  const mine = eventsOf(ev, faulty), others = eventsOf(ev, other)
  const otherDetached = others.some(e => e.event === 'detach' || e.event === 'timeout')
  const killed = ev.some(e => e.event === 'kill')
  const detached = mine.some(e => e.event === 'detach')
  c.check(`${tag}: the kernel ${f.detaches ? `detached ${faulty.ifname}'s instance only` : 'detached nothing'}; the u-driver process lives on`,
    !otherDetached && !killed && detached === f.detaches && pidsAfter.length === 1 && pidsAfter[0] === start.pid &&
      (!hangs || mine.some(e => e.event === 'isolate')),
    `${faulty.ifname}: ${brief(mine.filter(e => ['timeout', 'isolate', 'violation', 'detach', 'kill', 'attach', 'replay'].includes(e.event))) || 'no detach'}; ${other.ifname}: ${brief(others.filter(e => ['timeout', 'detach', 'kill'].includes(e.event))) || 'untouched'}; ${udriver} pid ${start.pid} → ${pidsAfter.join(',') || 'none'}`)
  c.check(`${tag}: ${faulty.ifname} is served again by itself and carries traffic`, back.code === 0 && /[23] packets received/.test(faultyTraffic.stdout),
    `${back.code === 0 ? 'ethtool works again' : 'ethtool still failing after 20 s'}; ping: ${faultyTraffic.stdout.trim().split('\n').find(l => /packets/.test(l)) ?? faultyTraffic.stderr.trim()}`)
  c.measure({ name: `${tag}: ${other.ifname} ethtool during the fault`, value: op.ms, unit: 'ms', extra: { faultFreeMs: base.ethtoolMs } })
  if (nul.us !== null) c.measure({ name: `${tag}: ${other.ifname} null upcall during the fault`, value: nul.us, unit: 'µs', extra: { faultFreeUs: base.nullUs } })
  c.measure({ name: `${tag}: ${other.ifname} pings lost`, value: lost, unit: 'packets', extra: { sent: ping.upTo } })
  const det = mine.find(e => e.event === 'detach'), rep = det && mine.find(e => e.event === 'replay' && e.ms >= det.ms)
  if (det && rep) c.measure({ name: `${tag}: ${faulty.ifname} recovery (detach to replay)`, value: rep.ms - det.ms, unit: 'ms' })
  tb.log.info(`${tag}: ${other.ifname} ${ping.answered}/${ping.upTo} pings, null upcall ${nul.us?.toFixed(0) ?? 'FAILED'} µs, ethtool ${op.ms} ms; ${faulty.ifname} ${back.code === 0 ? 'back' : 'NOT back'}`)
}

export const faultIsolation: Scenario = {
  name: 'fault-isolation',
  description: 'two NICs under test, one u-driver process: a fault in one device\'s handling leaves the other device\'s control path and traffic untouched',
  asserts: [
    'with --nic both under split, one u-driver process serves both devices (the kernel logged both attaches with its pid)',
    `for each fault planted in one device's ${OP} handling (${ISOLATION_FAULTS.map(f => `${f.kind}: ${f.what}`).join('; ')}), in each device in turn: the fault fires in that device only`,
    `the other device loses no ping (every ${PING_INTERVAL_S * 1000} ms through the fault and the faulty device's recovery), and its u-driver worker answers ${NULL_CALLS} null upcalls (mb-bench -d): for the hangs, all while the faulty device's upcall still hangs (blocked behind it, they could not); else within ${MAX_NULL_SLOWDOWN}× their fault-free time`,
    `the other device's ethtool is answered correctly: within ${MAX_SLOWDOWN}× its fault-free time, or, when the faulty device's upcall hangs inside an ethtool operation (which holds RTNL, as Linux runs every device's ethtool and ip operations), at most until that upcall's timeout plus 2 s`,
    'the kernel detaches at most the faulty device\'s instance (timeouts: event=isolate, never kill), never the other\'s; the u-driver process keeps its pid',
    'the faulty device\'s operation ends cleanly: where the fault cost the instance its u-driver (a violation, a hang), the kernel retries it once on the instance\'s next u-driver after the replay (event=retry result=retried) and ethtool gets its answer; an error the u-driver returned (retval) fails it, with no retry. The device is served again by itself and carries traffic',
  ],
  defaultVariants: ['split'],
  nicsUnderTest: 'several',
  covers: { variants: ['split'], nics: ['both'], expectedS: 240 },
  async run(tb, nic, variants) {
    const out: CaseResult[] = []
    for (const variant of variants) {
      out.push(await guestCase(tb, 'fault-isolation', nic, variant, async (g, c) => {
        const members = nic.members ?? [nic]
        const duts: Dut[] = []
        for (const [index, m] of members.entries()) {
          const ifname = `dut${index}`
          const pci = (await g.ssh.exec(`basename $(readlink /sys/class/net/${ifname}/device)`)).stdout.trim()
          duts.push({ index, ifname, nic: m, driver: splitNames(memberOf(nic, index)).driver, peer: dutAddresses(tb.opts.net, index).host, pci })
        }
        if (duts.length < 2) throw new Error('fault-isolation needs two NICs under test')
        const udriver = splitNames(duts[0]!.nic).udriver
        // Room for every planted death: the crash-loop limit is crash-loop's business.
        await g.ssh.exec('echo 50 > /sys/module/mb_core/parameters/max_restarts')
        const timeoutMs = Number((await g.ssh.exec('cat /sys/module/mb_core/parameters/upcall_timeout_ms')).stdout)
        const start = await restartWith(g, udriver, undefined, duts)
        const attaches = microbedEvents((await g.ssh.exec('dmesg')).stdout).filter(e => e.event === 'attach')
        const byDev = duts.map(d => attaches.filter(e => e.line.includes(` dev=${d.pci} `)).pop())
        const pidOf = (l?: { line: string }) => / pid=(\d+)/.exec(l?.line ?? '')?.[1]
        c.check('one u-driver process serves both devices', !!start.pid && byDev.every(e => pidOf(e) === start.pid),
          start.pid ? `${udriver} pid ${start.pid}; last attaches: ${duts.map((d, i) => `${d.ifname} (${d.driver}, ${d.pci}) pid ${pidOf(byDev[i]) ?? '?'}`).join(', ')}` : start.why)
        if (!start.pid) return
        // Each device's fault-free control-operation and null-upcall times: the yardsticks.
        const baseline: Baseline[] = []
        for (const d of duts) {
          const t: number[] = [], n: number[] = []
          for (let k = 0; k < 5; k++) t.push((await timed(g, `ethtool ${d.ifname}`)).ms)
          for (let k = 0; k < 3; k++) { const r = await nullUpcalls(g, d); if (r.us !== null) n.push(r.us) }
          c.check(`${d.ifname}: null upcalls answered before any fault`, n.length === 3, `${n.length}/3 mb-bench runs of ${NULL_CALLS}`)
          if (n.length === 0) return
          baseline.push({ ethtoolMs: summarize(t).value, nullUs: summarize(n).value })
          c.measure({ name: `${d.ifname} (${d.driver}) ethtool, fault-free`, unit: 'ms', ...summarize(t) })
          c.measure({ name: `${d.ifname} (${d.driver}) null upcall, fault-free`, unit: 'µs', ...summarize(n) })
        }
        for (const [fi, faulty] of duts.entries()) {
          const other = duts[1 - fi]!
          for (const f of ISOLATION_FAULTS) await isolationCase(tb, g, c, duts, udriver, timeoutMs, faulty, other, f, baseline[other.index]!)
        }
        await restartWith(g, udriver, undefined, duts)
        const crash = detectCrash((await g.ssh.exec('dmesg')).stdout)
        c.check('no kernel crash in dmesg', crash === null, crash?.excerpt ?? 'dmesg clean')
      }, { needsUdriver: `${variant} has no u-driver: fault isolation between devices is a split property` }))
    }
    return out
  },
}
