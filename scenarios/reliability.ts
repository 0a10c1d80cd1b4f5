// The other reliability scenarios of the split microdriver: a u-driver that hangs, one that dies
// in a loop, one that dies during probe, and a hostile process fuzzing the channel. Each runs in
// a fresh split guest (other variants are skipped: they have no u-driver) and checks, besides its
// own subject, that the kernel did not crash and the NIC still carries traffic.
import { CaseBuilder, guestCase, type Scenario } from '../orchestrator/testbed/scenario.ts'
import { dutAddresses } from '../orchestrator/vm/qemu.ts'
import type { CaseResult } from '../orchestrator/results/results.ts'
import { detectCrash } from '../orchestrator/vm/crash.ts'
import type { Guest, Testbed } from '../orchestrator/testbed/testbed.ts'
import { splitNames, type NicSpec, type SplitNames, type Variant } from '../orchestrator/testbed/nics.ts'
import { countEvents, microbedEvents, run, startUdriver, stopUdriver, waitEvent } from './guest-ops.ts'

async function trafficCheck(g: Guest, c: CaseBuilder, peer: string, what = 'traffic through dut0 afterwards') {
  const r = await run(g, `for i in $(seq 50); do [ "$(cat /sys/class/net/dut0/carrier)" = 1 ] && break; sleep 0.1; done; ping -c 3 -i 0.2 -W 2 -I dut0 ${peer}`)
  c.check(what, /[23] packets received/.test(r.stdout), r.stdout.trim().split('\n').slice(-2).join('; ') || r.stderr.trim())
}
async function dmesgClean(g: Guest, c: CaseBuilder) {
  const crash = detectCrash((await g.ssh.exec('dmesg')).stdout)
  c.check('no kernel crash in dmesg', crash === null, crash?.excerpt ?? 'dmesg clean')
}
const needs = (v: Variant) => ({ needsUdriver: `${v} has no u-driver` })

/** Each body gets the split microdriver's names (k-driver module, u-driver, init op) from the NIC table. */
function scenario(name: string, description: string, asserts: string[], body: (tb: Testbed, nic: NicSpec, g: Guest, c: CaseBuilder, peer: string, n: SplitNames) => Promise<void>, expectedS = 40): Scenario {
  return {
    name, description, asserts, defaultVariants: ['split'], covers: { variants: ['split'], expectedS },
    async run(tb, nic, variants) {
      const out: CaseResult[] = []
      for (const v of variants) out.push(await guestCase(tb, name, nic, v, (g, c) => body(tb, nic, g, c, dutAddresses(tb.opts.net).host, splitNames(nic)), needs(v)))
      return out
    },
  }
}

export const hangUdriver = scenario('hang-udriver',
  'the u-driver stops (SIGSTOP) with a control operation pending; the kernel declares it dead and a new one takes over',
  [
    'a control operation (ethtool -S) against a stopped u-driver fails cleanly within the upcall timeout plus 5 s, never hangs',
    'the kernel logs timeout and detach reason=timeout, and kills the stopped u-driver (event=kill) so that its supervisor starts a new one',
    'traffic keeps flowing while the u-driver is stopped',
    'a u-driver serves the device again afterwards (replay result=0) and ethtool works',
    'no kernel crash',
  ],
  async (tb, nic, g, c, peer, n) => {
    const timeoutMs = Number((await g.ssh.exec('cat /sys/module/mb_core/parameters/upcall_timeout_ms')).stdout)
    const replays = await countEvents(g, 'replay')
    await g.ssh.exec(`kill -STOP $(pgrep -x ${n.udriver})`)
    const t0 = Date.now()
    const op = await run(g, 'ethtool -S dut0 >/dev/null', timeoutMs + 30_000)
    const ms = Date.now() - t0
    c.check('a control operation against the stopped u-driver fails cleanly in time', op.code !== 0 && ms <= timeoutMs + 5000, `ethtool -S: exit ${op.code} after ${ms} ms (upcall timeout ${timeoutMs} ms): ${op.stderr.trim().split('\n').pop() ?? ''}`)
    const ev = microbedEvents((await g.ssh.exec('dmesg')).stdout)
    c.check('the kernel logged the timeout and the detach', ev.some(e => e.event === 'timeout') && ev.some(e => e.event === 'detach' && /reason=timeout/.test(e.line)), ev.slice(-4).map(e => e.line.replace(/^.*microbed: /, '')).join(' | '))
    await trafficCheck(g, c, peer, 'traffic flows while the u-driver is stopped')
    const back = await waitEvent(g, 'replay', replays, 20)
    const eth = await run(g, 'ethtool -S dut0 | head -3')
    c.check('a u-driver serves the device again by itself', back.code === 0 && eth.code === 0, back.code === 0 ? `replayed; ethtool -S: ${eth.stdout.split('\n')[1]?.trim() ?? eth.stderr.trim()}` : 'no replay within 20 s: the stopped u-driver was neither killed nor replaced')
    await g.ssh.exec(`kill -CONT $(pgrep -x ${n.udriver}) 2>/dev/null; true`)
    await dmesgClean(g, c)
    await trafficCheck(g, c, peer)
  })

/** The garbage kinds of mb-udriver -f garbage.SUB (udriver/lib/fault.h), in the order they run. */
export const GARBAGE_KINDS = ['seq', 'length', 'random'] as const

export const garbageUdriver = scenario('garbage-udriver',
  'the u-driver answers a control operation with garbage (wrong seq, wrong length, random bytes); the kernel refuses it, declares it dead and recovers',
  [
    `for each garbage kind (${GARBAGE_KINDS.join(', ')}): a u-driver armed with mb-udriver -f garbage.KIND:GET_LINK_KSETTINGS:1 answers \`ethtool dut0\` with it`,
    'the kernel refuses the reply (event=refuse) and ethtool gets an error within the upcall timeout plus 5 s, never hangs',
    'a reply with a wrong seq or length, naming the instance while its upcall is in flight, is a protocol violation: event=violation and detach reason=protocol at once; random bytes name no instance, so the upcall timeout declares that u-driver dead (detach reason=timeout, kill)',
    'the device is served again afterwards by itself (replay result=0), ethtool works and traffic flows; no kernel crash',
  ],
  async (tb, nic, g, c, peer, n) => {
    const timeoutMs = Number((await g.ssh.exec('cat /sys/module/mb_core/parameters/upcall_timeout_ms')).stdout)
    for (const kind of GARBAGE_KINDS) {
      const replays = await countEvents(g, 'replay')
      await g.ssh.exec(`${stopUdriver(n.udriver)}\n${startUdriver(n.udriver, `-D ${n.driver} -f garbage.${kind}:GET_LINK_KSETTINGS:1`)}`)
      const armed = await waitEvent(g, 'replay', replays, 15)
      if (armed.code !== 0) { c.check(`garbage.${kind}: a u-driver with the fault armed attached`, false, 'no replay within 15 s after the supervisor restarted'); continue }
      const before = (await g.ssh.exec('dmesg')).stdout.length
      const seen = await countEvents(g, 'replay')
      const t0 = Date.now()
      const op = await run(g, 'ethtool dut0', timeoutMs + 30_000)
      const ms = Date.now() - t0
      const back = await waitEvent(g, 'replay', seen, 20)
      const ev = microbedEvents((await g.ssh.exec('dmesg')).stdout.slice(before))
      const evText = ev.map(e => e.line.replace(/^.*microbed: event=/, '')).join(' | ').slice(0, 700)
      const fired = ev.some(e => e.event === 'fault-fired')
      c.check(`garbage.${kind}: the fault fired and the kernel refused the reply`, fired && ev.some(e => e.event === 'refuse'), evText || 'no microbed events')
      const failed = op.code !== 0 || /Protocol error|Connection timed out|Cannot get/i.test(op.stdout + op.stderr)
      c.check(`garbage.${kind}: ethtool got an error in time`, failed && ms <= timeoutMs + 5000,
        `exit ${op.code} after ${ms} ms: ${(op.stderr || op.stdout).trim().split('\n').filter(l => /Cannot|error|timed/i.test(l)).slice(0, 2).join('; ') || '(no error printed)'}`)
      const declared = kind === 'random'
        ? ev.some(e => e.event === 'detach' && /reason=(protocol|timeout)/.test(e.line))
        : ev.some(e => e.event === 'violation') && ev.some(e => e.event === 'detach' && /reason=protocol/.test(e.line))
      c.check(`garbage.${kind}: the u-driver was declared dead (${kind === 'random' ? 'detach by timeout or protocol' : 'violation, detach reason=protocol'})`, declared,
        ev.filter(e => ['violation', 'detach', 'kill', 'timeout'].includes(e.event)).map(e => e.line.replace(/^.*event=/, '')).join(' | ') || 'no detach')
      const eth = await run(g, 'ethtool dut0 | grep -E "Speed|Link detected"')
      c.check(`garbage.${kind}: served again by itself, ethtool works`, back.code === 0 && eth.code === 0 && /Link detected: yes/.test(eth.stdout),
        back.code === 0 ? eth.stdout.trim().replace(/\s+/g, ' ') : 'no replay within 20 s')
      const replay = ev.find(e => e.event === 'replay')
      const detach = ev.find(e => e.event === 'detach')
      if (replay && detach) c.measure({ name: `garbage.${kind}: recovery (detach to replay)`, value: replay.ms - detach.ms, unit: 'ms' })
      c.measure({ name: `garbage.${kind}: ethtool failed after`, value: ms, unit: 'ms' })
    }
    await g.ssh.exec(`${stopUdriver(n.udriver)}\n${startUdriver(n.udriver)}`)
    await dmesgClean(g, c)
    await trafficCheck(g, c, peer)
  })

export const crashLoop = scenario('crash-loop',
  'the u-driver dies at once, again and again; past the limit the kernel detaches the device cleanly; a healthy u-driver can bring it back',
  [
    'after max_restarts deaths within restart_window_s the kernel logs giveup reason=crash-loop and stops replaying',
    'the device is detached cleanly: the interface is closed, the netdev stays registered, no kernel crash; a new u-driver is refused during the cool-down',
    'a healthy u-driver started after the cool-down (restart_window_s, set to 10 s here) brings the device back: unretire, attach, replay result=0, traffic once the interface is up again',
  ],
  async (tb, nic, g, c, peer, n) => {
    const windowS = 10
    await g.ssh.exec(`echo ${windowS} > /sys/module/mb_core/parameters/restart_window_s`)
    const max = Number((await g.ssh.exec('cat /sys/module/mb_core/parameters/max_restarts')).stdout)
    await g.ssh.exec('kill -TERM $(cat /run/mb-supervise.pid); sleep 0.3')
    // A u-driver that dies right after attaching, restarted at once, until the kernel gives up.
    await g.ssh.exec(`(for i in $(seq ${max + 3}); do ${n.udriver} </dev/null >/dev/null 2>&1 & p=$!; sleep 0.4; kill -SEGV $p; wait $p; done) </dev/null >/dev/null 2>&1 &`)
    const gaveUp = await waitEvent(g, 'giveup', 0, (max + 3) * 2)
    const ev = microbedEvents((await g.ssh.exec('dmesg')).stdout)
    c.check(`the kernel gave up after ${max} deaths`, gaveUp.code === 0, ev.filter(e => e.event === 'giveup').map(e => e.line.replace(/^.*microbed: /, '')).join(' | ') || `no giveup; events: ${ev.map(e => e.event).join(' ')}`)
    await run(g, `sleep ${(max + 3) * 0.5}`)
    // Retired: the interface is closed (operstate down, carrier unreadable) but still registered.
    const state = (await run(g, 'cat /sys/class/net/dut0/operstate; ip -br link show dut0')).stdout.trim()
    c.check('the device is detached cleanly: netdev kept, interface down', /^down$/m.test(state) && /^dut0\s/m.test(state), state.replace('\n', '; '))
    await dmesgClean(g, c)
    const refused = await run(g, `timeout 3 ${n.udriver}; dmesg | grep -c "reason=crash-loop by="`)
    c.check('during the cool-down a new u-driver is refused', Number(refused.stdout.trim().split('\n').pop()) > 0, `refusals logged: ${refused.stdout.trim().split('\n').pop()}`)
    await run(g, `sleep ${windowS + 1}`)
    const replays = await countEvents(g, 'replay')
    await g.ssh.exec(startUdriver(n.udriver))
    const back = await waitEvent(g, 'replay', replays, 15)
    if (back.code === 0) await run(g, 'ip link set dut0 up')
    const tail = microbedEvents((await g.ssh.exec('dmesg')).stdout).slice(-3).map(e => e.line.replace(/^.*microbed: /, '')).join(' | ')
    c.check('after the cool-down a healthy u-driver brings the device back', back.code === 0, back.code === 0 ? tail : `no replay within 15 s; last events: ${tail}`)
    if (back.code === 0) await trafficCheck(g, c, peer)
  })

export const crashDuringProbe = scenario('crash-during-probe',
  'the u-driver is killed while the device initializes (the INIT upcall in flight); the next u-driver completes probe',
  [
    'the k-driver reloads with a u-driver that stalls INIT and is killed meanwhile: no kernel crash',
    'the next u-driver completes init: the netdev appears, carrier comes up, traffic flows',
  ],
  async (tb, nic, g, c, peer, n) => {
    const addrs = dutAddresses(tb.opts.net)
    await g.ssh.exec(`${stopUdriver(n.udriver)}; ip link set dut0 down; rmmod ${n.kmodule}`)
    await g.ssh.exec(`insmod $(tail -1 /etc/microbed/modules/${n.kmodule}); (${n.udriver} -z ${n.initOp}:3000 </dev/null >/tmp/stall.log 2>&1 &); sleep 1; pkill -SEGV -x ${n.udriver}; sleep 0.3`)
    await dmesgClean(g, c)
    await g.ssh.exec(startUdriver(n.udriver))
    const dev = await run(g, `for i in $(seq 200); do d=$(grep -lx ${addrs.mac} /sys/class/net/*/address 2>/dev/null | cut -d/ -f5); [ -n "$d" ] && echo $d && exit 0; sleep 0.1; done; exit 1`)
    c.check('the next u-driver completed init: the netdev is back', dev.code === 0, dev.code === 0 ? `netdev ${dev.stdout.trim()}` : 'no netdev 20 s after a healthy u-driver started')
    if (dev.code === 0) {
      const name = dev.stdout.trim()
      await g.ssh.exec(`${name === 'dut0' ? '' : `ip link set ${name} name dut0; `}sysctl -qw net.ipv4.conf.dut0.route_localnet=1; ip addr add ${addrs.guest}/${addrs.prefix} dev dut0 2>/dev/null; ip link set dut0 up`)
      await trafficCheck(g, c, peer)
    }
  })

/** mb-fuzz's summary: fuzz seed=S sent=N accepted=A refused=R ... */
export function parseFuzzLine(text: string): { seed: number; sent: number; accepted: number; refused: number } {
  const m = /fuzz seed=(\d+) sent=(\d+) accepted=(\d+) refused=(\d+)/.exec(text)
  if (!m) throw new Error(`mb-fuzz printed no summary line: ${text.trim().slice(-200)}`)
  return { seed: Number(m[1]), sent: Number(m[2]), accepted: Number(m[3]), refused: Number(m[4]) }
}

export const FUZZ_MESSAGES = 100_000

export const fuzzChannel = scenario('fuzz-channel',
  `a hostile process sends ${FUZZ_MESSAGES} seeded malformed messages and tries forbidden registers; the kernel stays up, the device keeps working`,
  [
    `mb-fuzz sends ${FUZZ_MESSAGES} seeded malformed messages (seed = --seed, default 1) next to the running u-driver, with the NIC's driver's upcall numbers and forbidden registers`,
    'no kernel crash; the u-driver still serves the device (ethtool -S works)',
    'traffic through dut0 afterwards',
  ],
  async (tb, nic, g, c, peer, n) => {
    const seed = tb.opts.seed
    const t0 = Date.now()
    const r = await run(g, `mb-fuzz -D ${n.driver} -s ${seed} -n ${FUZZ_MESSAGES}`, 30 * 60_000)
    const f = parseFuzzLine(r.stdout + r.stderr)
    c.check(`mb-fuzz sent ${FUZZ_MESSAGES} messages (seed ${seed})`, r.code === 0 && f.sent >= FUZZ_MESSAGES, `${(r.stdout + r.stderr).trim().split('\n').pop()} in ${((Date.now() - t0) / 1000).toFixed(0)} s`)
    c.measure({ name: 'fuzz messages refused', value: f.sent ? (100 * f.refused) / f.sent : 0, unit: '%', extra: { sent: f.sent, accepted: f.accepted, refused: f.refused } })
    await dmesgClean(g, c)
    const eth = await run(g, 'ethtool -S dut0 | head -2')
    c.check('the u-driver still serves the device', eth.code === 0, eth.stdout.trim().split('\n').pop() ?? eth.stderr.trim())
    await trafficCheck(g, c, peer)
  })

