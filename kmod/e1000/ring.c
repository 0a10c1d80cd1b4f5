// SPDX-License-Identifier: GPL-2.0
/*
 * The data path: descriptor rings, receive, interrupt, NAPI poll
 * (transmit is tx.c).
 * Only this file (and the ring programming below) ever points the device's
 * DMA at memory; under `split` the register policy keeps it that way.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/if_vlan.h>

#include "mb_e1000.h"

static int ring_alloc(struct mb_adapter *a, struct mb_ring *r, u32 count,
		      size_t desc_size)
{
	/* The device takes TDLEN/RDLEN in 128-byte units (SDM 13.4.28,
	 * 13.4.39) and would silently walk a shorter ring than ours. */
	if (count < E1000_RING_MIN || count > E1000_RING_MAX ||
	    count * desc_size % 128)
		return -EINVAL;
	r->count = count;
	r->next_to_use = 0;
	r->next_to_clean = 0;
	r->buf = kcalloc(count, sizeof(*r->buf), GFP_KERNEL);
	if (!r->buf)
		return -ENOMEM;
	/* SDM 3.2.6/3.3.5: ring length a multiple of 128 bytes, 16-byte
	 * aligned base; a coherent allocation is page aligned. */
	r->desc = dma_alloc_coherent(&a->pdev->dev, count * desc_size,
				     &r->desc_dma, GFP_KERNEL);
	if (!r->desc) {
		kfree(r->buf);
		r->buf = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void ring_free(struct mb_adapter *a, struct mb_ring *r, size_t desc_size)
{
	if (r->desc)
		dma_free_coherent(&a->pdev->dev, r->count * desc_size, r->desc,
				  r->desc_dma);
	kfree(r->buf);
	r->desc = NULL;
	r->buf = NULL;
}

/* Drops the frame being collected; unless this was its EOP buffer, the
 * rest of it is skipped too. */
static void rx_chain_fail(struct mb_adapter *a, bool eop, int why)
{
	if (!IS_ERR_OR_NULL(a->rx_chain))
		dev_kfree_skb_any(a->rx_chain);
	a->rx_chain = eop ? NULL : ERR_PTR(why);
}

/*
 * Collects a frame spanning several buffers into one skb sized for the
 * largest frame the MTU allows (a copy: jumbo frames are the exception,
 * and small buffers keep every RX allocation a cheap, order-0 one).
 * Returns the frame once its EOP buffer arrived, else NULL.
 */
static struct sk_buff *rx_chain_add(struct mb_adapter *a, struct sk_buff *skb,
				    bool eop, u32 *lost)
{
	struct sk_buff *f = a->rx_chain;

	if (!f) {
		f = napi_alloc_skb(&a->napi, a->netdev->mtu + ETH_HLEN +
				   VLAN_HLEN);
		a->rx_chain = f ? f : ERR_PTR(-ENOMEM);
	}
	if (!IS_ERR(a->rx_chain) && skb->len > skb_tailroom(f))
		rx_chain_fail(a, false, -EMSGSIZE);	/* longer than the MTU */
	if (!IS_ERR(a->rx_chain))
		skb_put_data(f, skb->data, skb->len);
	dev_kfree_skb_any(skb);
	if (!eop)
		return NULL;
	f = a->rx_chain;
	a->rx_chain = NULL;
	if (IS_ERR(f)) {
		(*lost)++;
		return NULL;
	}
	return f;
}

/*
 * Post RX buffers into every unused slot, then move RDT.  A slot whose
 * buffer was copied out (copybreak) still holds it, mapped: it goes back
 * to the device as it is.
 */
static void rx_refill(struct mb_adapter *a)
{
	struct mb_ring *r = &a->rx;
	struct mb_rx_desc *d = r->desc;
	u32 n = mb_ring_unused(r), i = r->next_to_use;
	struct mb_buf *b;
	struct sk_buff *skb;

	while (n--) {
		b = &r->buf[i];
		if (b->skb)
			goto post;
		skb = napi_alloc_skb(&a->napi, a->rx_buf_len);
		if (!skb)
			break;
		b->dma = dma_map_single(&a->pdev->dev, skb->data,
					a->rx_buf_len, DMA_FROM_DEVICE);
		if (dma_mapping_error(&a->pdev->dev, b->dma)) {
			dev_kfree_skb_any(skb);
			break;
		}
		b->skb = skb;
		b->len = a->rx_buf_len;
post:
		d[i].addr = cpu_to_le64(b->dma);
		d[i].status = 0;
		i = (i + 1) % r->count;
	}
	if (i == r->next_to_use)
		return;
	r->next_to_use = i;
	/* SDM 3.2.6: descriptors must be visible before the tail moves */
	wmb();
	mb_wr(a, E1000_RDT, i);
}

int mb_rings_alloc(struct mb_adapter *a)
{
	int err;

	err = ring_alloc(a, &a->tx, a->tx_count, sizeof(struct mb_tx_desc));
	if (err)
		return err;
	err = ring_alloc(a, &a->rx, a->rx_count, sizeof(struct mb_rx_desc));
	if (err) {
		ring_free(a, &a->tx, sizeof(struct mb_tx_desc));
		return err;
	}
	a->rx_buf_len = a->st->rx_buf_len;
	return 0;
}

static void ring_unmap_all(struct mb_adapter *a, struct mb_ring *r,
			   enum dma_data_direction dir)
{
	struct mb_buf *b;
	u32 i;

	for (i = 0; r->buf && i < r->count; i++) {
		b = &r->buf[i];
		if (!b->skb)
			continue;
		dma_unmap_single(&a->pdev->dev, b->dma, b->len, dir);
		dev_kfree_skb_any(b->skb);
		b->skb = NULL;
	}
}

void mb_rings_free(struct mb_adapter *a)
{
	rx_chain_fail(a, true, 0);	/* a frame half collected */
	mb_tx_unmap_all(a);
	ring_unmap_all(a, &a->rx, DMA_FROM_DEVICE);
	ring_free(a, &a->tx, sizeof(struct mb_tx_desc));
	ring_free(a, &a->rx, sizeof(struct mb_rx_desc));
}

/*
 * A reset or an EEPROM reload completes some time after the write that
 * starts it (SDM 14.9: CTRL.RST and CTRL_EXT.EE_RST clear themselves when
 * done), and a late one would zero the ring registers after they were
 * written.  Bounded: 10 ms.
 */
static int rings_reset_settled(struct mb_adapter *a)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (!(mb_rd(a, E1000_CTRL) & E1000_CTRL_RST) &&
		    !(mb_rd(a, E1000_CTRL_EXT) & E1000_CTRL_EXT_EE_RST))
			return 0;
		udelay(100);
	}
	netdev_err(a->netdev, "a reset is still in progress: rings not programmed\n");
	return -EBUSY;
}

/*
 * SDM 14.4/14.5: ring base, length, head and tail.  These registers are
 * the kernel's alone; the control path never writes them.  Called with
 * the policy closed to resets (rings `setup`); before the rings go live
 * they are read back, so whatever reached the device in between (a reset
 * started earlier, a part that decodes more than its datasheet says) does
 * not turn into DMA to a wrong address.
 */
int mb_rings_program(struct mb_adapter *a)
{
	u64 t = a->tx.desc_dma, r = a->rx.desc_dma;
	u32 tlen = a->tx.count * sizeof(struct mb_tx_desc);
	u32 rlen = a->rx.count * sizeof(struct mb_rx_desc);
	int err = rings_reset_settled(a);

	if (err)
		return err;
	mb_wr(a, E1000_TDBAL, lower_32_bits(t));
	mb_wr(a, E1000_TDBAH, upper_32_bits(t));
	mb_wr(a, E1000_TDLEN, tlen);
	mb_wr(a, E1000_TDH, 0);
	mb_wr(a, E1000_TDT, 0);
	mb_wr(a, E1000_RDBAL, lower_32_bits(r));
	mb_wr(a, E1000_RDBAH, upper_32_bits(r));
	mb_wr(a, E1000_RDLEN, rlen);
	mb_wr(a, E1000_RDH, 0);
	mb_wr(a, E1000_RDT, 0);
	if (mb_rd(a, E1000_TDBAL) != lower_32_bits(t) ||
	    mb_rd(a, E1000_TDBAH) != upper_32_bits(t) ||
	    mb_rd(a, E1000_TDLEN) != tlen ||
	    mb_rd(a, E1000_RDBAL) != lower_32_bits(r) ||
	    mb_rd(a, E1000_RDBAH) != upper_32_bits(r) ||
	    mb_rd(a, E1000_RDLEN) != rlen) {
		netdev_err(a->netdev, "ring registers do not hold the rings just written\n");
		return -EIO;
	}
	local_bh_disable();	/* napi_alloc_skb's cache wants softirq context */
	rx_refill(a);
	local_bh_enable();
	return 0;
}

/*
 * A small frame (an ACK, ARP, ICMP) whole in one buffer is copied into a
 * small skb and the buffer stays in its slot, mapped, for rx_refill to
 * post again: no allocation of a full buffer (zeroed page memory under
 * init_on_alloc) per small frame.  NULL: the frame takes its buffer.
 */
static struct sk_buff *rx_copybreak(struct mb_adapter *a, struct mb_buf *b,
				    u8 status, u32 len)
{
	struct sk_buff *skb;

	if (len > MB_RX_COPYBREAK || a->rx_chain ||
	    !(status & E1000_RXD_STAT_EOP))
		return NULL;
	skb = napi_alloc_skb(&a->napi, len);
	if (!skb)
		return NULL;
	dma_sync_single_for_cpu(&a->pdev->dev, b->dma, len, DMA_FROM_DEVICE);
	skb_put_data(skb, b->skb->data, len);
	dma_sync_single_for_device(&a->pdev->dev, b->dma, len,
				   DMA_FROM_DEVICE);
	return skb;
}

static int rx_clean(struct mb_adapter *a, int budget)
{
	struct mb_ring *r = &a->rx;
	struct mb_rx_desc *d;
	struct mb_buf *b;
	struct sk_buff *skb;
	u32 i = r->next_to_clean, len, bytes = 0, errors = 0, frames = 0;
	u16 vtag;
	u8 status, err;
	int done = 0;

	while (done < budget) {
		d = (struct mb_rx_desc *)r->desc + i;
		if (!(READ_ONCE(d->status) & E1000_RXD_STAT_DD))
			break;
		dma_rmb();	/* status before the rest of the descriptor */
		b = &r->buf[i];
		if (!b->skb)
			break;	/* slot not refilled yet (allocation failed) */
		len = le16_to_cpu(d->length);
		status = d->status;
		err = d->errors;
		vtag = le16_to_cpu(d->special);
		/* The slot is reaped wholly: no stale DD there may pass for a
		 * new frame, and no address stays behind for a device that read
		 * it again (a buffer kept by copybreak is posted anew by
		 * rx_refill, address and all). */
		memset(d, 0, sizeof(*d));
		i = (i + 1) % r->count;
		done++;
		skb = rx_copybreak(a, b, status, len);
		if (!skb) {
			dma_unmap_single(&a->pdev->dev, b->dma, b->len,
					 DMA_FROM_DEVICE);
			skb = b->skb;
			b->skb = NULL;
			if (unlikely(len > b->len)) {	/* not a sane device */
				dev_kfree_skb_any(skb);
				rx_chain_fail(a, status & E1000_RXD_STAT_EOP,
					      -EIO);
				errors++;
				continue;
			}
			skb_put(skb, len);
		}
		/* A frame longer than one buffer spans descriptors up to EOP
		 * (SDM 3.2.3); the errors are valid in the EOP one. */
		if (a->rx_chain || !(status & E1000_RXD_STAT_EOP)) {
			skb = rx_chain_add(a, skb, status & E1000_RXD_STAT_EOP,
					   &errors);
			if (!skb)
				continue;
			len = skb->len;
		}
		if (unlikely(err & E1000_RXD_ERR_FRAME)) {
			dev_kfree_skb_any(skb);
			errors++;
			continue;
		}
		frames++;
		skb->protocol = eth_type_trans(skb, a->netdev);
		/* the MAC took the tag out (CTRL.VME): valid in the EOP one */
		if (status & E1000_RXD_STAT_VP)
			__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q), vtag);
		bytes += len;
		napi_gro_receive(&a->napi, skb);
	}
	r->next_to_clean = i;
	if (done) {
		u64_stats_update_begin(&r->syncp);
		r->packets += frames;
		r->bytes += bytes;
		r->errors += errors;
		u64_stats_update_end(&r->syncp);
	}
	rx_refill(a);
	return done;
}

int mb_poll(struct napi_struct *napi, int budget)
{
	struct mb_adapter *a = container_of(napi, struct mb_adapter, napi);
	int done;

	mb_tx_clean(a, budget);
	done = rx_clean(a, budget);
	if (done < budget && napi_complete_done(napi, done))
		mb_irq_enable(a);
	return done;
}

void mb_irq_enable(struct mb_adapter *a)
{
	mb_wr(a, E1000_IMS, MB_IMS_ENABLE);
	readl(a->dev.hw_addr + E1000_STATUS);
}

void mb_irq_disable(struct mb_adapter *a)
{
	mb_wr(a, E1000_IMC, ~0u);
	readl(a->dev.hw_addr + E1000_STATUS);
}

/* INTx, possibly shared: ICR reads zero when the interrupt is not ours.
 * Reading ICR acknowledges every cause (SDM 13.4.17). */
irqreturn_t mb_intr(int irq, void *data)
{
	struct mb_adapter *a = data;
	u32 icr = mb_rd(a, E1000_ICR);

	if (!icr || icr == ~0u)
		return IRQ_NONE;
	if (icr & E1000_ICR_LSC && !test_bit(MB_DOWN, &a->flags))
		mod_delayed_work(system_wq, &a->watchdog_work, 0);
	if (napi_schedule_prep(&a->napi)) {
		mb_wr(a, E1000_IMC, ~0u);
		__napi_schedule(&a->napi);
	}
	return IRQ_HANDLED;
}
