// The full non-default configuration the reliability scenarios set before they hurt the u-driver
// (crash-loop, soak), and the check that it is all back in force afterwards: administrative state,
// MTU, MAC, RX mode (promiscuous), a multicast group, a VLAN, and the driver's own ethtool settings
// (answered by the u-driver serving at the end, from the state the kernel replayed to it).
import type { Guest } from '../orchestrator/testbed/testbed.ts'
import type { NicSpec } from '../orchestrator/testbed/nics.ts'
import { microbedEvents, run } from './guest-ops.ts'

export const FULL_CONFIG = { mtu: 1400, mac: '52:54:00:6d:62:42', group: '01:00:5e:01:02:03', vlan: 100 }

interface EthtoolConfig {
  /** what is set, in words */
  what: string
  /** the commands that set it */
  set: string
  /** the commands whose output holds(out) reads back */
  read: string
  /** control operations that would change these settings (each must be refused while no u-driver may serve) */
  changes: string[]
  holds(out: string): { ok: boolean; evidence: string }
}

/** Per driver: the ethtool settings its chip lets ethtool change (each travels in the tracked state). */
export const ETHTOOL_SETTINGS: Record<string, EthtoolConfig> = {
  e1000: {
    what: 'rx-usecs 100, pause off',
    set: 'ethtool -C dut0 rx-usecs 100 && ethtool -A dut0 autoneg off rx off tx off',
    read: 'ethtool -c dut0; ethtool -a dut0',
    changes: ['ethtool -C dut0 rx-usecs 50', 'ethtool -A dut0 autoneg on rx on tx on'],
    holds(et) {
      const usecs = /^rx-usecs:\s+(\d+)/m.exec(et)?.[1], pauseOff = /^RX:\s+off/m.test(et) && /^TX:\s+off/m.test(et)
      return { ok: usecs === '100' && pauseOff, evidence: `rx-usecs ${usecs ?? '?'}, pause ${pauseOff ? 'off' : 'not off'}` }
    },
  },
  rtl8139: {
    what: 'message level 0x37, advertising 10baseT only',
    set: 'ethtool -s dut0 msglvl 0x37 && ethtool -s dut0 advertise 0x003',
    read: 'ethtool dut0',
    changes: ['ethtool -s dut0 advertise 0x00f'],
    holds(et) {
      const level = /Current message level: (0x[0-9a-f]+)/.exec(et)?.[1]
      const adv = /Advertised link modes:([\s\S]*?)Advertised pause/.exec(et)?.[1]?.trim().split(/\s+/) ?? []
      const ok = level !== undefined && Number(level) === 0x37 && adv.includes('10baseT/Half') && adv.includes('10baseT/Full') && !adv.some(m => m.startsWith('100baseT'))
      return { ok, evidence: `message level ${level ?? '?'}, advertising ${adv.join(' ') || '?'}` }
    },
  },
}

export function ethtoolSettings(nic: NicSpec): EthtoolConfig {
  const e = ETHTOOL_SETTINGS[nic.microdriver?.driver ?? '']
  if (!e) throw new Error(`no ethtool settings declared for ${nic.name}'s driver (ETHTOOL_SETTINGS in scenarios/config-state.ts)`)
  return e
}

export function describeConfig(nic: NicSpec): string {
  const c = FULL_CONFIG
  return `interface up, MTU ${c.mtu}, MAC ${c.mac}, promiscuous, multicast group ${c.group}, VLAN ${c.vlan}, ${ethtoolSettings(nic).what}`
}

/** Sets the whole configuration on dut0 (and waits for carrier); throws if any step fails. */
export async function applyConfig(g: Guest, nic: NicSpec): Promise<void> {
  const c = FULL_CONFIG
  await g.ssh.exec(`set -e; ip link set dut0 mtu ${c.mtu}; ip link set dut0 address ${c.mac}; ip link set dut0 promisc on; ip maddr add ${c.group} dev dut0
mb-load-module 8021q; ip link add link dut0 name dut0.${c.vlan} type vlan id ${c.vlan}; ip link set dut0.${c.vlan} up
${ethtoolSettings(nic).set}
for i in $(seq 50); do [ "$(cat /sys/class/net/dut0/carrier)" = 1 ] && break; sleep 0.1; done`)
}

/**
 * Whether the whole configuration is in force: in the netdev (admin state, MTU, MAC, PROMISC,
 * the group, the VLAN device on dut0), in the kernel's last replay line `lastReplay` (what it gave
 * the u-driver: mtu, mac, rx_flags with promiscuous, every link-layer group), and in the answers of
 * the u-driver now serving (the ethtool settings).
 */
export async function configHolds(g: Guest, nic: NicSpec, lastReplay: string): Promise<{ ok: boolean; evidence: string }> {
  const c = FULL_CONFIG
  const link = (await run(g, 'cat /sys/class/net/dut0/mtu /sys/class/net/dut0/address /sys/class/net/dut0/operstate; ip link show dut0')).stdout
  const [mtu, mac, oper] = link.split('\n').map(s => s.trim())
  const flags = /<([^>]*)>/.exec(link)?.[1] ?? ''
  const up = flags.split(',').includes('UP') && oper === 'up'
  const maddr = (await run(g, 'ip maddr show dev dut0')).stdout
  const group = maddr.includes(c.group)
  const groups = maddr.split('\n').filter(l => /^\s+link\s/.test(l)).length
  const vlan = await run(g, `ip -d link show dut0.${c.vlan}`)
  const vlanOk = vlan.code === 0 && new RegExp(`vlan protocol 802.1Q id ${c.vlan}\\b`).test(vlan.stdout) && /@dut0:/.test(vlan.stdout)
  const held = ethtoolSettings(nic).holds((await run(g, ethtoolSettings(nic).read)).stdout)
  const replayedGroups = /\bmc=(\d+)/.exec(lastReplay)?.[1]
  const replayOk = new RegExp(`mtu=${c.mtu}\\b`).test(lastReplay) && lastReplay.includes(`mac=${c.mac}`) && /rx_flags=\d*[13579]\b/.test(lastReplay) && replayedGroups === String(groups) && /result=0\b/.test(lastReplay)
  const ok = up && mtu === String(c.mtu) && mac === c.mac && flags.includes('PROMISC') && group && vlanOk && held.ok && replayOk
  return {
    ok,
    evidence: `netdev: ${up ? 'up' : `NOT up (${oper}, <${flags}>)`}, mtu ${mtu}, address ${mac}, ${flags.includes('PROMISC') ? 'PROMISC' : 'not promiscuous'}, group ${c.group} ${group ? 'joined' : 'missing'} (${groups} link-layer groups, ${replayedGroups ?? '?'} replayed), VLAN ${c.vlan} ${vlanOk ? 'on dut0' : 'missing'}; ethtool (u-driver): ${held.evidence}; last replay: ${lastReplay.replace(/^.*event=replay /, '') || '(none)'}`,
  }
}

/** The kernel's last `replay` line in `dmesg`, or ''. */
export const lastReplayLine = (dmesg: string) => microbedEvents(dmesg).filter(e => e.event === 'replay').pop()?.line ?? ''
