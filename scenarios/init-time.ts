// init-time: device init, from loading the NIC driver (probe) to carrier up on dut0, timed in the
// guest with bash's microsecond clock, repeated. For split the runtime and the u-driver stay;
// only the k-driver is reloaded, so its probe goes through upcalls to a waiting u-driver.
import { guestCase, type Scenario } from '../orchestrator/testbed/scenario.ts'
import { dutAddresses } from '../orchestrator/vm/qemu.ts'
import { summarize, type CaseResult } from '../orchestrator/results/results.ts'

/** The guest-side measurement: prints init_ms=… or fails with what it waited for. */
export function reinitScript(ko: string, module: string, mac: string, addr: string): string {
  return `set -e
ip link set dut0 down
rmmod ${module}
t0=$EPOCHREALTIME
insmod ${ko}
for i in $(seq 1 1000); do
  dev=$(grep -lx ${mac} /sys/class/net/*/address 2>/dev/null | head -1 | cut -d/ -f5) || true
  [ -n "$dev" ] && break; sleep 0.01
done
[ -n "$dev" ] || { echo "no netdev with ${mac} 10 s after insmod" >&2; exit 1; }
[ "$dev" = dut0 ] || ip link set "$dev" name dut0
ip link set dut0 up
for i in $(seq 1 1000); do [ "$(cat /sys/class/net/dut0/carrier 2>/dev/null)" = 1 ] && break; sleep 0.01; done
[ "$(cat /sys/class/net/dut0/carrier)" = 1 ] || { echo "no carrier 10 s after ip link set up" >&2; exit 1; }
t1=$EPOCHREALTIME
sysctl -qw net.ipv4.conf.dut0.route_localnet=1
ip addr add ${addr} dev dut0 2>/dev/null || true
echo "init_ms=$(( (\${t1/./} - \${t0/./}) / 1000 ))"`
}

export const initTime: Scenario = {
  name: 'init-time',
  description: 'device init: driver load (probe) to carrier up on dut0, per variant',
  asserts: [
    'the NIC driver reloads and dut0 reaches carrier up, --repeat times (default 5)',
    'traffic flows afterwards (≥ 2 of 3 pings)',
    'no kernel crash on the console',
    'reports the median time from insmod to carrier up, with spread',
  ],
  defaultVariants: ['native', 'monolithic', 'split'],
  covers: { variants: 'all', expectedS: 30 },
  async run(tb, nic, variants) {
    const out: CaseResult[] = []
    const addrs = dutAddresses(tb.opts.net)
    for (const variant of variants) {
      out.push(await guestCase(tb, 'init-time', nic, variant, async (g, c) => {
        const drv = nic.variants[variant]!
        const module = drv.modules[drv.modules.length - 1]!
        const ko = (await g.ssh.exec(`tail -1 /etc/microbed/modules/${module}`)).stdout.trim()
        const samples: number[] = []
        for (let i = 0; i < tb.opts.repeat; i++) {
          const r = await g.ssh.exec(reinitScript(ko, module, addrs.mac, `${addrs.guest}/${addrs.prefix}`), { timeoutMs: 60_000 })
          const ms = Number(/init_ms=(\d+)/.exec(r.stdout)?.[1])
          samples.push(ms)
          tb.log.info(`${nic.name}/${variant} init ${i + 1}/${tb.opts.repeat}: ${ms} ms`)
        }
        c.check(`driver reloaded to carrier up ${samples.length} times`, samples.every(Number.isFinite), `${samples.join(', ')} ms`)
        c.measure({ name: 'device init (insmod to carrier up)', unit: 'ms', ...summarize(samples) })
        const ping = await g.ssh.exec(`ping -c 3 -i 0.2 -W 2 -I dut0 ${addrs.host}`, { check: false })
        c.check('traffic after the last init', /[23] packets received/.test(ping.stdout), ping.stdout.trim().split('\n').slice(-2).join('; '))
      }))
    }
    return out
  },
}
