// The splitter's knowledge of the kernel, as data: in which context the kernel calls each kind of
// driver callback, which calls register a callback (and in which context it then runs), which
// calls open and close an atomic region, and which kernel services only kernel code can use.
// Contexts of net_device_ops and NAPI come from the kernel's Documentation/networking/netdevices.rst
// (Linux 6.1: "struct net_device synchronization rules", "struct napi_struct synchronization
// rules"); `doc` quotes its Synchronization/Context lines, and test/splitter.test.ts checks each
// quote against the file in the guest kernel's source. Entries without `doc` say where else the
// fact comes from.

/**
 *  - hardirq: an interrupt handler (IRQs off on this CPU);
 *  - softirq: BH context (timers, tasklets, NAPI);
 *  - atomic: process context that must not sleep (a spinlock held, BHs or IRQs off, RCU);
 *  - process: may sleep (rtnl_lock, the driver core's device lock, a work item).
 */
export type Context = 'hardirq' | 'softirq' | 'atomic' | 'process'

export const ATOMIC: ReadonlySet<Context> = new Set(['hardirq', 'softirq', 'atomic'])

export interface CallbackContext {
  context: Context
  /** on the I/O path: the interrupt, NAPI poll, transmit (the paper's performance criterion) */
  critical?: boolean
  /** netdevices.rst's words for it (Synchronization / Context), or the source of the fact */
  doc: string
}

/** Callbacks of the kernel's ops structures, by struct and field. */
export const OPS_CONTEXTS: Record<string, Record<string, CallbackContext>> = {
  net_device_ops: {
    ndo_open: { context: 'process', doc: 'netdevices.rst ndo_open: Synchronization: rtnl_lock() semaphore. Context: process' },
    ndo_stop: { context: 'process', doc: 'netdevices.rst ndo_stop: Synchronization: rtnl_lock() semaphore. Context: process' },
    ndo_do_ioctl: { context: 'process', doc: 'netdevices.rst ndo_do_ioctl: Synchronization: rtnl_lock() semaphore. Context: process' },
    ndo_eth_ioctl: { context: 'process', doc: 'netdevices.rst ndo_eth_ioctl: Synchronization: rtnl_lock() semaphore. Context: process' },
    ndo_siocdevprivate: { context: 'process', doc: 'netdevices.rst ndo_siocdevprivate: Synchronization: rtnl_lock() semaphore. Context: process' },
    ndo_get_stats: { context: 'atomic', doc: 'netdevices.rst ndo_get_stats: Synchronization: rtnl_lock() semaphore, dev_base_lock rwlock, or RCU. Context: atomic (can\'t sleep under rwlock or RCU)' },
    ndo_get_stats64: { context: 'atomic', doc: 'as netdevices.rst says of ndo_get_stats: dev_get_stats calls either one, under a rwlock or RCU' },
    ndo_start_xmit: { context: 'atomic', critical: true, doc: 'netdevices.rst ndo_start_xmit: Synchronization: __netif_tx_lock spinlock. Context: Process with BHs disabled or BH (timer), will be called with interrupts disabled by netconsole.' },
    ndo_features_check: { context: 'atomic', doc: 'called by the transmit path before ndo_start_xmit (net/core/dev.c netif_skb_features), with BHs disabled' },
    ndo_select_queue: { context: 'atomic', doc: 'called by the transmit path (net/core/dev.c netdev_core_pick_tx), BHs disabled, under RCU' },
    ndo_tx_timeout: { context: 'atomic', doc: 'netdevices.rst ndo_tx_timeout: Synchronization: netif_tx_lock spinlock; all TX queues frozen. Context: BHs disabled' },
    ndo_set_rx_mode: { context: 'atomic', doc: 'netdevices.rst ndo_set_rx_mode: Synchronization: netif_addr_lock spinlock. Context: BHs disabled' },
    ndo_poll_controller: { context: 'atomic', doc: 'netpoll (net/core/netpoll.c poll_napi): called with IRQs disabled' },
    ndo_setup_tc: { context: 'process', doc: 'tc (net/sched): under rtnl_lock, may sleep' },
    // The other net_device_ops are called under rtnl_lock (net/core/dev.c, rtnetlink.c), may sleep.
    ndo_change_mtu: { context: 'process', doc: 'dev_set_mtu: under rtnl_lock (ASSERT_RTNL), may sleep' },
    ndo_set_mac_address: { context: 'process', doc: 'dev_set_mac_address: under rtnl_lock (ASSERT_RTNL), may sleep' },
    ndo_validate_addr: { context: 'process', doc: '__dev_open: under rtnl_lock, may sleep' },
    ndo_vlan_rx_add_vid: { context: 'process', doc: 'vlan_add_rx_filter_info (8021q): under rtnl_lock, may sleep' },
    ndo_vlan_rx_kill_vid: { context: 'process', doc: 'vlan_kill_rx_filter_info (8021q): under rtnl_lock, may sleep' },
    ndo_fix_features: { context: 'process', doc: '__netdev_update_features: under rtnl_lock (ASSERT_RTNL)' },
    ndo_set_features: { context: 'process', doc: '__netdev_update_features: under rtnl_lock (ASSERT_RTNL)' },
    ndo_change_carrier: { context: 'process', doc: 'dev_change_carrier: under rtnl_lock' },
    ndo_set_vf_mac: { context: 'process', doc: 'rtnetlink: under rtnl_lock' },
  },
  // Every ethtool operation runs under rtnl_lock in process context (net/ethtool/ioctl.c
  // dev_ethtool and net/ethtool/netlink.c take rtnl_lock around them); none is atomic.
  ethtool_ops: { '*': { context: 'process', doc: 'ethtool (net/ethtool/ioctl.c dev_ethtool, net/ethtool/netlink.c): under rtnl_lock, may sleep' } },
  pci_driver: {
    probe: { context: 'process', doc: 'driver core (drivers/pci/pci-driver.c local_pci_probe): device lock held, may sleep' },
    remove: { context: 'process', doc: 'driver core: device lock held, may sleep' },
    shutdown: { context: 'process', doc: 'driver core: device_shutdown, may sleep' },
    suspend: { context: 'process', doc: 'PCI legacy PM: may sleep' },
    resume: { context: 'process', doc: 'PCI legacy PM: may sleep' },
    sriov_configure: { context: 'process', doc: 'sysfs sriov_numvfs store: may sleep' },
  },
  pci_error_handlers: {
    error_detected: { context: 'process', doc: 'PCI error recovery (Documentation/PCI/pci-error-recovery.rst): from the AER/EEH recovery thread' },
    mmio_enabled: { context: 'process', doc: 'PCI error recovery: recovery thread' },
    slot_reset: { context: 'process', doc: 'PCI error recovery: recovery thread' },
    resume: { context: 'process', doc: 'PCI error recovery: recovery thread' },
  },
  dev_pm_ops: {
    suspend: { context: 'process', doc: 'PM core (drivers/base/power/main.c): may sleep' },
    resume: { context: 'process', doc: 'PM core: may sleep' },
    freeze: { context: 'process', doc: 'PM core: may sleep' },
    thaw: { context: 'process', doc: 'PM core: may sleep' },
    poweroff: { context: 'process', doc: 'PM core: may sleep' },
    restore: { context: 'process', doc: 'PM core: may sleep' },
    runtime_suspend: { context: 'process', doc: 'runtime PM: may sleep unless pm_runtime_irq_safe' },
    runtime_resume: { context: 'process', doc: 'runtime PM: may sleep unless pm_runtime_irq_safe' },
    runtime_idle: { context: 'process', doc: 'runtime PM: may sleep unless pm_runtime_irq_safe' },
  },
}

/** The context of a kernel struct's callback field ('*' stands for every field of a struct). */
export function opsContext(struct: string, field: string): CallbackContext | undefined {
  const s = OPS_CONTEXTS[struct]
  return s && (Object.hasOwn(s, field) ? s[field] : s['*'])
}

/** A call that registers a callback: the argument positions (0-based) that hold one, and its context. */
export interface Registration { args: Record<number, CallbackContext> }

const HARDIRQ: CallbackContext = { context: 'hardirq', critical: true, doc: 'interrupt handler (kernel/irq): hard IRQ context' }
const NAPI: CallbackContext = { context: 'softirq', critical: true, doc: 'netdevices.rst napi->poll: Synchronization: NAPI_STATE_SCHED bit in napi->state. Context: softirq' }
const TIMER: CallbackContext = { context: 'softirq', doc: 'timer callback (kernel/time/timer.c): softirq' }
const TASKLET: CallbackContext = { context: 'softirq', doc: 'tasklet (kernel/softirq.c): softirq' }
const WORK: CallbackContext = { context: 'process', doc: 'work item (kernel/workqueue.c): a kworker, may sleep' }
const THREAD: CallbackContext = { context: 'process', doc: 'threaded IRQ handler or kthread: a kernel thread, may sleep' }
const PM: CallbackContext = { context: 'process', doc: 'PM core (drivers/base/power/main.c): may sleep' }

export const REGISTRATIONS: Record<string, Registration> = {
  request_irq: { args: { 1: HARDIRQ } },
  devm_request_irq: { args: { 2: HARDIRQ } },
  request_threaded_irq: { args: { 1: HARDIRQ, 2: THREAD } },
  devm_request_threaded_irq: { args: { 2: HARDIRQ, 3: THREAD } },
  request_any_context_irq: { args: { 1: HARDIRQ } },
  netif_napi_add: { args: { 2: NAPI } },
  netif_napi_add_weight: { args: { 2: NAPI } },
  netif_napi_add_tx: { args: { 2: NAPI } },
  netif_napi_add_tx_weight: { args: { 2: NAPI } },
  timer_setup: { args: { 1: TIMER } },
  setup_timer: { args: { 1: TIMER } },
  tasklet_setup: { args: { 1: TASKLET } },
  tasklet_init: { args: { 1: TASKLET } },
  INIT_WORK: { args: { 1: WORK } },
  INIT_DELAYED_WORK: { args: { 1: WORK } },
  INIT_DEFERRABLE_WORK: { args: { 1: WORK } },
  kthread_run: { args: { 0: THREAD } },
  kthread_create: { args: { 0: THREAD } },
  module_init: { args: { 0: { context: 'process', doc: 'module loading (kernel/module): may sleep' } } },
  module_exit: { args: { 0: { context: 'process', doc: 'module unloading (kernel/module): may sleep' } } },
  SET_SYSTEM_SLEEP_PM_OPS: { args: { 0: PM, 1: PM } },
  SIMPLE_DEV_PM_OPS: { args: { 1: PM, 2: PM } },
  SET_RUNTIME_PM_OPS: { args: { 0: PM, 1: PM, 2: PM } },
  DEFINE_SIMPLE_DEV_PM_OPS: { args: { 1: PM, 2: PM } },
}

/**
 * Library calls that call back into the driver, synchronously, in the caller's own context: the
 * generic MII library (drivers/net/mii.c) reads and writes the PHY through the driver's
 * mii_if_info.mdio_read/mdio_write. A call to one is an indirect call through those fields.
 */
export const LIBRARY_CALLBACKS: { calls: RegExp; fields: string[]; doc: string }[] = [
  { calls: /^(generic_mii_ioctl|mii_[a-z0-9_]+)$/, fields: ['mdio_read', 'mdio_write'], doc: 'drivers/net/mii.c calls mii_if_info.mdio_read/mdio_write' },
]

/**
 * Calls that open and close a region in which the code must not sleep. A function holding one
 * stays in the kernel (a kernel lock cannot be held from user space) and so does everything it
 * calls inside.
 */
export const LOCKS: { kind: string; open: RegExp; close: RegExp }[] = [
  { kind: 'spinlock', open: /^(raw_)?(spin|read|write)_(try)?lock(_bh|_irq|_irqsave|_nested|_irqsave_nested)?$/, close: /^(raw_)?(spin|read|write)_unlock(_bh|_irq|_irqrestore)?$/ },
  { kind: 'netif-lock', open: /^(__)?netif_(tx|addr)_lock(_bh)?$/, close: /^(__)?netif_(tx|addr)_unlock(_bh)?$/ },
  { kind: 'irqs-off', open: /^local_irq_(disable|save)$/, close: /^local_irq_(enable|restore)$/ },
  { kind: 'bh-off', open: /^local_bh_disable$/, close: /^local_bh_enable$/ },
  { kind: 'rcu', open: /^rcu_read_lock(_bh|_sched)?$/, close: /^rcu_read_unlock(_bh|_sched)?$/ },
]

/**
 * Kernel services only kernel code can call (the PCI core, DMA, IRQs, netdev registration, NAPI):
 * a function that uses them is kept in the kernel by hand even where the analysis would let it
 * move, or needs a downcall for each. The reason printed for such a function names them.
 */
export const KERNEL_ONLY: RegExp =
  /^(pci_|pcim_|pcie_|dma_|request_(threaded_)?irq$|free_irq$|devm_|register_netdev|unregister_netdev|alloc_etherdev|free_netdev$|napi_|netif_napi|__napi|netif_|ioremap|iounmap|pci_iomap|pci_iounmap|dev_kfree_skb|netdev_alloc_skb|napi_alloc_skb|skb_|__skb|eth_type_trans$|kmalloc|kzalloc|kcalloc|kfree$|vmalloc|vzalloc|vfree$|schedule_work$|schedule_delayed_work$|mod_delayed_work$|cancel_(delayed_)?work|mod_timer$|del_timer|timer_setup$|synchronize_irq$|disable_irq|enable_irq$)/
