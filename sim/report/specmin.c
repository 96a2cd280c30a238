/* specmin.c - spec-minimum DMA per packet: the terms of docs/split-vs-packed.md ("The spec minimum"), one rule each. */
#include <string.h>

#include "link.h"
#include "specmin.h"

void specmin_cfg_default(struct specmin_cfg *c)
{
    struct link_params lp;
    link_params_default(&lp);
    memset(c, 0, sizeof *c);
    c->prefetch = c->batch = 1;
    c->pkt_size = 64;
    c->window = 256;
    c->hdr_len = 12;
    c->mps = lp.mps;
    c->mrrs = lp.mrrs;
    c->rcb = lp.rcb;
    c->tlp_overhead = lp.tlp_overhead;
    c->bytes_per_cycle = lp.bytes_per_cycle;
}

static unsigned ceil_div(unsigned a, unsigned b) { return (a + b - 1) / b; }

/* What one request costs on the link: its payload bytes, its TLPs (request and completions), the link
 * bytes it moves each way and the cycles it holds each direction. */
struct req_cost {
    double bytes, tlps;
    double up, down;         /* link bytes device -> host / host -> device */
    double up_cyc, down_cyc; /* cycles of each direction */
};

/* `times` requests of cost `r` for `purp` */
static void add(struct specmin *m, const struct specmin_cfg *c, unsigned purp, double times, const struct req_cost *r)
{
    struct specmin_count *k = &m->p[purp];
    k->requests += times;
    k->bytes += times * r->bytes;
    k->tlps += times * r->tlps;
    k->link_bytes += times * (r->bytes + r->tlps * c->tlp_overhead);
    m->up_link_bytes += times * r->up;
    m->down_link_bytes += times * r->down;
    m->up_link_cycles += times * r->up_cyc;
    m->down_link_cycles += times * r->down_cyc;
}

/* `times` reads of `len` bytes each: requests of at most MRRS, each one request TLP plus a completion per
 * RCB-bounded piece (best case: the read starts on an RCB boundary). */
static void rd(struct specmin *m, const struct specmin_cfg *c, unsigned purp, double times, unsigned len)
{
    for (unsigned off = 0; off < len; off += c->mrrs) {
        unsigned chunk = len - off < c->mrrs ? len - off : c->mrrs;
        unsigned cpls = ceil_div(chunk, c->rcb), bpc = c->bytes_per_cycle, rem = chunk % c->rcb;
        /* completions of a whole RCB, and the rest: each its header's cycles, then its data's */
        unsigned cyc = (chunk / c->rcb) * (ceil_div(c->tlp_overhead, bpc) + ceil_div(c->rcb, bpc)) +
                       (rem ? ceil_div(c->tlp_overhead, bpc) + ceil_div(rem, bpc) : 0);
        /* the request goes up alone; the data comes down in the completions */
        const struct req_cost r = {chunk, 1 + cpls, c->tlp_overhead, chunk + (double)cpls * c->tlp_overhead,
                                   ceil_div(c->tlp_overhead, bpc), cyc};
        add(m, c, purp, times, &r);
    }
}

/* `times` writes of `len` bytes each: requests of at most MPS, one TLP each. */
static void wr(struct specmin *m, const struct specmin_cfg *c, unsigned purp, double times, unsigned len)
{
    for (unsigned off = 0; off < len; off += c->mps) {
        unsigned chunk = len - off < c->mps ? len - off : c->mps;
        const struct req_cost r = {chunk, 1, chunk + c->tlp_overhead, 0,
                                   ceil_div(chunk + c->tlp_overhead, c->bytes_per_cycle), 0};
        add(m, c, purp, times, &r);
    }
}

/* One buffer of `frame` bytes through one queue, weighted by `w` (IMIX share). */
static void buffer(struct specmin *m, const struct specmin_cfg *c, bool tx, unsigned frame, double w)
{
    const double P = c->prefetch, B = c->batch, W = c->window;
    const unsigned len = frame + c->hdr_len; /* the buffer: header, then the frame */

    if (!c->packed) {
        if (!c->event_idx) {
            /* idx: one read reveals W entries at most. flags (advisory, not synchronized: a value per
             * window is enough) share its word. NOTIFICATION_DATA would bring idx with every TX doorbell,
             * but the flags still need this read */
            rd(m, c, VDPU_PURP_AVAIL_IDX, w / W, 4);
        } else {
            if (tx && c->notif_data) {
                /* idx arrives with the doorbell; doorbells come only when avail_event asks, so each one
                 * (revealing W entries at most) costs an avail_event write instead of an idx read */
                wr(m, c, VDPU_PURP_EVENT, w / W, 2);
            } else {
                rd(m, c, VDPU_PURP_AVAIL_IDX, w / W, 2);
            }
            /* used_event decides each batch's interrupt (a MUST depends on its current value) */
            rd(m, c, VDPU_PURP_EVENT, w / B, 2);
        }
        if (c->in_order) {
            /* heads follow from the descriptors used so far: no avail ring read; descriptors are
             * consecutive in the table, P per read */
            rd(m, c, VDPU_PURP_DESC, w / P, 16 * c->prefetch);
        } else {
            rd(m, c, VDPU_PURP_AVAIL_RING, w / P, 2 * c->prefetch);
            rd(m, c, VDPU_PURP_DESC, w, 16); /* heads point anywhere in the table */
        }
        /* B elements in one write; IN_ORDER: only the batch's last element */
        wr(m, c, VDPU_PURP_USED, w / B, c->in_order ? 8 : 8 * c->batch);
        wr(m, c, VDPU_PURP_USED_IDX, w / B, 2);
    } else {
        /* availability is in the descriptors themselves: nothing to read but them (in steady state no
         * read lands on a slot not yet available; NOTIFICATION_DATA avoids that read at a service end) */
        rd(m, c, VDPU_PURP_DESC, w / P, 16 * c->prefetch);
        /* driver event suppression: enable/disable is advisory (per window); desc-specific events
         * (EVENT_IDX) are a MUST that needs the current off_wrap at every decision */
        rd(m, c, VDPU_PURP_EVENT, c->event_idx ? w / B : w / W, 4);
        /* one used descriptor per buffer; IN_ORDER: one per batch (the batch's last buffer id) */
        wr(m, c, VDPU_PURP_USED, c->in_order ? w / B : w, 8);
    }
    if (tx) rd(m, c, VDPU_PURP_PAYLOAD_RD, w, len);
    else wr(m, c, VDPU_PURP_PAYLOAD_WR, w, len);
    wr(m, c, VDPU_PURP_MSIX, w / B, 4); /* the driver wants an interrupt per batch */
}

static void direction(struct specmin *m, const struct specmin_cfg *c, bool tx)
{
    if (c->pkt_size) {
        buffer(m, c, tx, c->pkt_size, 1.0);
        return;
    }
    static const unsigned imix[3] = {64, 576, 1500};
    double nominal[3] = {7.0 / 12, 4.0 / 12, 1.0 / 12}, sum = 0;
    const double *w = nominal;
    for (unsigned i = 0; i < 3; i++) sum += c->imix_share[i];
    if (sum > 0) w = c->imix_share;
    for (unsigned i = 0; i < 3; i++) buffer(m, c, tx, imix[i], w[i] / (sum > 0 ? sum : 1));
}

void specmin_compute(const struct specmin_cfg *c, struct specmin *out)
{
    memset(out, 0, sizeof *out);
    if (c->dir != SPECMIN_RX) direction(out, c, true);
    if (c->dir != SPECMIN_TX) direction(out, c, false);
    for (unsigned p = 0; p < VDPU_PURP_COUNT; p++) {
        out->requests += out->p[p].requests;
        out->link_bytes += out->p[p].link_bytes;
    }
}

double specmin_link_bound(const struct specmin *m)
{
    double busier = m->up_link_cycles > m->down_link_cycles ? m->up_link_cycles : m->down_link_cycles;
    return busier > 0 ? 1.0 / busier : 0;
}
