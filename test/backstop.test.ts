// The splitter's runtime backstop in a real guest: an upcall made with a spinlock held (what a
// partition mistake the analysis missed would do) is refused cleanly by mb_core, with a parseable
// refusal line and one WARNING the console scanner reports; the kernel, the u-driver and the data
// path go on as before.
import { expect } from 'chai'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Log } from '../orchestrator/base/log.ts'
import { defaults, type Options } from '../orchestrator/base/options.ts'
import { NICS } from '../orchestrator/testbed/nics.ts'
import { bootGuest, prepareTestbed, type Guest, type Testbed } from '../orchestrator/testbed/testbed.ts'
import { detectCrash } from '../orchestrator/vm/crash.ts'

describe('splitter backstop: an upcall from atomic context in a split guest', function () {
  let tb: Testbed
  let g: Guest
  const opts: Options = { ...defaults, accel: (process.env.MICROBED_TEST_ACCEL as Options['accel']) ?? 'auto' }
  before(async function () {
    this.timeout(20 * 60_000)
    tb = await prepareTestbed(opts, new Log(), mkdtempSync(join(tmpdir(), 'microbed-backstop-')))
    g = await bootGuest(tb, NICS.e1000!, 'split')
  })
  after(async () => { await g?.close() })

  it('is refused with EWOULDBLOCK, logged as event=refuse reason=atomic-upcall and a WARNING; the NIC keeps working', async () => {
    const dmesg = async () => (await g.ssh.exec('dmesg')).stdout
    const handle = /microbed: event=attach driver=e1000 dev=\S+ handle=(\d+) /.exec(await dmesg())?.[1]
    expect(handle, 'the u-driver attached').to.be.a('string')
    const w = await g.ssh.exec(`echo ${handle} > /sys/module/mb_core/parameters/test_atomic_upcall`, { check: false, timeoutMs: 30_000 })
    expect(w.code, 'the write must fail').to.not.equal(0)
    expect(w.stderr).to.match(/Resource temporarily unavailable/)
    const log = await dmesg()
    expect(log).to.match(new RegExp(`microbed: event=refuse driver=e1000 dev=\\S+ handle=${handle} pid=\\d+ reason=atomic-upcall op=\\d+ in_atomic=1 irqs_disabled=0 in_interrupt=1`))
    expect(log).to.match(new RegExp(`microbed: event=test-atomic-upcall driver=e1000 dev=\\S+ handle=${handle} pid=- result=-11`))
    const crash = detectCrash(log)
    expect(crash?.kind, crash?.excerpt).to.equal('warning')
    expect(crash!.excerpt + log).to.match(/upcall from atomic context refused/)
    // Nothing else broke: the u-driver still serves the control path, the data path still flows.
    expect(log).to.not.match(/event=(timeout|detach|violation)/)
    expect((await g.ssh.exec('ethtool dut0')).stdout).to.match(/Link detected: yes/)
    const ping = await g.ssh.exec('ping -c 3 -i 0.2 -W 2 -I dut0 127.78.0.2', { check: false })
    expect(ping.stdout, ping.stdout + ping.stderr).to.match(/[23] packets received/)
    expect(detectCrash(log.replace(/[\s\S]*upcall from atomic context refused[\s\S]*?---\[ end trace [0-9a-f]+ \]---/, ''))).to.equal(null)
  })
})
