/* link.c - DMA timing and accounting of the simplified PCIe transaction layer (see docs/link-model.md),
 * and the PCIe faults it injects (docs/queue-engine.md "PCIe faults"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "rng.h"

/* ---- fault schedules ---------------------------------------------------------------------------- */

static const char *const fault_names[LINK_FAULT_KINDS] = {"none", "ca",   "ur",  "poison",
                                                          "timeout", "drop", "dup", "poison-last", "late"};

const char *link_fault_name(unsigned kind) { return kind < LINK_FAULT_KINDS ? fault_names[kind] : "?"; }

int link_faults_parse(const char *s, struct link_faults *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    f->set = true;
    if (!strcmp(s, "none")) return 0;
    if (!strcmp(s, "random")) {
        f->random = true;
        return 0;
    }
    for (const char *p = s;;) {
        const char *at = strchr(p, '@'), *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        if (!at || at > end) {
            snprintf(err, errlen, "'%.*s' is not KIND@N", (int)(end - p), p);
            return -1;
        }
        unsigned k = 1;
        while (k < LINK_FAULT_KINDS && (strlen(fault_names[k]) != (size_t)(at - p) || strncmp(p, fault_names[k], (size_t)(at - p))))
            k++;
        if (k == LINK_FAULT_KINDS) {
            snprintf(err, errlen, "unknown fault '%.*s' (ca, ur, poison, timeout, drop, dup, poison-last, late)", (int)(at - p), p);
            return -1;
        }
        /* N: decimal, 1..2^63, nothing else */
        uint64_t n = 0;
        const char *q = at + 1;
        if (q == end) {
            snprintf(err, errlen, "'%.*s': no read number after @", (int)(end - p), p);
            return -1;
        }
        for (; q < end; q++) {
            if (*q < '0' || *q > '9' || n > (UINT64_MAX >> 1) / 10) {
                snprintf(err, errlen, "'%.*s': the read number must be a decimal 1..2^63", (int)(end - p), p);
                return -1;
            }
            n = n * 10 + (uint64_t)(*q - '0');
        }
        if (n == 0) {
            snprintf(err, errlen, "'%.*s': reads count from 1", (int)(end - p), p);
            return -1;
        }
        for (unsigned i = 0; i < f->n; i++)
            if (f->f[i].nth == n) {
                snprintf(err, errlen, "read %llu has two faults", (unsigned long long)n);
                return -1;
            }
        if (f->n == LINK_MAX_FAULTS) {
            snprintf(err, errlen, "at most %u faults", LINK_MAX_FAULTS);
            return -1;
        }
        f->f[f->n].kind = (uint8_t)k;
        f->f[f->n].nth = n;
        f->n++;
        if (!*end) return 0;
        p = end + 1;
        if (!*p) {
            snprintf(err, errlen, "trailing comma");
            return -1;
        }
    }
}

void link_faults_format(const struct link_faults *f, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    if (f->random && !f->n) snprintf(buf, len, "random");
    else if (!f->n) snprintf(buf, len, "none");
    for (unsigned i = 0; i < f->n && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%s@%llu", i ? "," : "", fault_names[f->f[i].kind],
                               (unsigned long long)f->f[i].nth);
}

void link_fault_draw(uint64_t seed, uint64_t max_nth, struct link_fault *f)
{
    rng_t r = {seed ^ 0x7063696661756c74ull}; /* "pcifault": its own stream, no other choice moves */
    f->kind = (uint8_t)(1 + rng_below(&r, LINK_FAULT_DRAWN - 1));
    f->nth = 1 + rng_next(&r) % (max_nth ? max_nth : 1);
}

void link_set_faults(link_t *l, const struct link_faults *f) { l->faults = *f; }

void link_params_default(struct link_params *p)
{
    p->rtt = 200;
    p->tags = LINK_MAX_READS;
    p->mrrs = 512;
    p->mps = 256;
    p->rcb = 64;
    p->bytes_per_cycle = 32;
    p->tlp_overhead = 24;
    p->reorder = false;
}

void link_init(link_t *l, host_mem_t *mem, const struct link_params *p)
{
    memset(l, 0, sizeof *l);
    l->mem = mem;
    l->p = *p;
}

bool link_grant(link_t *l, uint64_t base, uint64_t len)
{
    if (l->ngrant == LINK_MAX_GRANTS) return false;
    l->grant[l->ngrant].base = base;
    l->grant[l->ngrant].len = len;
    l->ngrant++;
    l->guard = true;
    return true;
}

void link_grant_reset(link_t *l) { l->ngrant = 0; }

static bool granted(const link_t *l, uint64_t a, uint64_t n)
{
    for (unsigned i = 0; i < l->ngrant; i++)
        if (a >= l->grant[i].base && a + n <= l->grant[i].base + l->grant[i].len) return true;
    return false;
}

static void fail(link_t *l, const char *msg, uint64_t a, unsigned n)
{
    if (!l->error[0]) snprintf(l->error, sizeof l->error, "%s (%u bytes at 0x%llx)", msg, n, (unsigned long long)a);
}

static unsigned cycles_for(const link_t *l, unsigned bytes)
{
    return (bytes + l->p.bytes_per_cycle - 1) / l->p.bytes_per_cycle;
}

static void count(link_t *l, uint16_t queue, uint8_t purpose, unsigned bytes, unsigned tlps, uint64_t link_bytes)
{
    unsigned q = queue < LINK_QUEUES - 1 ? queue : LINK_QUEUES - 1;
    if (purpose >= VDPU_PURP_COUNT) return;
    if (purpose == VDPU_PURP_MSIX || purpose == VDPU_PURP_FW || purpose == VDPU_PURP_DIRTY_LOG)
        q = LINK_QUEUES - 1; /* not a queue's: the queue field is a vector, or 0 */
    struct dma_count *c[2] = {&l->st.by[q][purpose], &l->st.total[purpose]};
    for (int i = 0; i < 2; i++) {
        c[i]->requests++;
        c[i]->bytes += bytes;
        c[i]->tlps += tlps;
        c[i]->link_bytes += link_bytes;
    }
}

/* An upstream TLP of `data` bytes ended at this cycle, having taken `taken` cycles of beats: its header
 * and framing cost link time too - the TLP holds the direction for ceil((data + overhead) / 32) cycles
 * in all, and dmareq_ready is low for the rest (link_tick ends this cycle first, hence the + 1). */
static void up_tlp_end(link_t *l, unsigned data, unsigned taken)
{
    unsigned total = cycles_for(l, data + l->p.tlp_overhead);
    l->up_busy = (total > taken ? total - taken : 0) + 1;
    l->st.up_link_cycles += total;
}

bool link_dmareq_ready(const link_t *l) { return l->up_busy == 0 && l->nrd < l->p.tags && !l->error[0]; }

bool link_dmacpl(const link_t *l, vdpu_dmacpl_t *beat)
{
    if (!l->cpl_valid) return false;
    *beat = l->cpl;
    return true;
}

void link_dlog_watch(link_t *l, uint64_t base, uint64_t range, unsigned shift, uint32_t pages)
{
    memset(&l->dlog, 0, sizeof l->dlog);
    l->dlog = (struct link_dlog){.on = true, .base = base, .range = range, .shift = shift, .pages = pages};
}

static bool dlog_page(const struct link_dlog *d, uint64_t a, uint32_t *idx)
{
    if (a < d->range || (a - d->range) >> d->shift >= d->pages) return false;
    *idx = (uint32_t)((a - d->range) >> d->shift);
    return true;
}

uint32_t link_dlog_harvest(link_t *l)
{
    struct link_dlog *d = &l->dlog;
    uint32_t dirty = 0;
    for (uint32_t i = 0; i < d->pages && !l->error[0]; i++) {
        uint8_t b = 0;
        if (!host_mem_read(l->mem, d->base + i, &b, 1)) {
            fail(l, "dirty page log: bytemap outside host memory", d->base + i, 1);
            break;
        }
        bool seen = i < LINK_DLOG_PAGES && (d->seen[i / 8] >> i % 8 & 1);
        for (unsigned k = 0; k < d->nowed; k++) seen = seen && d->owed[k] != i; /* its mark is on the way */
        if (seen && b != 1) fail(l, "dirty page log: a page written since the last harvest is not marked", d->range + ((uint64_t)i << d->shift), 1);
        if (b) {
            dirty++;
            uint8_t z = 0;
            host_mem_write(l->mem, d->base + i, &z, 1);
        }
    }
    memset(d->seen, 0, sizeof d->seen);
    for (unsigned k = 0; k < d->nowed; k++) /* written, mark still to come: the next round's */
        if (d->owed[k] < LINK_DLOG_PAGES) d->seen[d->owed[k] / 8] |= (uint8_t)(1u << d->owed[k] % 8);
    return dirty;
}

/* the dirty page log oracle, at each finished write (after the guard) */
static void dlog_check(link_t *l, const vdpu_dmareq_t *h, unsigned len, bool msi)
{
    struct link_dlog *d = &l->dlog;
    if (h->purpose == VDPU_PURP_DIRTY_LOG) {
        if (!d->nowed) {
            fail(l, "dirty page log: a mark no write owed", h->addr, len);
            return;
        }
        if (len != 1 || l->wr_buf[0] != 1 || h->addr != d->base + d->owed[0]) {
            fail(l, "dirty page log: a mark for another page than the write's", h->addr, len);
            return;
        }
        d->owed[0] = d->owed[1];
        d->nowed--;
        d->marks++;
        return;
    }
    if (msi || h->purpose == VDPU_PURP_MSIX) return;
    if (d->nowed) {
        fail(l, "dirty page log: a write before the marks the previous write owed", h->addr, len);
        return;
    }
    d->writes++;
    uint32_t i, j; /* a write (at most mps bytes, a page is 4 KiB or more) touches at most two pages */
    if (dlog_page(d, h->addr, &i)) d->owed[d->nowed++] = i;
    if (dlog_page(d, h->addr + len - 1, &j) && !(d->nowed && j == d->owed[0])) d->owed[d->nowed++] = j;
    for (unsigned k = 0; k < d->nowed; k++)
        if (d->owed[k] < LINK_DLOG_PAGES) d->seen[d->owed[k] / 8] |= (uint8_t)(1u << d->owed[k] % 8);
}

static void finish_write(link_t *l)
{
    const vdpu_dmareq_t *h = &l->wr_hdr;
    unsigned len = h->len;
    l->wr_active = false;
    if (len > l->p.mps || len == 0) {
        fail(l, "DMA write longer than the max payload size or empty", h->addr, len);
        return;
    }
    size_t got = (size_t)l->wr_beats * 32u;
    if (got < len) memset(l->wr_buf + got, 0, len - got); /* a write shorter than its length: zeros */
    bool msi = host_mem_is_msi(l->mem, h->addr);
    if (!msi && l->guard && !granted(l, h->addr, len)) {
        fail(l, "host memory guard: device DMA write outside the rings and buffers the driver granted", h->addr, len);
        return;
    }
    if (!host_mem_dma_write(l->mem, h->addr, l->wr_buf, len)) fail(l, "device DMA write hits no host memory", h->addr, len);
    if (l->dlog.on) dlog_check(l, h, len, msi);
    uint64_t lb = (uint64_t)len + l->p.tlp_overhead;
    l->st.up_link_bytes += lb;
    count(l, h->queue, h->purpose, len, 1, lb);
}

void link_accept_req(link_t *l, const vdpu_dmareq_t *r, uint64_t cycle)
{
    if (r->type == VDPU_DMA_WR) {
        if (!l->wr_active) {
            l->wr_active = true;
            l->wr_hdr = *r;
            l->wr_beats = 0; /* the bytes no beat brings read 0 (finish_write): no 4 KiB clear per write */
        }
        if ((l->wr_beats + 1) * 32u <= sizeof l->wr_buf) memcpy(l->wr_buf + 32 * l->wr_beats, r->data, 32);
        l->wr_beats++;
        if (r->last) {
            finish_write(l);
            up_tlp_end(l, l->wr_hdr.len, l->wr_beats);
        }
        return;
    }
    /* a read request: a header-only TLP upstream; completions come back after the round trip */
    if (r->len == 0 || r->len > l->p.mrrs) {
        fail(l, "DMA read of 0 bytes or longer than the max read request size", r->addr, r->len);
        return;
    }
    for (unsigned i = 0; i < l->nrd; i++)
        if (l->rd[i].tag == r->tag) {
            fail(l, "DMA read reuses a tag still outstanding", r->addr, r->len);
            return;
        }
    /* a scheduled fault for this read: recorded, and a lost read never enters the table */
    uint8_t fk = LINK_FAULT_NONE;
    l->reads++;
    for (unsigned i = 0; i < l->faults.n && !fk; i++)
        if (l->faults.f[i].nth == l->reads) fk = l->faults.f[i].kind;
    struct link_fault_event ev = {.kind = fk, .tag = r->tag, .purpose = r->purpose, .queue = r->queue,
                                  .nth = l->reads, .addr = r->addr, .cycle = cycle, .len = r->len};
    if (fk == LINK_FAULT_LATE && l->nlate < LINK_MAX_FAULTS) l->late[l->nlate++] = ev;
    else if (fk && fk != LINK_FAULT_LATE && l->nfired < LINK_MAX_FAULTS) l->fired[l->nfired++] = ev;
    if (fk == LINK_FAULT_TIMEOUT) {
        l->st.up_link_bytes += l->p.tlp_overhead;
        up_tlp_end(l, 0, 1); /* a header-only TLP */
        count(l, r->queue, r->purpose, r->len, 1, l->p.tlp_overhead);
        return;
    }
    struct link_read *rd = &l->rd[l->nrd++];
    if (l->nrd > l->st.rd_peak) l->st.rd_peak = l->nrd;
    rd->fault = fk;
    rd->tag = r->tag;
    rd->purpose = r->purpose;
    rd->queue = r->queue;
    rd->addr = r->addr;
    rd->len = r->len;
    rd->sent = 0;
    rd->issued = cycle;
    rd->due = cycle + l->p.rtt + (fk == LINK_FAULT_LATE ? LINK_FAULT_LATE_CYCLES : 0);
    l->st.up_link_bytes += l->p.tlp_overhead;
    up_tlp_end(l, 0, 1); /* a header-only TLP */
    /* completion TLPs: split at read completion boundaries */
    uint64_t end = r->addr + r->len;
    unsigned ncpl = 0;
    for (uint64_t a = r->addr; a < end; ncpl++) {
        uint64_t next = (a / l->p.rcb + 1) * l->p.rcb;
        a = next < end ? next : end;
    }
    uint64_t lb = (uint64_t)r->len + (uint64_t)(1 + ncpl) * l->p.tlp_overhead;
    l->st.down_link_bytes += (uint64_t)r->len + (uint64_t)ncpl * l->p.tlp_overhead;
    count(l, r->queue, r->purpose, r->len, 1 + ncpl, lb);
}

/* The read being sent leaves the table (complete, ended by an error completion, or its last beat lost);
 * the next completion TLP costs its header time first. */
static void end_read(link_t *l, uint64_t cycle, bool delivered)
{
    struct link_read *rd = &l->rd[l->cur];
    if (delivered) {
        uint64_t lat = cycle - rd->issued;
        unsigned b = (unsigned)(lat / LINK_LAT_STEP);
        l->st.lat_hist[b < LINK_LAT_BUCKETS ? b : LINK_LAT_BUCKETS - 1]++;
        l->st.lat_sum += lat;
        l->st.lat_n++;
        if (lat > l->st.lat_max) l->st.lat_max = lat;
    }
    memmove(&l->rd[l->cur], &l->rd[l->cur + 1], sizeof l->rd[0] * (l->nrd - 1 - l->cur));
    l->nrd--;
    l->cur_active = false;
    l->tlp_left = 0;
    l->down_gap = cycles_for(l, l->p.tlp_overhead);
}

/* Present the next beat of the oldest due read (reads complete in request order: every read is due a round
 * trip after its request, but a LINK_FAULT_LATE one later, and the reads after it pass it), or with
 * p.reorder of the newest due one, a whole read at a time. */
static void next_beat(link_t *l, uint64_t cycle)
{
    if (l->cpl_valid) return;
    if (l->dup_pending) { /* LINK_FAULT_DUP: the last beat once more, right after the original */
        l->cpl = l->dup;
        l->cpl_valid = true;
        l->cpl_is_dup = true;
        l->dup_pending = false;
        l->st.down_link_cycles++;
        return;
    }
    if (!l->nrd) return;
    if (!l->cur_active) {
        unsigned k = 0;
        for (unsigned i = 0; i < l->nrd; i++)
            if (cycle >= l->rd[i].due) {
                k = i;
                if (!l->p.reorder) break;
            }
        l->cur = k;
    }
    struct link_read *rd = &l->rd[l->cur];
    if (cycle < rd->due) return;
    l->cur_active = true;
    if (l->tlp_left == 0) {
        /* a new completion TLP: its header costs link time first */
        if (l->down_gap) {
            l->down_gap--;
            l->st.down_link_cycles++; /* the header's cycle */
            return;
        }
        if (rd->fault == LINK_FAULT_CA || rd->fault == LINK_FAULT_UR) {
            /* the completer ends the request with one error completion: no data */
            memset(&l->cpl, 0, sizeof l->cpl);
            l->cpl.tag = rd->tag;
            l->cpl.status = rd->fault == LINK_FAULT_CA ? VDPU_CPL_CA : VDPU_CPL_UR;
            l->cpl.last = true;
            l->cpl_valid = true;
            l->st.down_link_cycles++;
            return;
        }
        uint64_t a = rd->addr + rd->sent, end = rd->addr + rd->len;
        uint64_t next = (a / l->p.rcb + 1) * l->p.rcb;
        l->tlp_left = (unsigned)((next < end ? next : end) - a);
    }
    uint64_t a = rd->addr + rd->sent;
    unsigned n = l->tlp_left < 32 ? l->tlp_left : 32;
    if (rd->fault == LINK_FAULT_DROP && rd->sent + n == rd->len) { /* the last beat is lost */
        end_read(l, cycle, false);
        return;
    }
    memset(&l->cpl, 0, sizeof l->cpl);
    l->cpl.tag = rd->tag;
    l->cpl.len = (uint16_t)n;
    if (!host_mem_read(l->mem, a, l->cpl.data, n)) {
        l->cpl.status = VDPU_CPL_UR; /* no memory there: the device sees an error completion */
        memset(l->cpl.data, 0, sizeof l->cpl.data);
    } else {
        l->cpl.status = VDPU_CPL_SC;
    }
    l->cpl.last = rd->sent + n == rd->len;
    if ((rd->fault == LINK_FAULT_POISON && rd->sent == 0) || (rd->fault == LINK_FAULT_POISON_LAST && l->cpl.last)) {
        /* EP set: the data is not to be used */
        l->cpl.poison = true;
        for (unsigned i = 0; i < n; i++) l->cpl.data[i] ^= 0xFF;
    }
    l->cpl_valid = true;
    l->st.down_link_cycles++;
}

uint64_t link_next_event(const link_t *l, uint64_t now)
{
    /* down_gap is the header time of the next completion TLP: it only counts once a read is due */
    if (l->wr_active || l->up_busy || l->cpl_valid || l->tlp_left || l->cur_active || l->dup_pending) return now;
    /* a read due at D is presented by the tick of cycle D - 1 (next_beat looks one cycle ahead) */
    uint64_t t = UINT64_MAX;
    for (unsigned i = 0; i < l->nrd; i++)
        if (l->rd[i].due - 1 < t) t = l->rd[i].due - 1;
    return t < now ? now : t;
}

void link_cpl_taken(link_t *l, uint64_t cycle)
{
    if (l->cpl_valid && l->cpl_is_dup) { /* the duplicate belongs to no read */
        l->cpl_valid = l->cpl_is_dup = false;
        return;
    }
    if (!l->cpl_valid || !l->nrd) return;
    struct link_read *rd = &l->rd[l->cur];
    l->cpl_valid = false;
    if (rd->fault == LINK_FAULT_CA || rd->fault == LINK_FAULT_UR) { /* the error completion ended it */
        end_read(l, cycle, true);
        return;
    }
    rd->sent += l->cpl.len;
    l->tlp_left -= l->cpl.len;
    if (l->tlp_left == 0) l->down_gap = cycles_for(l, l->p.tlp_overhead);
    if (rd->sent == rd->len) {
        if (rd->fault == LINK_FAULT_DUP) {
            l->dup = l->cpl;
            l->dup_pending = true;
        }
        end_read(l, cycle, true);
    }
}

void link_tick(link_t *l, uint64_t cycle)
{
    if (l->up_busy) l->up_busy--;
    next_beat(l, cycle + 1); /* what the device sees in the next cycle */
}

bool link_idle(const link_t *l) { return !l->nrd && !l->wr_active && !l->cpl_valid && !l->dup_pending; }

static void count_sub(struct dma_count *o, const struct dma_count *a, const struct dma_count *b)
{
    o->requests = a->requests - b->requests;
    o->bytes = a->bytes - b->bytes;
    o->tlps = a->tlps - b->tlps;
    o->link_bytes = a->link_bytes - b->link_bytes;
}

void link_stats_since(const struct link_stats *now, const struct link_stats *before, struct link_stats *out)
{
    for (unsigned q = 0; q < LINK_QUEUES; q++)
        for (unsigned p = 0; p < VDPU_PURP_COUNT; p++) count_sub(&out->by[q][p], &now->by[q][p], &before->by[q][p]);
    for (unsigned p = 0; p < VDPU_PURP_COUNT; p++) count_sub(&out->total[p], &now->total[p], &before->total[p]);
    out->up_link_bytes = now->up_link_bytes - before->up_link_bytes;
    out->down_link_bytes = now->down_link_bytes - before->down_link_bytes;
    out->up_link_cycles = now->up_link_cycles - before->up_link_cycles;
    out->down_link_cycles = now->down_link_cycles - before->down_link_cycles;
    for (unsigned i = 0; i < LINK_LAT_BUCKETS; i++) out->lat_hist[i] = now->lat_hist[i] - before->lat_hist[i];
    out->lat_sum = now->lat_sum - before->lat_sum;
    out->lat_n = now->lat_n - before->lat_n;
    out->lat_max = now->lat_max; /* a maximum cannot be taken apart: the run's */
    out->rd_peak = now->rd_peak;
}
