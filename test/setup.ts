// Mocha global setup: the host needs what the flow needs (QEMU, cpio, iperf3, ...). As root with
// apt, missing packages are installed, as `microbed` itself does; otherwise the run stops with the
// exact install command.
import { prepareHost } from '../orchestrator/host/host.ts'
import { ConsoleSink, Log } from '../orchestrator/base/log.ts'

export async function mochaGlobalSetup(): Promise<void> {
  await prepareHost(new Log([new ConsoleSink()]), { install: true, tests: true })
}
