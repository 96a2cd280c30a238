/* test_msix_mask.c - MSI-X masking during traffic, on model, rtl and cosim with the real firmware: the
 * driver masks the transmit queue's vector (per-vector mask bit in the MSI-X table) while the queue
 * engine completes buffers; no MSI-X write happens for that vector while masked, its pending bit is
 * set, unmasking delivers exactly one message, and the traffic then completes with every frame
 * checked. The mask/unmask writes and the PBA read are queued on the host link from the bus's cycle
 * hook, alongside the driver's own accesses. */
#include <string.h>

#include "harness.h"
#include "host_link.h"
#include "link.h"
#include "virtio_net.h"

#define FRAMES 30
#define MASK_AT 1500      /* cycles after the traffic starts */
#define GRACE 300         /* a message already on its way when the mask write lands */
#define SETTLE 5000       /* after the last frame went out: the last used writes and interrupts */
#define UNMASK_WINDOW 1000

enum phase { PH_WAIT, PH_MASKED, PH_PBA, PH_UNMASKED, PH_DONE };

struct mask_ctx {
    virtio_net_t *n;
    uint64_t bar, start, t_mask, t_last, t_unmask;
    unsigned vec;
    enum phase ph;
    int pba_tag;
    uint64_t pba;
    uint64_t msi_masked, msi_unmask, msi_after;
    uint64_t msgs_while_masked, raised_while_masked;
    uint64_t wire;
    uint64_t completed_at_mask; /* transmit buffers the driver had reaped when the mask took effect */
};

static uint64_t msi(const struct mask_ctx *c, vdpu_bus_t *b) { return b->mem->msi_count[PCI_MSI_DATA_BASE + c->vec]; }

static void on_cycle(void *p, vdpu_bus_t *b)
{
    struct mask_ctx *c = p;
    uint64_t now = b->dev->cycle;
    uint64_t ctrl = c->bar + VDPU_BAR_MSIX_TBL_OFF + 16ull * c->vec + 12;
    switch (c->ph) {
    case PH_WAIT:
        if (now >= c->start + MASK_AT) {
            cr_assert_geq(host_link_submit(b, VDPU_HL_MEM_WR, 4, ctrl, 1), 0);
            c->t_mask = now;
            c->ph = PH_MASKED;
        }
        break;
    case PH_MASKED:
        if (now == c->t_mask + GRACE) {
            c->msi_masked = msi(c, b);
            c->completed_at_mask = c->n->tx.completed;
        }
        if (now > c->t_mask + GRACE && msi(c, b) != c->msi_masked) c->msgs_while_masked++;
        if (b->net.tx_frames >= c->wire + FRAMES) {
            if (!c->t_last) c->t_last = now;
            if (now >= c->t_last + SETTLE && now > c->t_mask + GRACE) {
                c->pba_tag = host_link_submit(b, VDPU_HL_MEM_RD, 8, c->bar + VDPU_BAR_MSIX_PBA_OFF, 0);
                cr_assert_geq(c->pba_tag, 0);
                c->ph = PH_PBA;
            }
        }
        break;
    case PH_PBA:
        if (msi(c, b) != c->msi_masked) c->msgs_while_masked++;
        if (b->tags[c->pba_tag].done) {
            b->tags[c->pba_tag].done = false;
            c->pba = b->tags[c->pba_tag].cpl.data;
            c->msi_unmask = msi(c, b);
            cr_assert_geq(host_link_submit(b, VDPU_HL_MEM_WR, 4, ctrl, 0), 0);
            c->t_unmask = now;
            c->ph = PH_UNMASKED;
        }
        break;
    case PH_UNMASKED:
        if (now >= c->t_unmask + UNMASK_WINDOW) {
            c->msi_after = msi(c, b);
            c->ph = PH_DONE;
        }
        break;
    case PH_DONE: break;
    }
}

static void mask_during_traffic(struct tctx *t, enum drv_ring ring)
{
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    /* every completion asks for an interrupt: the pending bit is set again and again while masked */
    p.drop[VIRTIO_RING_F_EVENT_IDX / 32] |= 1u << (VIRTIO_RING_F_EVENT_IDX % 32);
    virtio_drv_t *d = calloc(1, sizeof *d);
    virtio_net_t *n = calloc(1, sizeof *n);
    cr_assert(d && n);
    t_drv_up(t, d, &p);
    struct net_params np = {NET_TX, FRAMES, 64, 5, 2000000};
    cr_assert_eq(virtio_net_open(n, d, &np), 0, "%s", n->error);
    struct mask_ctx c;
    memset(&c, 0, sizeof c);
    c.n = n;
    c.bar = t->bar;
    c.vec = n->tx.vector;
    cr_assert_lt(c.vec, VDPU_NUM_VECTORS, "the transmit queue has an MSI-X vector");
    c.start = t->b->dev->cycle;
    c.wire = t->b->net.tx_frames;
    t->b->on_cycle = on_cycle;
    t->b->on_cycle_ctx = &c;
    uint64_t before = msi(&c, t->b);
    int rc = virtio_net_run(n);
    /* the driver is done as soon as the message after the unmask made it reap: watch the rest of
     * the window (any further message would be counted) */
    for (unsigned i = 0; i < 20 && c.ph == PH_UNMASKED && !t->b->stopped; i++) vdpu_bus_run_cycles(t->b, 100);
    t->b->on_cycle = NULL;
    t->b->on_cycle_ctx = NULL;
    cr_assert_eq(rc, 0, "traffic failed: %s %s", n->error, t->b->stopped ? t->b->stop_reason : "");
    cr_assert_eq(virtio_net_packets(n), FRAMES, "every frame completed and checked");
    cr_assert_eq(c.ph, PH_DONE, "the run ended in phase %d", c.ph);
    cr_assert_lt(c.completed_at_mask, FRAMES, "buffers were still completing when the mask took effect");
    cr_assert_gt(c.msi_masked, before, "interrupts came before the mask");
    cr_assert_eq(c.msgs_while_masked, 0, "an MSI-X write for a masked vector");
    cr_assert(c.pba >> c.vec & 1, "pending bit of the masked vector (PBA 0x%llx)", (unsigned long long)c.pba);
    cr_assert_eq(c.msi_after - c.msi_unmask, 1, "unmasking delivers exactly one message");
    virtio_net_close(n);
    free(n);
    free(d);
}

ENGINE_TEST_REALFW(msix_mask, split_tx_mask_during_traffic, .timeout = 300) { mask_during_traffic(T, DRV_RING_SPLIT); }
ENGINE_TEST_REALFW(msix_mask, packed_tx_mask_during_traffic, .timeout = 300) { mask_during_traffic(T, DRV_RING_PACKED); }
