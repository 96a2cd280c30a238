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
        w = snprintf(buf, len, "%s tag=%u status=%s%s len=%u last=%u data=", ch, c->tag,
                     name_or(vdpu_cpl_names, VDPU_CPL_COUNT, c->status), c->poison ? " poison=1" : "", c->len, c->last);
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

/* The fields of a transaction as 64-bit words, several small fields to a word, each at its own bit
 * range (no struct padding, injective per channel: the first word holds the channel): what equality
 * and the digest are defined on. Mirrors vdpu_txn_format, which is for people. Returns the words. */
#define TXN_WORDS_MAX 8
static unsigned load_words(uint64_t *w, const uint8_t *p, unsigned n) /* n bytes, the last word zero-padded */
{
    unsigned k = (n + 7) / 8;
    for (unsigned i = 0; i < k; i++) {
        w[i] = 0;
        memcpy(&w[i], p + 8 * i, n - 8 * i < 8 ? n - 8 * i : 8);
    }
    return k;
}

static unsigned txn_words(const vdpu_txn_t *t, uint64_t *w)
{
    uint64_t c = t->chan;
    switch (t->chan) {
    case VDPU_CH_HREQ:
        w[0] = c | (uint64_t)t->u.hreq.type << 8 | (uint64_t)t->u.hreq.size << 16 | (uint64_t)t->u.hreq.tag << 24;
        w[1] = t->u.hreq.addr;
        w[2] = t->u.hreq.data;
        return 3;
    case VDPU_CH_HCPL:
        w[0] = c | (uint64_t)t->u.hcpl.tag << 8 | (uint64_t)t->u.hcpl.status << 16 | (uint64_t)t->u.hcpl.size << 24;
        w[1] = t->u.hcpl.data;
        return 2;
    case VDPU_CH_DMAREQ: {
        const vdpu_dmareq_t *d = &t->u.dmareq;
        w[0] = c | (uint64_t)d->type << 8 | (uint64_t)d->last << 9 | (uint64_t)d->purpose << 16 | (uint64_t)d->tag << 24 |
               (uint64_t)d->queue << 32 | (uint64_t)d->len << 48;
        w[1] = d->addr;
        return 2 + (d->type == VDPU_DMA_WR ? load_words(w + 2, d->data, 32) : 0); /* a write's whole beat */
    }
    case VDPU_CH_DMACPL: {
        const vdpu_dmacpl_t *d = &t->u.dmacpl;
        w[0] = c | (uint64_t)d->tag << 8 | (uint64_t)d->status << 16 | (uint64_t)d->poison << 20 |
               (uint64_t)d->last << 24 | (uint64_t)d->len << 32;
        return 1 + load_words(w + 1, d->data, d->len < 32 ? d->len : 32); /* the bytes it carries */
    }
    case VDPU_CH_FWREQ: /* a read's wdata and strobes are not part of it */
        w[0] = c | (uint64_t)t->u.fwreq.we << 8 | (uint64_t)(t->u.fwreq.we ? t->u.fwreq.wstrb : 0) << 12 |
               (uint64_t)t->u.fwreq.addr << 16 | (uint64_t)(t->u.fwreq.we ? t->u.fwreq.wdata : 0) << 32;
        return 1;
    case VDPU_CH_FWRSP: w[0] = c | (uint64_t)t->u.fwrsp.rdata << 32; return 1;
    case VDPU_CH_DIAG:
        w[0] = c | (uint64_t)t->u.diag.code << 8;
        w[1] = t->u.diag.addr;
        return 2;
    case VDPU_CH_IRQ: w[0] = c | (uint64_t)t->u.irq.fw_irq << 8 | (uint64_t)t->u.irq.intx << 16; return 1;
    case VDPU_CH_NTX:
        w[0] = c | (uint64_t)t->u.ntx.last << 8 | (uint64_t)t->u.ntx.keep << 32;
        return 1 + load_words(w + 1, t->u.ntx.data, 32);
    case VDPU_CH_NRX:
        w[0] = c | (uint64_t)t->u.nrx.last << 8 | (uint64_t)t->u.nrx.keep << 32;
        return 1 + load_words(w + 1, t->u.nrx.data, 32);
    default: w[0] = c; return 1;
    }
}

bool vdpu_txn_equal(const vdpu_txn_t *a, const vdpu_txn_t *b)
{
    uint64_t wa[TXN_WORDS_MAX], wb[TXN_WORDS_MAX];
    unsigned na = txn_words(a, wa), nb = txn_words(b, wb);
    return na == nb && memcmp(wa, wb, na * sizeof wa[0]) == 0;
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
 * transaction), with a fold of the high half so every input bit reaches the low bits. */
static inline uint64_t digest_word(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x100000001b3ull;
    return h ^ (h >> 32);
}

/* the cycle, then the transaction's words (their count is fixed by the first word's channel and fields) */
uint64_t vdpu_digest_txn(uint64_t h, const vdpu_txn_t *t)
{
    uint64_t w[TXN_WORDS_MAX];
    unsigned n = txn_words(t, w);
    h = digest_word(h, t->cycle);
    for (unsigned i = 0; i < n; i++) h = digest_word(h, w[i]);
    return h;
}
