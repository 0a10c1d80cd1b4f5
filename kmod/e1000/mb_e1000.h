/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The e1000 k-driver: per-NIC state and the boundary to the control path.
 *
 * The k-driver keeps what the paper puts in the kernel: PCI/BAR/IRQ/netdev,
 * the DMA rings, transmit, interrupt and NAPI poll, kernel-side counters.
 * Everything else goes through `struct mb_ctl_ops`, a table with one entry
 * per control operation (gen/ctl.h).  gen/ctl_direct.c fills it with direct
 * calls into the portable control path (variant `monolithic`);
 * gen/ctl_upcall.c with upcalls to the u-driver (variant `split`).  All ctl calls sleep and are
 * serialized by ctl_lock; atomic callers defer to a work item.
 */
#ifndef MB_E1000_H
#define MB_E1000_H

#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <linux/mutex.h>

#include "../../udriver/e1000/e1000_hw.h"
#include "../../udriver/e1000/gen/e1000_proto.h"

#define MB_DRV_NAME		"mb_e1000"
/* Descriptors one skb may need: a context descriptor, then the head and
 * every fragment, each in chunks of MB_TX_CHUNK. */
#define MB_TX_CHUNK		32768	/* QEMU reads 16 bits of length */
#define MB_TX_DESC_MAX		(1 + 2 * (MAX_SKB_FRAGS + 1))
#define MB_TX_WAKE_THRESH	(2 * MB_TX_DESC_MAX)
#define MB_WATCHDOG_PERIOD	(2 * HZ)
#define MB_RX_COPYBREAK		256	/* copied, buffer kept: Linux e1000's */
#define MB_IMS_ENABLE		(E1000_ICR_RXT0 | E1000_ICR_RXDMT0 | \
				 E1000_ICR_RXO | E1000_ICR_RXSEQ | \
				 E1000_ICR_LSC | E1000_ICR_TXDW)

/* SDM 3.2.3 legacy receive descriptor */
struct mb_rx_desc {
	__le64 addr;
	__le16 length;
	__le16 csum;
	u8 status;
	u8 errors;
	__le16 special;
};

/* SDM 3.3.3 legacy / 3.3.7 data transmit descriptor */
struct mb_tx_desc {
	__le64 addr;
	__le32 lower;	/* length | CSO << 16 | CMD << 24 (data: DTYP, DCMD) */
	__le32 upper;	/* STA | CSS << 8 | special << 16 (data: POPTS) */
};

/* SDM 3.3.6 TCP/IP context descriptor: offload parameters for the
 * data descriptors that follow it. */
struct mb_ctx_desc {
	u8 ipcss;		/* IP checksum start */
	u8 ipcso;		/* IP checksum offset */
	__le16 ipcse;		/* IP checksum end */
	u8 tucss;		/* TCP/UDP checksum start */
	u8 tucso;		/* TCP/UDP checksum offset */
	__le16 tucse;		/* TCP/UDP checksum end, 0: to the end */
	__le32 cmd_and_length;	/* PAYLEN | DTYP | TUCMD */
	u8 status;
	u8 hdr_len;		/* TSO: header bytes repeated per segment */
	__le16 mss;		/* TSO: payload bytes per segment */
};

/* One per descriptor.  The first descriptor of a packet holds the skb and
 * the index of its last (EOP) descriptor; every descriptor that starts a
 * DMA mapping holds that mapping. */
struct mb_buf {
	struct sk_buff *skb;
	dma_addr_t dma;
	u32 len;		/* mapped length, 0: nothing to unmap */
	u16 eop;		/* first descriptor only */
	u8 page;		/* mapping is a page (fragment) */
};

struct mb_ring {
	void *desc;		/* coherent descriptor memory */
	dma_addr_t desc_dma;
	u32 count;
	u32 next_to_use;	/* next slot software fills */
	u32 next_to_clean;	/* next slot software reaps */
	struct mb_buf *buf;
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
	u32 mc_count;	/* > E1000_MC_MAX means "too many" */
	u8 mc[E1000_MC_MAX][ETH_ALEN];
	u32 uc_count;	/* secondary unicast; > E1000_UC_MAX: too many */
	u8 uc[E1000_UC_MAX][ETH_ALEN];
};

struct mb_adapter {
	struct net_device *netdev;
	struct pci_dev *pdev;
	struct mb_dev dev;
	struct napi_struct napi;
	struct mb_ring tx;
	struct mb_ring rx;
	u32 rx_buf_len;		/* size of the posted RX buffers */
	struct sk_buff *rx_chain;	/* frame spanning buffers, being collected
					 * (ERR_PTR: dropped, skip to its EOP) */
	u32 tx_count, rx_count;	/* ring sizes from the next mb_up (ethtool -G) */
	unsigned long flags;

	const struct mb_ctl_ops *ctl;
	void *ctl_priv;
	const struct e1000_state *st;	/* kernel's copy of the tracked state */
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

/* ring.c: rings, receive, interrupt, NAPI */
int mb_rings_alloc(struct mb_adapter *a);
void mb_rings_free(struct mb_adapter *a);
int mb_rings_program(struct mb_adapter *a);
/* tx.c: transmit */
netdev_tx_t mb_xmit(struct sk_buff *skb, struct net_device *netdev);
void mb_tx_clean(struct mb_adapter *a, int budget);
void mb_tx_unmap_all(struct mb_adapter *a);
#define MB_TX_FEATURES	(NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_TSO)
irqreturn_t mb_intr(int irq, void *data);
int mb_poll(struct napi_struct *napi, int budget);
void mb_irq_enable(struct mb_adapter *a);
void mb_irq_disable(struct mb_adapter *a);

/* main.c */
int mb_up(struct mb_adapter *a);
void mb_down(struct mb_adapter *a);
int mb_apply_rx_mode(struct mb_adapter *a);

/* Free slots; one always stays empty so that head == tail means empty. */
static inline u32 mb_ring_unused(const struct mb_ring *r)
{
	return (r->next_to_clean + r->count - r->next_to_use - 1) % r->count;
}

static inline u32 mb_rd(struct mb_adapter *a, u32 reg)
{
	return readl(a->dev.hw_addr + reg);
}

static inline void mb_wr(struct mb_adapter *a, u32 reg, u32 val)
{
	writel(val, a->dev.hw_addr + reg);
}

#endif /* MB_E1000_H */
