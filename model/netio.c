/* netio.c - the network port: nrx beats fill the RX frame buffer, the ntx output register drains by ntx_ready. */
#include <string.h>

#include "model.h"

#define NET_BEAT_BYTES 32u
#define ETH_VLAN_TPID_OFF 12u /* the ethertype / 802.1Q TPID of a frame */

/* keep marks contiguous low bytes; count up to the first clear bit */
static unsigned keep_bytes(uint32_t keep)
{
    unsigned k = 0;
    while (k < NET_BEAT_BYTES && (keep >> k & 1)) k++;
    return k;
}

/*
 * nrx_ready is !rx_full (a register), so a beat is taken only while no
 * complete frame waits: the engine reads the buffer only while one does, so
 * the two never touch it at the same edge and the in-place write is safe.
 * Bytes past the buffer are counted as truncation, not stored.
 */
void model_netio_edge(struct vdpu_edge *e, const vdpu_in_t *in)
{
    const struct vdpu_eng *g = &e->pre->eng;
    struct vdpu_eng *n = &e->next->eng;

    if (g->ntx_valid && in->ntx_ready) n->ntx_valid = false;
    bool accept = in->nrx_valid && !g->rx_full;
    /* a device reset makes whatever the buffer holds (or starts to hold at this edge) stale */
    if (e->dev_reset && (g->rx_full || g->rx_fill || accept)) n->rx_stale = true;
    if (g->rx_stale && g->rx_full) { /* a stale frame is dropped as soon as it is complete */
        n->rx_full = false;
        n->rx_trunc = false;
        n->rx_len = 0;
        n->rx_fill = 0;
        n->rx_stale = false;
        return;
    }
    if (!accept) return;

    unsigned k = keep_bytes(in->nrx.keep), fill = g->rx_fill;
    unsigned room = VDPU_FRAME_BUF_BYTES - fill;
    uint8_t dst[6];
    /* the filter looks at the first six data bytes of a frame's first beat */
    memcpy(dst, fill == 0 ? in->nrx.data : e->pre->rxf.dst, 6);
    if (fill == 0) memcpy(e->next->rxf.dst, in->nrx.data, 6);
    /* the MTU check (qeng.c, at the pick) allows 4 more bytes for an 802.1Q tag in the first beat */
    if (fill == 0)
        n->rx_vlan = k >= ETH_VLAN_TPID_OFF + 2 && in->nrx.data[ETH_VLAN_TPID_OFF] == 0x81 &&
                     in->nrx.data[ETH_VLAN_TPID_OFF + 1] == 0x00;
    if (k > room) {
        n->rx_trunc = true;
        k = room;
    }
    memcpy(e->bufs->rx + fill, in->nrx.data, k);
    fill += k;
    if (!in->nrx.last) {
        n->rx_fill = (uint16_t)fill;
        return;
    }
    n->rx_fill = 0;
    if (!model_rxf_accept(e->pre, dst, fill)) {
        /* filtered: the buffer is free again at once, the frame is counted and never waits */
        e->next->rxf.dropped++;
        n->rx_trunc = false;
        n->rx_stale = false; /* nothing left in the buffer to be stale */
        return;
    }
    n->rx_full = true;
    n->rx_len = (uint16_t)fill;
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
