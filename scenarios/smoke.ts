// smoke: the guest boots, answers SSH, the NIC under test has carrier, passes traffic to the host
// side, is driven by the expected driver, and the kernel did not crash doing it.
import { guestCase, type Scenario } from '../orchestrator/testbed/scenario.ts'
import { dutAddresses } from '../orchestrator/vm/qemu.ts'
import { pingCounts } from './guest-ops.ts'
import type { CaseResult } from '../orchestrator/results/results.ts'

export const smoke: Scenario = {
  name: 'smoke',
  description: 'boot, SSH, carrier, ping through dut0, driver name, no kernel crash',
  asserts: [
    'the guest boots and its SSH server answers (time recorded)',
    'dut0 (the NIC under test, named by MAC) reports carrier up within 5 s',
    'ping from dut0 to the host side: at least 4 of 5 replies',
    '`ethtool -i dut0` names the expected driver (e1000 / 8139cp for native)',
    'no kernel crash (oops, BUG, WARNING, panic, lockup, stall) on the console',
  ],
  defaultVariants: ['native'],
  covers: { variants: 'all', expectedS: 15 },
  async run(tb, nic, variants) {
    const out: CaseResult[] = []
    for (const variant of variants) {
      out.push(await guestCase(tb, 'smoke', nic, variant, async (g, c) => {
        const drv = nic.variants[variant]!
        c.check('boot and SSH', true, `SSH answered ${(g.bootMs / 1000).toFixed(2)} s after QEMU started`)
        c.measure({ name: 'boot to SSH', value: g.bootMs / 1000, unit: 's' })

        const carrier = await g.ssh.exec('i=0; while [ "$(cat /sys/class/net/dut0/carrier 2>/dev/null)" != 1 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; cat /sys/class/net/dut0/carrier; cat /sys/class/net/dut0/operstate', { check: false })
        c.check('dut0 carrier up', carrier.stdout.split('\n')[0] === '1', `carrier=${carrier.stdout.trim().replace('\n', ' operstate=')}${carrier.stderr ? ` ${carrier.stderr.trim()}` : ''}`)

        const peer = dutAddresses(tb.opts.net).host
        const ping = await g.ssh.exec(`ping -c 5 -i 0.2 -W 2 -I dut0 ${peer}`, { check: false, timeoutMs: 30_000 })
        const rx = pingCounts(ping.stdout).received
        c.check(`ping ${peer} through dut0`, rx >= 4, ping.stdout.trim().split('\n').slice(-2).join('; ') || ping.stderr.trim())

        const eth = await g.ssh.exec('ethtool -i dut0', { check: false })
        const driver = /^driver: (.*)$/m.exec(eth.stdout)?.[1]?.trim() ?? '(none)'
        c.check('ethtool -i dut0 names the driver', driver === drv.driverName, `driver: ${driver} (expected ${drv.driverName}); ${/^bus-info: .*$/m.exec(eth.stdout)?.[0] ?? eth.stderr.trim()}`)
      }))
    }
    return out
  },
}
