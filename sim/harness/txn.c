/* txn.c - formatting, comparison, collection and hashing of port transactions. */
#include <stdio.h>
#include <string.h>

#include "txn.h"

const char *const vdpu_chan_names[VDPU_CH_COUNT] = {"hreq", "hcpl", "dmareq", "dmacpl", "fwreq", "fwrsp", "diag", "irq",
                                                          "ntx", "nrx"};

static const char *name_or(const char *const *tab, unsigned n, unsigned v)
{
    return v < n && tab[v] ? tab[v] : "?";
}

static int hex_bytes(char *buf, size_t len, const uint8_t *p, unsigned n)
{
    int w = 0;
    for (unsigned i = 0; i < n && (size_t)w + 3 < len; i++) w += snprintf(buf + w, len - (size_t)w, "%02x", p[i]);
    return w;
}

int vdpu_txn_format(const vdpu_txn_t *t, char *buf, size_t len)
{
    const char *ch = t->chan < VDPU_CH_COUNT ? vdpu_chan_names[t->chan] : "?";
    int w = 0;
    switch (t->chan) {
    case VDPU_CH_HREQ:
        w = snprintf(buf, len, "%s type=%s size=%u tag=%u addr=0x%llx data=0x%llx", ch,
                     name_or(vdpu_hl_names, VDPU_HL_COUNT, t->u.hreq.type), t->u.hreq.size, t->u.hreq.tag,
                     (unsigned long long)t->u.hreq.addr, (unsigned long long)t->u.hreq.data);
        break;
    case VDPU_CH_HCPL:
        w = snprintf(buf, len, "%s tag=%u status=%s size=%u data=0x%llx", ch, t->u.hcpl.tag,
                     name_or(vdpu_cpl_names, VDPU_CPL_COUNT, t->u.hcpl.status), t->u.hcpl.size,
                     (unsigned long long)t->u.hcpl.data);
        break;
    case VDPU_CH_DMAREQ: {
        const vdpu_dmareq_t *d = &t->u.dmareq;
        unsigned n = d->type == VDPU_DMA_WR ? 32 : 0; /* the whole beat: bytes past len must be 0 too */
        w = snprintf(buf, len, "%s type=%s purpose=%s queue=%u tag=%u len=%u addr=0x%llx last=%u data=", ch,
                     d->type == VDPU_DMA_WR ? "WR" : "RD", name_or(vdpu_purp_names, VDPU_PURP_COUNT, d->purpose),
                     d->queue, d->tag, d->len, (unsigned long long)d->addr, d->last);
        if (w > 0 && (size_t)w < len) w += hex_bytes(buf + w, len - (size_t)w, d->data, n);
        break;
    }
    case VDPU_CH_DMACPL: {
        const vdpu_dmacpl_t *c = &t->u.dmacpl;
        w = snprintf(buf, len, "%s tag=%u status=%s len=%u last=%u data=", ch, c->tag,
                     name_or(vdpu_cpl_names, VDPU_CPL_COUNT, c->status), c->len, c->last);
        if (w > 0 && (size_t)w < len) w += hex_bytes(buf + w, len - (size_t)w, c->data, c->len < 32 ? c->len : 32);
        break;
    }
    case VDPU_CH_FWREQ:
        w = snprintf(buf, len, "%s %s addr=0x%03x wdata=0x%08x wstrb=0x%x", ch, t->u.fwreq.we ? "WR" : "RD",
                     t->u.fwreq.addr, t->u.fwreq.we ? t->u.fwreq.wdata : 0, t->u.fwreq.we ? t->u.fwreq.wstrb : 0);
        break;
    case VDPU_CH_FWRSP:
        w = snprintf(buf, len, "%s rdata=0x%08x", ch, t->u.fwrsp.rdata);
        break;
    case VDPU_CH_DIAG:
        w = snprintf(buf, len, "%s code=%s addr=0x%llx", ch, name_or(vdpu_diag_names, VDPU_DIAG_COUNT, t->u.diag.code),
                     (unsigned long long)t->u.diag.addr);
        break;
    case VDPU_CH_NTX:
    case VDPU_CH_NRX: {
        const uint8_t *d = t->chan == VDPU_CH_NTX ? t->u.ntx.data : t->u.nrx.data;
        uint32_t keep = t->chan == VDPU_CH_NTX ? t->u.ntx.keep : t->u.nrx.keep;
        bool last = t->chan == VDPU_CH_NTX ? t->u.ntx.last : t->u.nrx.last;
        w = snprintf(buf, len, "%s keep=0x%08x last=%u data=", ch, keep, last);
        if (w > 0 && (size_t)w < len) w += hex_bytes(buf + w, len - (size_t)w, d, 32);
        break;
    }
    case VDPU_CH_IRQ:
        w = snprintf(buf, len, "%s fw_irq=0x%x intx=%u", ch, t->u.irq.fw_irq, t->u.irq.intx);
        break;
    default:
        w = snprintf(buf, len, "?");
    }
    return w;
}

/* The fields of a transaction as bytes, field by field (no struct padding): what equality and the
 * digest are defined on. Mirrors vdpu_txn_format, which is for people. */
static size_t txn_pack(const vdpu_txn_t *t, uint8_t *b)
{
    size_t n = 0;
#define PUT(v)                                                                                                        \
    do {                                                                                                              \
        uint64_t v_ = (uint64_t)(v);                                                                                  \
        memcpy(b + n, &v_, 8);                                                                                        \
        n += 8;                                                                                                       \
    } while (0)
    b[n++] = t->chan;
    switch (t->chan) {
    case VDPU_CH_HREQ: PUT(t->u.hreq.type); PUT(t->u.hreq.size); PUT(t->u.hreq.tag); PUT(t->u.hreq.addr); PUT(t->u.hreq.data); break;
    case VDPU_CH_HCPL: PUT(t->u.hcpl.tag); PUT(t->u.hcpl.status); PUT(t->u.hcpl.size); PUT(t->u.hcpl.data); break;
    case VDPU_CH_DMAREQ: {
        const vdpu_dmareq_t *d = &t->u.dmareq;
        PUT(d->type); PUT(d->purpose); PUT(d->queue); PUT(d->tag); PUT(d->len); PUT(d->addr); PUT(d->last);
        if (d->type == VDPU_DMA_WR) {
            memcpy(b + n, d->data, 32);
            n += 32;
        }
        break;
    }
    case VDPU_CH_DMACPL: {
        const vdpu_dmacpl_t *c = &t->u.dmacpl;
        PUT(c->tag); PUT(c->status); PUT(c->len); PUT(c->last);
        unsigned k = c->len < 32 ? c->len : 32;
        memcpy(b + n, c->data, k);
        n += k;
        break;
    }
    case VDPU_CH_FWREQ:
        PUT(t->u.fwreq.we); PUT(t->u.fwreq.addr);
        PUT(t->u.fwreq.we ? t->u.fwreq.wdata : 0); PUT(t->u.fwreq.we ? t->u.fwreq.wstrb : 0);
        break;
    case VDPU_CH_FWRSP: PUT(t->u.fwrsp.rdata); break;
    case VDPU_CH_DIAG: PUT(t->u.diag.code); PUT(t->u.diag.addr); break;
    case VDPU_CH_IRQ: PUT(t->u.irq.fw_irq); PUT(t->u.irq.intx); break;
    case VDPU_CH_NTX: PUT(t->u.ntx.keep); PUT(t->u.ntx.last); memcpy(b + n, t->u.ntx.data, 32); n += 32; break;
    case VDPU_CH_NRX: PUT(t->u.nrx.keep); PUT(t->u.nrx.last); memcpy(b + n, t->u.nrx.data, 32); n += 32; break;
    default: break;
    }
#undef PUT
    return n;
}

bool vdpu_txn_equal(const vdpu_txn_t *a, const vdpu_txn_t *b)
{
    uint8_t pa[128], pb[128];
    size_t na = txn_pack(a, pa), nb = txn_pack(b, pb);
    return na == nb && memcmp(pa, pb, na) == 0;
}

int vdpu_txn_collect(const vdpu_in_t *in, const vdpu_out_t *out, uint64_t cycle, uint16_t *irq_prev,
                     vdpu_txn_t *txns)
{
    int n = 0;
#define ADD(ch, field, val)                                                                                           \
    do {                                                                                                              \
        txns[n].cycle = cycle;                                                                                        \
        txns[n].chan = (ch);                                                                                          \
        txns[n].u.field = (val);                                                                                      \
        n++;                                                                                                          \
    } while (0)
    if (in->hreq_valid && out->hreq_ready) ADD(VDPU_CH_HREQ, hreq, in->hreq);
    if (out->hcpl_valid && in->hcpl_ready) ADD(VDPU_CH_HCPL, hcpl, out->hcpl);
    if (out->dmareq_valid && in->dmareq_ready) ADD(VDPU_CH_DMAREQ, dmareq, out->dmareq);
    if (in->dmacpl_valid && out->dmacpl_ready) ADD(VDPU_CH_DMACPL, dmacpl, in->dmacpl);
    if (in->fwreq_valid && out->fwreq_ready) ADD(VDPU_CH_FWREQ, fwreq, in->fwreq);
    if (out->fwrsp_valid) ADD(VDPU_CH_FWRSP, fwrsp, out->fwrsp);
    if (out->diag_valid) ADD(VDPU_CH_DIAG, diag, out->diag);
    if (out->ntx_valid && in->ntx_ready) ADD(VDPU_CH_NTX, ntx, out->ntx);
    if (in->nrx_valid && out->nrx_ready) ADD(VDPU_CH_NRX, nrx, in->nrx);
    uint16_t lv = vdpu_irq_level(out);
    if (lv != *irq_prev) {
        txns[n].cycle = cycle;
        txns[n].chan = VDPU_CH_IRQ;
        txns[n].u.irq.fw_irq = out->fw_irq;
        txns[n].u.irq.intx = out->intx;
        n++;
        *irq_prev = lv;
    }
#undef ADD
    return n;
}

/* FNV-1a's step on 64-bit words instead of bytes (8x fewer multiplies: the digest runs on every
 * transaction), with a fold of the high half so every input bit reaches the low bits; the tail word
 * is zero-padded and the length mixed in, so "ab" and "ab\0" differ. */
uint64_t vdpu_digest_bytes(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 32;
    }
    uint64_t w = n;
    if (i < n) memcpy(&w, b + i, n - i), w ^= (uint64_t)n << 56;
    h = (h ^ w) * 0x100000001b3ull;
    return h ^ (h >> 32);
}

uint64_t vdpu_digest_txn(uint64_t h, const vdpu_txn_t *t)
{
    uint8_t p[128];
    size_t n = txn_pack(t, p);
    h = vdpu_digest_bytes(h, &t->cycle, sizeof t->cycle);
    return vdpu_digest_bytes(h, p, n);
}
