// small-packets: the driver's own per-packet cost. Minimum-size frames (64 bytes on the wire: an
// 18-byte UDP payload) into and out of the guest through dut0, as fast as they go (packets/s the
// receiver got), and at one fixed packet rate below saturation (guest CPU per packet, sampled in
// the guest over the steady part of the run); beside them TCP (iperf3, as throughput). Under TCG
// a TCP stream moves few large frames per unit of guest work, small frames many: a k-driver's
// per-packet work shows here. One guest per variant, rounds interleaved (throughput's runner).
//
// Needs --net tap: QEMU's user-mode networking forwards only the guest's TCP ports (iperf3's UDP
// data would have no way in), and with restrict=on the guest cannot reach the host at all.
import { HostError } from '../orchestrator/base/errors.ts'
import { retry } from '../orchestrator/base/retry.ts'
import { CaseBuilder, type Scenario } from '../orchestrator/testbed/scenario.ts'
import { assertNoCrash, type Guest, type Testbed } from '../orchestrator/testbed/testbed.ts'
import { GUEST_IPERF_PORT, dutAddresses } from '../orchestrator/vm/qemu.ts'
import { CPU_SAMPLE_CMD, DIRECTIONS, parseCpuSample, runInterleaved, throughputRun, utilization, type Direction, type Interleaved } from './throughput.ts'

/** 64-byte frames: 14 (Ethernet) + 20 (IPv4) + 8 (UDP) + 18 + 4 (FCS). */
export const UDP_PAYLOAD = 18
/** The fixed packet rate of the CPU comparison: below what every variant carries under TCG
 *  (the run checks that the receiver got it). */
export const FIXED_PPS = 1000
/** Where mb-pkt sends on the host side: nothing listens (the tap's counter counts the frames). */
const DISCARD_PORT = 9

/** Delivered packets from iperf3's UDP JSON: the receiver's count over its seconds. */
export function parseUdpJson(json: string): { pps: number; sentPps: number; lostPct: number } {
  type Sum = { packets?: number; lost_packets?: number; seconds?: number }
  let doc: { end?: { sum_sent?: Sum; sum_received?: Sum }; error?: string }
  try { doc = JSON.parse(json) } catch { throw new Error(`iperf3 printed no JSON: ${json.slice(0, 300)}`) }
  if (doc.error) throw new Error(`iperf3: ${doc.error}`)
  const r = doc.end?.sum_received, s = doc.end?.sum_sent
  if (typeof r?.packets !== 'number' || typeof r.lost_packets !== 'number' || !r.seconds || typeof s?.packets !== 'number' || !s.seconds) throw new Error('iperf3 UDP JSON lacks end.sum_received/sum_sent packets, lost_packets and seconds')
  const got = r.packets - r.lost_packets
  return { pps: got / r.seconds, sentPps: s.packets / s.seconds, lostPct: r.packets ? (100 * r.lost_packets) / r.packets : 0 }
}

/** Frames the host side of dut0's cable has received so far (every interface in the tap's
 *  namespace: the tap and lo, which carries nothing). */
async function hostRxPackets(g: Guest): Promise<number> {
  const r = await g.vm.hostRun(['sh', '-c', 'cat /sys/class/net/*/statistics/rx_packets'], { timeoutMs: 15_000 })
  const n = r.stdout.trim().split(/\s+/).map(Number)
  if (r.exitCode !== 0 || !n.length || n.some(x => !Number.isFinite(x))) throw new Error(`could not read the tap's receive counter on the host side: ${(r.stderr || r.stdout).trim().slice(0, 200)}`)
  return n.reduce((a, b) => a + b, 0)
}

/** mb-pkt's line: packets sent, seconds, the guest's CPU ticks over the steady window. */
export function parsePktLine(out: string): { sent: number; seconds: number; busy: number; total: number } {
  const m = /sent=(\d+) seconds=([\d.]+) cpu_busy=(\d+) cpu_total=(\d+)/.exec(out)
  if (!m) throw new Error(`mb-pkt printed no summary line: ${out.trim().slice(0, 200)}`)
  return { sent: Number(m[1]), seconds: Number(m[2]), busy: Number(m[3]), total: Number(m[4]) }
}

/**
 * One run of minimum-size frames (rate 0: as fast as the sender goes), in µs of guest CPU per
 * delivered packet too. rx: iperf3 on the host sends, the guest's iperf3 server receives and
 * counts; the guest's CPU is sampled from 1 s in to 1 s before the end (iperf3's setup and the
 * SSH command stay out of it). tx: mb-pkt sends from the guest (iperf3's pacing loop would be
 * what the guest's CPU measures) and samples the same window; the host side counts what its tap
 * received.
 */
async function udpOnce(tb: Testbed, g: Guest, dir: Direction, pps: number): Promise<{ pps: number; sentPps: number; cpuPct: number; cpuUsPerPacket: number }> {
  const t = g.vm.traffic
  if (!t) throw new HostError('the guest has no traffic path to the NIC under test')
  const secs = tb.opts.iperfSeconds
  const window = secs - 2
  if (window < 1) throw new HostError(`small-packets needs runs of at least 3 s (--seconds ${secs}): the guest's CPU is sampled over the run but its first and last second`)
  const perPacket = (r: { pps: number; sentPps: number; cpuPct: number }) => ({ ...r, cpuUsPerPacket: r.pps > 0 ? (r.cpuPct / 100) * 1e6 / r.pps : 0 })
  if (dir === 'tx') {
    return retry(async () => {
      const before = await hostRxPackets(g)
      const out = await g.ssh.exec(`mb-pkt send ${dutAddresses(tb.opts.net).host} ${DISCARD_PORT} ${pps} ${secs}`, { timeoutMs: (secs + 30) * 1000 })
      const after = await hostRxPackets(g)
      const p = parsePktLine(out.stdout)
      return perPacket({ pps: (after - before) / p.seconds, sentPps: p.sent / p.seconds, cpuPct: p.total ? (100 * p.busy) / p.total : 0 })
    }, { what: `mb-pkt tx through ${g.nic.name}/${g.variant}`, deadlineMs: 30_000, initialDelayMs: 500, log: tb.log, check: () => assertNoCrash(g) })
  }
  const args = ['-c', t.host, '-p', String(t.port), '-u', '-l', String(UDP_PAYLOAD), '-b', String(pps * UDP_PAYLOAD * 8), '-t', String(secs), '-J', '--connect-timeout', '5000']
  return retry(async () => {
    const sampler = g.ssh.exec(`sleep 1; ${CPU_SAMPLE_CMD}; echo @@; sleep ${window}; ${CPU_SAMPLE_CMD}`, { timeoutMs: (secs + 30) * 1000 })
    const res = await g.vm.hostRun(['iperf3', ...args], { timeoutMs: (secs + 30) * 1000 })
    const stat = await sampler
    if (res.exitCode !== 0) throw new Error(res.stdout.includes('"error"') ? JSON.parse(res.stdout).error : (res.stderr || res.stdout).trim().slice(0, 300) || `iperf3 ${res.exitCode}`)
    const u = parseUdpJson(res.stdout)
    const halves = stat.stdout.split(/^@@$/m)
    if (halves.length !== 2) throw new Error(`the guest's CPU samples were not read: ${stat.stdout.slice(0, 200)}`)
    const [a, b] = halves.map(parseCpuSample)
    return perPacket({ ...u, cpuPct: utilization(a, b) })
  }, { what: `iperf3 UDP rx through ${g.nic.name}/${g.variant}`, deadlineMs: 30_000, initialDelayMs: 500, log: tb.log, check: () => assertNoCrash(g) })
}

/** TCP, small packets as fast as they go, small packets at FIXED_PPS: one run each per round. */
export const PER_PACKET: Interleaved = {
  scenario: 'small-packets',
  tool: 'iperf3',
  async setup(tb, g) {
    if (tb.opts.net !== 'tap') throw new HostError('small-packets needs --net tap (root): QEMU user networking forwards only TCP to the guest, so UDP cannot reach dut0', { hint: 'run as root with --net tap' })
    await g.ssh.exec(`iperf3 -s -D -B ${dutAddresses(tb.opts.net).guest} -p ${GUEST_IPERF_PORT} --logfile /tmp/iperf3.log`)
  },
  async once(tb, g, dir) {
    const tcp = await throughputRun(tb, g, dir)
    const free = await udpOnce(tb, g, dir, 0)
    const fixed = await udpOnce(tb, g, dir, FIXED_PPS)
    return { mbps: tcp.mbps, tcpCpu: tcp.cpuPct, pps: free.pps, fixedPps: fixed.pps, fixedCpu: fixed.cpuPct, usPerPacket: fixed.cpuUsPerPacket }
  },
  figures: [
    { key: 'pps', name: d => `small packets ${d} ${DIRECTIONS[d]}: 64-byte UDP frames delivered, as fast as they go`, unit: 'packets/s', moves: true, compare: { how: 'ratio', name: (a, b, d) => `${a}/${b} ${d} small-packet rate ratio`, unit: 'ratio' } },
    { key: 'usPerPacket', name: d => `guest CPU per packet, ${d} at ${FIXED_PPS} packets/s`, unit: 'µs', compare: { how: 'ratio', name: (a, b, d) => `${a}/${b} ${d} CPU per packet at ${FIXED_PPS} packets/s`, unit: 'ratio' } },
    { key: 'fixedCpu', name: d => `guest CPU, ${d} at ${FIXED_PPS} packets/s`, unit: '%', compare: { how: 'diff', name: (a, b, d) => `${a} − ${b} guest CPU, ${d} at ${FIXED_PPS} packets/s`, unit: 'points' } },
    { key: 'fixedPps', name: d => `packets delivered, ${d} at ${FIXED_PPS} packets/s offered`, unit: 'packets/s', compare: { how: 'ratio', name: (a, b, d) => `${a}/${b} ${d} packets delivered at ${FIXED_PPS} packets/s`, unit: 'ratio' } },
    { key: 'mbps', name: d => `TCP ${d} ${DIRECTIONS[d]}`, unit: 'Mbit/s', compare: { how: 'ratio', name: (a, b, d) => `${a}/${b} ${d} throughput ratio`, unit: 'ratio' } },
    { key: 'tcpCpu', name: d => `guest CPU during TCP ${d}`, unit: '%', compare: { how: 'diff', name: (a, b, d) => `${a} − ${b} guest CPU during TCP ${d}`, unit: 'points' } },
  ],
  progress: s => `small packets ${s.pps!.toFixed(0)}/s; at ${FIXED_PPS}/s: ${s.fixedPps!.toFixed(0)}/s delivered, guest CPU ${s.fixedCpu!.toFixed(1)}% = ${s.usPerPacket!.toFixed(1)} µs/packet; TCP ${s.mbps!.toFixed(0)} Mbit/s`,
}

export const smallPackets: Scenario = {
  name: 'small-packets',
  description: 'the driver\'s per-packet cost: 64-byte UDP frames/s into and out of the guest, guest CPU per packet at a fixed rate, TCP beside them (needs --net tap)',
  asserts: [
    'iperf3 completes every TCP and UDP run in both directions through dut0 (N rounds)',
    'every run delivers small packets (> 0 packets/s)',
    `${FIXED_PPS} packets/s is at most 0.8 × the rate as fast as they go (below saturation, so CPU per packet compares like with like)`,
    'no kernel crash on the console',
    'reports per variant and direction: packets/s, CPU per packet, TCP Mbit/s; between variants the ratios of the medians with the interval of the per-round ratios',
  ],
  defaultVariants: ['native', 'monolithic', 'split'],
  covers: { variants: 'all', together: true, expectedS: 600 },
  async run(tb, nic, variants) {
    if (tb.opts.net !== 'tap') return variants.map(v => new CaseBuilder('small-packets', nic.name, v).skip('needs --net tap (root): QEMU user networking forwards only TCP to the guest, so 64-byte UDP frames cannot reach dut0'))
    const cases = await runInterleaved(tb, nic, variants, PER_PACKET)
    for (const c of cases) {
      if (c.status !== 'pass') continue
      for (const dir of ['rx', 'tx'] as Direction[]) {
        const free = c.measurements.find(x => x.name.startsWith(`small packets ${dir} `))
        const got = c.measurements.find(x => x.name.startsWith(`packets delivered, ${dir} at`))
        const ok = free !== undefined && FIXED_PPS <= 0.8 * free.value
        c.checks.push({ name: `${dir}: ${FIXED_PPS} packets/s is below saturation (≤ 0.8 × the rate as fast as they go)`, ok, evidence: `as fast as they go ${free?.value.toFixed(0) ?? '?'}/s; at ${FIXED_PPS}/s offered ${got?.value.toFixed(0) ?? '?'}/s delivered (median)` })
        if (!ok) { c.status = 'fail'; c.reason ??= `${dir}: ${FIXED_PPS} packets/s is not below saturation, so its CPU per packet does not compare like with like` }
      }
    }
    return cases
  },
}
