/* hand_queue.c - one queue of a real driver whose buffers a test makes available by hand (see hand_queue.h). */
#include <stdlib.h>
#include <string.h>

#include "hand_queue.h"
#include "virtio_spec.h"

#define PACKED_AVAIL (1u << 7)
#define PACKED_USED (1u << 15)

void h_open_params(struct hctx *h, struct tctx *t, const struct drv_params *p, enum net_workload w)
{
    h->t = t;
    h->d = calloc(1, sizeof *h->d);
    h->n = calloc(1, sizeof *h->n);
    cr_assert(h->d && h->n);
    t_drv_up(t, h->d, p);
    struct net_params np = {w, 1, 64, 11, 100000};
    cr_assert_eq(virtio_net_open(h->n, h->d, &np), 0, "%s", h->n->error); /* rings zeroed, nothing posted */
    h->q = w == NET_RX ? &h->n->rx : &h->n->tx;
    h->wire0 = t->b->net.tx_frames;
}

void h_close(struct hctx *h)
{
    virtio_net_close(h->n);
    free(h->n);
    free(h->d);
}

uint64_t hbuf(const struct hctx *h, unsigned i) { return h->q->bufs + (uint64_t)i * NET_REGION; }

void h_post(struct hctx *h, uint16_t i, uint32_t len)
{
    struct net_vq *q = h->q;
    uint16_t wr = q->rx ? VRING_DESC_F_WRITE : 0;
    if (!q->packed) {
        uint64_t d = q->desc + 16ull * i;
        hm_w64(h->t, d, hbuf(h, i));
        hm_w32(h->t, d + 8, len);
        hm_w16(h->t, d + 12, wr);
        hm_w16(h->t, d + 14, 0);
        hm_w16(h->t, q->driver + 4 + 2ull * (q->avail_idx % q->size), i);
        q->avail_idx++;
        hm_w16(h->t, q->driver + 2, q->avail_idx);
        return;
    }
    uint64_t d = q->desc + 16ull * q->next_avail;
    hm_w64(h->t, d, hbuf(h, i));
    hm_w32(h->t, d + 8, len);
    hm_w16(h->t, d + 12, i);
    hm_w16(h->t, d + 14, (uint16_t)(wr | (q->avail_wrap ? PACKED_AVAIL : PACKED_USED)));
    if (++q->next_avail == q->size) {
        q->next_avail = 0;
        q->avail_wrap = !q->avail_wrap;
    }
}

void h_rx_up(struct hctx *h, struct tctx *t, enum drv_ring ring, uint16_t qsize, unsigned posted, uint32_t len)
{
    struct drv_params p;
    drv_params_default(&p);
    p.ring = ring;
    p.qsize = qsize;
    h_open_params(h, t, &p, NET_RX);
    for (uint16_t i = 0; i < posted; i++) h_post(h, i, len);
}

void h_used_at(const struct hctx *h, unsigned k, uint32_t *id, uint32_t *len)
{
    if (h->q->packed) {
        uint64_t d = h->q->desc + 16ull * k;
        *id = hm_r16(h->t, d + 12);
        *len = hm_r32(h->t, d + 8);
        return;
    }
    *id = hm_r32(h->t, h->q->device + 4 + 8ull * k);
    *len = hm_r32(h->t, h->q->device + 8 + 8ull * k);
}

void h_note_write(const struct hctx *h, const vdpu_txn_t *x, uint32_t buf_len, unsigned n, uint64_t *first,
                  uint64_t *last, bool *seen)
{
    if (x->chan != VDPU_CH_DMAREQ || x->u.dmareq.purpose != VDPU_PURP_PAYLOAD_WR) return;
    for (unsigned k = 0; k < n; k++) {
        uint64_t b = hbuf(h, k);
        if (x->u.dmareq.addr < b || x->u.dmareq.addr >= b + buf_len) continue;
        if (!seen[k]) first[k] = x->cycle;
        seen[k] = true;
        last[k] = x->cycle;
    }
}

void h_frame(const struct hctx *h, uint8_t *f, unsigned len, unsigned k)
{
    memcpy(f, h->d->mac, 6);
    for (unsigned i = 6; i < len; i++) f[i] = (uint8_t)(i * 13 + 5 + 29 * k);
}

void h_inject(struct hctx *h, unsigned n, unsigned len)
{
    uint8_t *f = malloc(len);
    cr_assert(f);
    for (unsigned k = 0; k < n; k++) {
        h_frame(h, f, len, k);
        cr_assert(netport_inject(&h->t->b->net, f, len));
    }
    free(f);
}

void h_reset_reopen(struct hctx *h, const struct drv_params *p)
{
    netport_flush_pending(&h->t->b->net);
    enum net_workload w = h->q == &h->n->rx ? NET_RX : NET_TX;
    virtio_net_close(h->n);
    cr_assert_eq(virtio_drv_reset(h->d), DRV_OK, "device reset");
    cr_assert_eq(virtio_drv_init(h->d, &h->t->s, p), DRV_OK, "re-init: %s", h->d->refusal);
    memset(h->n, 0, sizeof *h->n);
    struct net_params np = {w, 1, 64, 11, 100000};
    cr_assert_eq(virtio_net_open(h->n, h->d, &np), 0, "%s", h->n->error);
    h->q = w == NET_RX ? &h->n->rx : &h->n->tx;
    h->wire0 = h->t->b->net.tx_frames;
}
