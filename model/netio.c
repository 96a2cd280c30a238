/* netio.c - the network port: nrx beats fill the RX frame buffers, the ntx output register drains by ntx_ready. */
#include <string.h>

#include "model.h"

#define ETH_VLAN_TPID_OFF 12u /* the ethertype / 802.1Q TPID of a frame */

/*
 * Two RX frame buffers (VDPU_RX_FRAME_BUFS): frames complete in arrival order, the engine serves the
 * oldest (rx_head) while the next arrives into the other, and nrx_ready is "the arriving frame has a
 * free buffer". The engine reads only the head's buffer while it holds a complete frame and a beat
 * goes only into the other (or into the head's while it holds none), so the two never touch one
 * buffer at the same edge and the in-place write is safe. Bytes past a buffer are counted as
 * truncation, not stored.
 */
void model_netio_edge(struct vdpu_edge *e, const vdpu_in_t *in)
{
    const struct vdpu_state *s = e->pre;
    const struct vdpu_eng *g = &s->eng;
    struct vdpu_eng *n = &e->next->eng;
    unsigned h = g->rx_head, f = model_rx_fill_slot(s);
    const struct vdpu_rx_slot *hs = &g->rxs[h], *fs = &g->rxs[f];
    struct vdpu_rx_slot *nf = &n->rxs[f];

    if (g->ntx_valid && in->ntx_ready) n->ntx_valid = false;
    bool accept = in->nrx_valid && !fs->full;
    /* a device reset makes whatever a buffer holds (or starts to hold at this edge) stale */
    if (e->dev_reset)
        for (unsigned i = 0; i < VDPU_RX_FRAME_BUFS; i++)
            if (g->rxs[i].full || g->rxs[i].len || (i == f && accept)) n->rxs[i].stale = true;
    /* A stale frame is dropped as soon as it is complete - unless the engine holds it (a service that
     * began before the reset), which frees it itself: one owner frees a buffer, once. */
    if (hs->stale && hs->full && !model_qeng_rx_held(s)) {
        memset(&n->rxs[h], 0, sizeof n->rxs[h]);
        n->rx_head = (uint8_t)(h ^ 1u);
    }
    if (!accept) return;

    unsigned k = model_keep_bytes(in->nrx.keep), fill = fs->len;
    unsigned room = VDPU_FRAME_BUF_BYTES - fill;
    uint8_t dst[6];
    /* the filter looks at the first six data bytes of a frame's first beat */
    memcpy(dst, fill == 0 ? in->nrx.data : e->pre->rxf.dst, 6);
    if (fill == 0) memcpy(e->next->rxf.dst, in->nrx.data, 6);
    /* the MTU check (qeng.c, at the pick) allows 4 more bytes for an 802.1Q tag in the first beat */
    if (fill == 0)
        nf->vlan = k >= ETH_VLAN_TPID_OFF + 2 && in->nrx.data[ETH_VLAN_TPID_OFF] == 0x81 &&
                   in->nrx.data[ETH_VLAN_TPID_OFF + 1] == 0x00;
    if (k > room) {
        nf->trunc = true;
        k = room;
    }
    memcpy(e->bufs->rx[f] + fill, in->nrx.data, k);
    fill += k;
    nf->len = (uint16_t)fill;
    if (!in->nrx.last) return;
    if (!model_rxf_accept(e->pre, dst, fill)) {
        /* filtered: the buffer is free again at once, the frame is counted and never waits */
        e->next->rxf.dropped++;
        nf->trunc = false;
        nf->stale = false; /* nothing left in the buffer to be stale */
        nf->len = 0;
        return;
    }
    nf->full = true;
}

/* The engine is done with the head frame (delivered, dropped or abandoned): its buffer is free and
 * the frame behind it, if any, is the head. */
void model_rx_free(struct vdpu_edge *e)
{
    unsigned h = e->pre->eng.rx_head;
    memset(&e->next->eng.rxs[h], 0, sizeof e->next->eng.rxs[h]);
    e->next->eng.rx_head = (uint8_t)(h ^ 1u);
}

bool model_ntx_free(const struct vdpu_edge *e, const vdpu_in_t *in)
{
    return !e->pre->eng.ntx_valid || in->ntx_ready;
}

void model_ntx_load(struct vdpu_edge *e, const vdpu_ntx_t *beat)
{
    e->next->eng.ntx = *beat;
    e->next->eng.ntx_valid = true;
}
