/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The RTL8139C+ k-driver: per-NIC state and the boundary to the control
 * path.
 *
 * The k-driver keeps what the paper puts in the kernel: PCI/BAR/IRQ/netdev,
 * the C+ descriptor rings and what points the chip's DMA at memory (the C+
 * command register, the ring and tally addresses), transmit, interrupt and
 * NAPI poll, kernel-side counters.  Everything else goes through
 * `struct mb_ctl_ops` (gen/ctl.h): direct calls into the portable control
 * path (variant `monolithic`, gen/ctl_direct.c) or upcalls to the u-driver
 * (variant `split`, gen/ctl_upcall.c).  All ctl calls sleep and are
 * serialized by ctl_lock; atomic callers defer to a work item.
 */
#ifndef MB_RTL8139_H
#define MB_RTL8139_H

#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

#include "../../udriver/rtl8139/rtl8139_hw.h"
#include "../../udriver/rtl8139/gen/rtl8139_proto.h"

#define MB_DRV_NAME		"mb_rtl8139"
/* QEMU's C+ transmitter wraps after 64 descriptors whatever EOR says,
 * and 8139cp uses 64 for both rings. */
#define MB_RING_SIZE		64
#define MB_TX_WAKE_THRESH	(MAX_SKB_FRAGS + 2)
#define MB_WATCHDOG_PERIOD	(2 * HZ)
#define MB_RX_COPYBREAK		256	/* copied, buffer kept */
#define MB_TSO_MAX		60000	/* one frame, headers included: QEMU assembles it in 64 KiB */

/* Datasheet 9.2/9.3: C+ RX and TX descriptors (RTL_DESC_* bits) */
struct mb_desc {
	__le32 opts1;
	__le32 opts2;
	__le64 addr;
};

/* One per descriptor.  The first descriptor of a packet holds the skb and
 * the index of its last one; every descriptor holds its own mapping. */
struct mb_buf {
	struct sk_buff *skb;
	dma_addr_t dma;
	u32 len;		/* mapped length, 0: nothing to unmap */
	u16 eop;		/* first descriptor only */
	u8 page;		/* mapping is a page (fragment) */
};

struct mb_ring {
	struct mb_desc *desc;	/* in the coherent block */
	dma_addr_t desc_dma;
	u32 next_to_use;	/* TX: next slot software fills */
	u32 next_to_clean;	/* next slot software reaps */
	struct mb_buf buf[MB_RING_SIZE];
	u64 packets, bytes, errors, dropped;
	struct u64_stats_sync syncp;
};

/* adapter->flags bits */
enum {
	MB_DOWN,	/* the data path is down */
	MB_REMOVED,	/* removal cancelled the work items for good */
};

struct mb_adapter;

/* The environment the portable code sees as `struct mb_dev`. */
struct mb_dev {
	void __iomem *hw_addr;
	struct mb_adapter *adapter;
};

/* struct mb_ctl_ops, generated from the interface spec */
#include "gen/ctl.h"

/* A snapshot of what ndo_set_rx_mode asked for, applied by rx_mode_work. */
struct mb_rx_mode {
	u32 flags;
	u32 mc_count;	/* > RTL8139_MC_MAX means "too many" */
	u8 mc[RTL8139_MC_MAX][ETH_ALEN];
};

struct mb_adapter {
	struct net_device *netdev;
	struct pci_dev *pdev;
	struct mb_dev dev;
	struct napi_struct napi;
	struct mb_ring tx;
	struct mb_ring rx;
	void *ring_mem;		/* coherent: RX ring, then TX ring */
	dma_addr_t ring_dma;
	u32 rx_buf_len;		/* size of the posted RX buffers */
	unsigned long flags;

	/* The registers that aim the chip's DMA are written under hw_lock:
	 * the C+ command, the ring addresses, the tally dump. */
	spinlock_t hw_lock;
	u16 cpcmd;		/* C+ command in force while the rings are live */
	bool cpcmd_live;	/* CPCR holds cpcmd with RX/TX enabled */
	void *tally;		/* coherent, 64-byte aligned: the tally dump */
	dma_addr_t tally_dma;

	const struct mb_ctl_ops *ctl;
	void *ctl_priv;
	const struct rtl8139_state *st;	/* kernel's copy of the tracked state */
	struct mutex ctl_lock;

	bool registered;	/* netdev registered (after device init) */

	struct work_struct init_work;	/* deferred device init (split) */
	struct delayed_work watchdog_work;
	struct work_struct rx_mode_work;
	struct work_struct reset_work;
	spinlock_t rx_mode_lock;
	struct mb_rx_mode rx_mode_pending;
	struct mb_rx_mode rx_mode_scratch;	/* used under ctl_lock only */
	u32 tx_timeouts;
	u32 sset_count[ETH_SS_STATS + 1];	/* last count given to ethtool,
						 * by ETH_SS_TEST/ETH_SS_STATS */
};

/* gen/ctl_direct.c (monolithic) or gen/ctl_upcall.c (split) */
extern const struct mb_ctl_ops mb_ctl_ops;
/* fault_direct.c (monolithic): fault points behind fault=/fault_seed= */
int mb_fault_direct_install(struct mb_adapter *a);
bool mb_fault_direct_pre(struct mb_adapter *a, int op);
int mb_fault_direct_post(struct mb_adapter *a, int ret);
/* gen/fault_direct.c: every operation of ops wrapped by the two above */
void mb_fault_direct_wrap(struct mb_ctl_ops *ops);
extern const struct ethtool_ops mb_ethtool_ops;

/* ring.c: rings, receive, transmit, interrupt, NAPI, the tally dump */
int mb_rings_alloc(struct mb_adapter *a);
void mb_rings_free(struct mb_adapter *a);
int mb_rings_program(struct mb_adapter *a);
void mb_rings_stop(struct mb_adapter *a);
void mb_set_cpcmd(struct mb_adapter *a, u16 cpcmd);
int mb_tally_dump(struct mb_adapter *a, u8 out[RTL8139_TALLY_LEN]);
netdev_tx_t mb_xmit(struct sk_buff *skb, struct net_device *netdev);
irqreturn_t mb_intr(int irq, void *data);
int mb_poll(struct napi_struct *napi, int budget);
void mb_irq_enable(struct mb_adapter *a);
void mb_irq_disable(struct mb_adapter *a);
#define MB_TX_FEATURES	(NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_TSO)

/* main.c */
int mb_up(struct mb_adapter *a);
void mb_down(struct mb_adapter *a);
int mb_apply_rx_mode(struct mb_adapter *a);

static inline u8 mb_r8(struct mb_adapter *a, u32 reg)
{
	return readb(a->dev.hw_addr + reg);
}

static inline u16 mb_r16(struct mb_adapter *a, u32 reg)
{
	return readw(a->dev.hw_addr + reg);
}

static inline u32 mb_r32(struct mb_adapter *a, u32 reg)
{
	return readl(a->dev.hw_addr + reg);
}

static inline void mb_w8(struct mb_adapter *a, u32 reg, u8 val)
{
	writeb(val, a->dev.hw_addr + reg);
}

static inline void mb_w16(struct mb_adapter *a, u32 reg, u16 val)
{
	writew(val, a->dev.hw_addr + reg);
}

static inline void mb_w32(struct mb_adapter *a, u32 reg, u32 val)
{
	writel(val, a->dev.hw_addr + reg);
}

#endif /* MB_RTL8139_H */
