/* fuzz_dev.c - structure-aware libFuzzer target on the device (the C model; the RTL checked against
 * it with -DFUZZ_COSIM). The input is a program: each op is one byte (what) and its operands (how),
 * decoded into host config/BAR accesses, firmware CSR writes, ring contents and descriptor chains in
 * host memory, doorbells, frames on the wire and cycles of time. The device must survive all of it:
 *   - no crash, no sanitizer report (the build's -fsanitize=address,undefined)
 *   - no hang: every host read completes within FUZZ_WAIT cycles (the device's held reads end by
 *     HOLD_TIMEOUT, kept short here), and the run stays within a cycle budget
 *   - no DMA write outside granted memory (the link's host memory guard: the ring zone, the buffer
 *     window and the MSI window; the first 16 KiB of RAM and the RAM past the window are never granted)
 *   - no protocol violation the link or the network port sees, no engine failure (cosim: no mismatch)
 * Any of these stops the bus; the target then prints why and aborts, which libFuzzer records as a
 * crash with the input that led there. What the input cannot do: move BAR0, move the buffer window,
 * aim MSI-X messages outside the MSI window, start the firmware DMA channel, or put a ring outside
 * the ring zone - a real driver or firmware doing so would own the memory it hits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "host_link.h"
#include "session.h"
#include "vdpu_regmap.h"

/* host memory: | forbidden 16K | rings 64K | buffer window 64K | forbidden 16K | */
#define RAM_SIZE (160u << 10)
#define FORBID_LO 0x0u
#define RING_BASE 0x4000u
#define RING_SPAN (48u << 10)  /* ring addresses land in [RING_BASE, RING_BASE + RING_SPAN) */
#define RING_ZONE (64u << 10)  /* ... and a ring of up to 16 KiB after them stays in the zone */
#define WIN_BASE (RING_BASE + RING_ZONE)
#define WIN_SIZE (64u << 10)
#define MAX_QSIZE 1024u        /* a packed ring of 1024 descriptors is 16 KiB */
#define FUZZ_HOLD_TIMEOUT 500u
#define FUZZ_MAX_RTT 2000u     /* the link's round trip, drawn per input and changed by ops: 1..2000 */
/* CPL_TIMEOUT below this is no completion timeout but a race with the completion: twice the longest
 * round trip plus a 512-byte read's beats */
#define FUZZ_MIN_CPL_TIMEOUT (2u * FUZZ_MAX_RTT + 64u)
/* a host read not completed by then: the device hangs (64 queued requests held HOLD_TIMEOUT each
 * complete well before) */
#define FUZZ_WAIT 120000u
#define FUZZ_MAX_OPS 400u
#define FUZZ_MAX_CYCLES 400000u
#define MAX_OUT 32u            /* host reads outstanding */

struct in {
    const uint8_t *p;
    size_t n, at;
};

static uint8_t u8(struct in *in) { return in->at < in->n ? in->p[in->at++] : 0; }
static uint16_t u16(struct in *in) { return (uint16_t)(u8(in) | u8(in) << 8); }
static uint32_t u32(struct in *in) { return (uint32_t)u16(in) | (uint32_t)u16(in) << 16; }
static uint64_t u64(struct in *in) { return (uint64_t)u32(in) | (uint64_t)u32(in) << 32; }

struct fq { /* the harness's view of one queue it set up */
    uint64_t desc, drv, dev;
    unsigned size;
    uint16_t avail_idx, next;
    bool wrap;
};

struct fz {
    vdpu_session_t s;
    vdpu_bus_t *b;
    uint64_t bar;
    bool packed;
    unsigned qsel;
    struct fq q[VDPU_NUM_QUEUES];
    int out[MAX_OUT];
    unsigned nout;
    uint64_t ops, reads, writes, frames, kicks;
};

static void finding(struct fz *f, const char *what)
{
    fprintf(stderr, "fuzz_dev: FINDING after %llu ops at cycle %llu: %s\n", (unsigned long long)f->ops,
            (unsigned long long)f->b->dev->cycle, what);
    abort();
}

static void check(struct fz *f)
{
    if (f->b->stopped) finding(f, f->b->stop_reason);
}

static void run(struct fz *f, uint64_t n)
{
    vdpu_bus_run_cycles(f->b, n);
    check(f);
}

/* ---- host requests: queued, reads waited for in order ---------------------------------------- */

static void wait_oldest(struct fz *f)
{
    int tag = f->out[0];
    uint64_t end = f->b->dev->cycle + FUZZ_WAIT;
    while (!f->b->tags[tag].done) {
        check(f);
        if (f->b->dev->cycle >= end) {
            char why[160];
            snprintf(why, sizeof why, "hang: host request tag %d not completed within %u cycles", tag, FUZZ_WAIT);
            finding(f, why);
        }
        vdpu_bus_advance(f->b, end);
    }
    f->b->tags[tag].done = false;
    memmove(f->out, f->out + 1, sizeof f->out[0] * --f->nout);
}

static void submit(struct fz *f, uint8_t type, unsigned size, uint64_t addr, uint64_t data)
{
    if (f->nout == MAX_OUT) wait_oldest(f);
    for (unsigned i = 0; f->b->hq_n == BUS_HQ_DEPTH; i++) {
        if (i > FUZZ_WAIT) finding(f, "hang: the device takes no host request");
        vdpu_bus_step(f->b);
        check(f);
    }
    int tag = host_link_submit(f->b, type, size, addr, data);
    if (tag < 0) finding(f, "harness: no free tag");
    if (type != VDPU_HL_MEM_WR) f->out[f->nout++] = tag;
    if (type == VDPU_HL_MEM_WR || type == VDPU_HL_CFG_WR) f->writes++;
    else f->reads++;
}

static void drain(struct fz *f)
{
    while (f->nout) wait_oldest(f);
}

static void bar_wr(struct fz *f, uint32_t off, unsigned size, uint64_t v) { submit(f, VDPU_HL_MEM_WR, size, f->bar + off, v); }

/* ---- the firmware's protocol around what takes rings away from the engine ------------------------
 * A device reset (DEV_RESET) and a queue disable or reset (Q_ENABLE=0) clear ring addresses; the
 * firmware quiesces the data path first and waits until no DMA is outstanding (fw/events.c), as
 * docs/control-plane.md requires. The harness's pass-through firmware role does not, so the
 * harness does it around every such action: quiesce, act, let the event service commit, resume. */

static void csr_rd(struct fz *f, uint16_t off, uint32_t *v)
{
    if (!fw_csr_read(f->b, &f->s.fw, off, v)) check(f);
}

/* The engine quiesces at a buffer boundary, and a buffer may be a chain of up to MAX_QSIZE descriptors,
 * each a dependent read (docs/queue-engine.md: an RX chain is read to its end even after the frame is
 * complete, and a longer one is QERR_LOOP): a driver's looping chain at a long round trip legally keeps
 * the data path busy for MAX_QSIZE round trips (fuzz/regress/dev/quiesce_behind_a_looping_rx_chain:
 * 96 reads of one descriptor at rtt 1,250). The wait covers that worst case twice over. */
static uint64_t quiesce_budget(const struct fz *f)
{
    return FUZZ_WAIT + 2ull * (MAX_QSIZE + 1) * (f->b->link.p.rtt + 64);
}

static void quiesce(struct fz *f)
{
    while (!fwrole_push(&f->s.fw, true, VDPU_CSR_DP_CTRL, 1)) run(f, 1);
    uint64_t end = f->b->dev->cycle + quiesce_budget(f);
    for (uint32_t st = 0; !(st & 1);) {
        csr_rd(f, VDPU_CSR_DP_STATUS, &st);
        if (f->b->dev->cycle > end) finding(f, "hang: the data path does not quiesce (DP_STATUS[0] stays 0)");
    }
}

/* every host request taken and every event it pushed committed by the event service */
static void events_settled(struct fz *f)
{
    drain(f);
    uint64_t end = f->b->dev->cycle + FUZZ_WAIT;
    for (uint32_t n = 1; n || f->b->hq_n;) {
        run(f, 1);
        csr_rd(f, VDPU_CSR_EV_COUNT, &n);
        n &= 0xff; /* [8] is the sticky overflow flag */
        if (f->b->dev->cycle > end) finding(f, "hang: the event FIFO does not empty");
    }
    while (!fwrole_idle(&f->s.fw)) run(f, 1);
}

static void settle_and_resume(struct fz *f)
{
    events_settled(f);
    while (!fwrole_push(&f->s.fw, true, VDPU_CSR_DP_CTRL, 0)) run(f, 1);
}

/* byte b of a write [off, off + size) of v, or -1 when it does not cover b */
static int byte_of(uint32_t off, unsigned size, uint64_t v, uint32_t b)
{
    return b >= off && b < off + size ? (int)(v >> 8 * (b - off) & 0xff) : -1;
}

/* ---- what the input may not do, made legal ------------------------------------------------- */

/* Queue q has all three ring addresses set. The pass-through role commits every queue enable; the real
 * firmware refuses one whose rings are not set (fw/policy.c Q_DESC_ZERO and friends), and a queue
 * enabled on rings at 0 makes the device write where nothing was granted
 * (fuzz/regress/dev/fw_enables_queue_without_rings). Read with no event in flight, FW_QSEL kept. */
static bool rings_set(struct fz *f, unsigned q)
{
    static const uint16_t lo[3] = {VDPU_CSR_Q_DESC_LO, VDPU_CSR_Q_AVAIL_LO, VDPU_CSR_Q_USED_LO};
    uint32_t qsel = 0, a = 0, hi = 0;
    bool set = true;
    events_settled(f);
    csr_rd(f, VDPU_CSR_FW_QSEL, &qsel);
    if (!fw_csr_write(f->b, &f->s.fw, VDPU_CSR_FW_QSEL, q)) check(f);
    for (unsigned i = 0; i < 3; i++) {
        csr_rd(f, lo[i], &a);
        csr_rd(f, (uint16_t)(lo[i] + 4), &hi);
        set = set && (a || hi);
    }
    if (!fw_csr_write(f->b, &f->s.fw, VDPU_CSR_FW_QSEL, qsel)) check(f);
    return set;
}

static uint64_t ring_addr(uint64_t v) { return RING_BASE + (v % RING_SPAN & ~(uint64_t)1); }

/* a BAR write: ring addresses into the ring zone, queue sizes bounded, MSI-X entries aimed at the MSI
 * window with message data the host counts */
static void bar_write_legal(struct fz *f, uint32_t off, unsigned size, uint64_t v)
{
    if (off < VDPU_COMMON_Q_DESCLO + 24 && off + size > VDPU_COMMON_Q_DESCLO) {
        uint32_t reg = (off < VDPU_COMMON_Q_DESCLO ? VDPU_COMMON_Q_DESCLO : off) & ~3u;
        bool hi = (reg - VDPU_COMMON_Q_DESCLO) & 4;
        uint64_t a = ring_addr(v);
        bar_wr(f, reg, 4, hi ? 0 : a);
        struct fq *q = &f->q[f->qsel % VDPU_NUM_QUEUES];
        if (!hi) *(reg == VDPU_COMMON_Q_DESCLO ? &q->desc : reg == VDPU_COMMON_Q_AVAILLO ? &q->drv : &q->dev) = a;
        return;
    }
    if (off < VDPU_COMMON_Q_SIZE + 2 && off + size > VDPU_COMMON_Q_SIZE) {
        bar_wr(f, VDPU_COMMON_Q_SIZE, 2, v % (MAX_QSIZE + 1));
        return;
    }
    if (off <= VDPU_COMMON_Q_SELECT && off + size > VDPU_COMMON_Q_SELECT) f->qsel = (unsigned)(v >> 8 * (VDPU_COMMON_Q_SELECT - off)) & 0xffff;
    if (off >= VDPU_BAR_MSIX_TBL_OFF && off < VDPU_BAR_MSIX_TBL_OFF + VDPU_BAR_MSIX_TBL_LEN) {
        uint32_t e = (off - VDPU_BAR_MSIX_TBL_OFF) & ~15u, w = (off & 15u) / 4;
        if (w == 0) bar_wr(f, VDPU_BAR_MSIX_TBL_OFF + e, 4, VDPU_MSI_BASE + (v & 0xffc));
        else if (w == 1) bar_wr(f, VDPU_BAR_MSIX_TBL_OFF + e + 4, 4, 0);
        else if (w == 2) bar_wr(f, VDPU_BAR_MSIX_TBL_OFF + e + 8, 4, v % 2048);
        else bar_wr(f, VDPU_BAR_MSIX_TBL_OFF + e + 12, 4, v & 1);
        return;
    }
    int st = byte_of(off, size, v, VDPU_COMMON_STATUS), en = byte_of(off, size, v, VDPU_COMMON_Q_ENABLE),
        rs = byte_of(off, size, v, VDPU_COMMON_Q_RESET);
    if (en >= 0 && (en & 1) && !rings_set(f, f->qsel)) return;
    bool takes = st == 0 || (en >= 0 && !(en & 1)) || (rs >= 0 && (rs & 1));
    if (takes) quiesce(f);
    if (st == 0) while (!fwrole_push(&f->s.fw, true, VDPU_CSR_ENG_CTRL, 0)) run(f, 1); /* as device_reset() */
    bar_wr(f, off, size, v);
    if (takes) settle_and_resume(f);
}

static void cfg_write_legal(struct fz *f, uint16_t off, unsigned size, uint32_t v)
{
    if (off < 0x18 && off + size > 0x10) return;             /* BAR0 stays where the harness put it */
    if (off >= 0x98 && off < 0x9c) {                         /* cfg window offset: past common cfg, never the MSI-X table */
        v = 0x1000 + v % 0x3000;
        off = 0x98, size = 4;
    } else if (off >= 0x9c && off < 0xa0) {
        v = 1u << (v & 3) & 7;
        off = 0x9c, size = 4;
        if (!v) v = 4;
    }
    if (off <= VDPU_CFG_COMMAND && off + size > VDPU_CFG_COMMAND) v |= 0x6u << 8 * (VDPU_CFG_COMMAND - off); /* decode, mastering on */
    submit(f, VDPU_HL_CFG_WR, size, off, v);
}

static void csr_write_legal(struct fz *f, uint16_t off, uint32_t v)
{
    off &= 0x3fc;
    if (off >= VDPU_CSR_HOSTMEM_BASE_LO && off <= VDPU_CSR_HOSTMEM_SIZE_HI) return; /* the window is the harness's */
    if (off >= VDPU_CSR_FWDMA_ADDR_LO && off <= VDPU_CSR_FWDMA_CTRL) return;         /* no firmware DMA */
    if (off == VDPU_CSR_EV_CTRL) return; /* the event FIFO is the event service's: a pop between its reads of the
                                          * head made it commit a bogus event (a device reset, unquiesced) */
    if (off == VDPU_CSR_HOLD_TIMEOUT) v %= FUZZ_HOLD_TIMEOUT + 1;
    if (off == VDPU_CSR_IRQ_ENABLE) v |= 1; /* the event service stays on: it commits what the protocol waits for */
    if (off == VDPU_CSR_Q_SIZE) v %= MAX_QSIZE + 1;
    /* a completion timeout shorter than the round trip times out reads that are only late, and the
     * engine then reuses their tags while the completions are still coming: a firmware error the
     * register's description rules out (fuzz/regress/dev/cpl_timeout_below_round_trip); 0 (none) stays */
    if (off == VDPU_CSR_CPL_TIMEOUT && v && v < FUZZ_MIN_CPL_TIMEOUT) v = FUZZ_MIN_CPL_TIMEOUT + v;
    /* the dirty page log's marks land in the granted window: bytemap in its lower half, at most half
     * a window of pages (a bytemap elsewhere is the hypervisor's to grant, and this program grants none) */
    if (off == VDPU_CSR_LOG_BASE_LO) v = WIN_BASE + v % (WIN_SIZE / 2);
    if (off == VDPU_CSR_LOG_BASE_HI) v = 0;
    if (off == VDPU_CSR_LOG_PAGES) v %= WIN_SIZE / 2 + 1;
    if (off == VDPU_CSR_Q_DESC_HI || off == VDPU_CSR_Q_AVAIL_HI || off == VDPU_CSR_Q_USED_HI) v = 0;
    if (off == VDPU_CSR_Q_DESC_LO || off == VDPU_CSR_Q_AVAIL_LO || off == VDPU_CSR_Q_USED_LO) v = (uint32_t)ring_addr(v);
    if (off == VDPU_CSR_Q_ENABLE && (v & 0xffff)) {
        uint32_t q = 0;
        events_settled(f); /* no commit moves FW_QSEL between this read and the write */
        csr_rd(f, VDPU_CSR_FW_QSEL, &q);
        if (!rings_set(f, q)) return;
    }
    bool takes = (off == VDPU_CSR_DEV_RESET && (v & 1)) || (off == VDPU_CSR_Q_ENABLE && !(v & 1));
    /* A reset the firmware makes on its own acts between events, as fw/events.c's does (docs/firmware.md,
     * "Device reset"): one made while the host's queue set-up was still in flight erased the ring
     * addresses and then committed that set-up's queue_enable - a queue on rings at 0, which no device
     * can refuse (fuzz/regress/dev/fw_reset_races_queue_setup). */
    if (off == VDPU_CSR_DEV_RESET && (v & 1)) events_settled(f);
    if (takes) quiesce(f);
    if (off == VDPU_CSR_DEV_RESET && (v & 1)) while (!fwrole_push(&f->s.fw, true, VDPU_CSR_ENG_CTRL, 0)) run(f, 1);
    while (!fwrole_push(&f->s.fw, true, off, v)) run(f, 1);
    if (takes) settle_and_resume(f);
}

/* ---- ring contents --------------------------------------------------------------------------- */

static void mem_w(struct fz *f, uint64_t a, const void *p, size_t n)
{
    if (a < RAM_SIZE && n <= RAM_SIZE - a) host_mem_write(&f->s.mem, a, p, n);
}

static void w16(struct fz *f, uint64_t a, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    mem_w(f, a, b, 2);
}

/* a buffer address: mostly inside the window, sometimes anywhere */
static uint64_t buf_addr(struct in *in)
{
    uint8_t sel = u8(in);
    uint32_t off = u32(in);
    switch (sel & 7) {
    case 0: return FORBID_LO + off % RING_BASE;                 /* RAM never granted */
    case 1: return RING_BASE + off % RING_ZONE;                 /* the rings themselves */
    case 2: return u64(in);                                     /* anything */
    case 3: return WIN_BASE + WIN_SIZE - (off & 0xff);          /* straddling the window's end */
    default: return WIN_BASE + off % WIN_SIZE;
    }
}

static void put_desc(struct fz *f, struct fq *q, uint16_t slot, uint64_t addr, uint32_t len, uint16_t flags, uint16_t nx)
{
    uint8_t d[16];
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    if (f->packed) { /* {addr, len, id, flags} */
        memcpy(d + 12, &nx, 2);
        memcpy(d + 14, &flags, 2);
    } else {         /* {addr, len, flags, next} */
        memcpy(d + 12, &flags, 2);
        memcpy(d + 14, &nx, 2);
    }
    mem_w(f, q->desc + 16ull * (slot % (q->size ? q->size : 1)), d, 16);
}

/* a chain of n descriptors made available: split (table entries + avail ring + idx) or packed (slots
 * with the avail/used bits of the driver's wrap counter, the head's flags written last) */
static void op_chain(struct fz *f, struct in *in)
{
    struct fq *q = &f->q[u8(in) % VDPU_NUM_QUEUES];
    if (!q->size) return;
    unsigned n = 1 + u8(in) % 8;
    uint16_t head = f->packed ? q->next : (uint16_t)(u16(in) % q->size);
    uint16_t slot = head, head_flags = 0;
    bool wrap = q->wrap;
    for (unsigned i = 0; i < n; i++) {
        uint64_t a = buf_addr(in);
        uint32_t len = u8(in) & 0x80 ? u32(in) : u16(in) % 2048;
        uint16_t fl = u16(in);
        uint16_t flags = (uint16_t)(fl & 0x7);                           /* NEXT, WRITE, INDIRECT */
        if (fl & 0x100) flags = fl;                                      /* rarely, raw */
        else if (i + 1 < n) flags |= 1;
        else flags &= (uint16_t)~1u;
        uint16_t nx = f->packed ? (uint16_t)u16(in) : (uint16_t)((slot + 1 + (fl >> 12)) % q->size);
        if (f->packed) {
            flags = (uint16_t)((flags & ~0x8080u) | (wrap ? 0x80 : 0x8000));
            if (fl & 0x200) flags ^= 0x8080;                             /* a wrong wrap */
            if (i == 0) {
                head_flags = flags;
                put_desc(f, q, slot, a, len, 0, nx);
            } else {
                put_desc(f, q, slot, a, len, flags, nx);
            }
            if (++slot == q->size) slot = 0, wrap = !wrap;
        } else {
            put_desc(f, q, slot, a, len, flags, nx);
            slot = nx;
        }
    }
    if (f->packed) {
        w16(f, q->desc + 16ull * head + 14, head_flags);
        q->next = slot;
        q->wrap = wrap;
        return;
    }
    w16(f, q->drv + 4 + 2ull * (q->avail_idx % q->size), head);
    q->avail_idx = (uint16_t)(q->avail_idx + 1 + (u8(in) == 0xff ? u16(in) : 0)); /* rarely, an idx jump */
    w16(f, q->drv + 2, q->avail_idx);
}

/* an indirect table in the window: n entries */
static void op_indirect(struct fz *f, struct in *in)
{
    uint64_t at = WIN_BASE + (u32(in) % WIN_SIZE & ~15u);
    unsigned n = 1 + u8(in) % 16;
    for (unsigned i = 0; i < n; i++) {
        uint8_t d[16];
        uint64_t a = buf_addr(in);
        uint32_t len = u16(in) % 4096;
        uint16_t flags = u16(in) & 0x7, nx = (uint16_t)(u8(in) % n);
        memcpy(d, &a, 8);
        memcpy(d + 8, &len, 4);
        memcpy(d + 12, &flags, 2);
        memcpy(d + 14, &nx, 2);
        mem_w(f, at + 16u * i, d, 16);
    }
}

/* the usual bring-up of queue q: select, size, rings in the ring zone, vector, enable */
static void op_setup_queue(struct fz *f, struct in *in)
{
    unsigned qi = u8(in) % VDPU_NUM_QUEUES;
    struct fq *q = &f->q[qi];
    memset(q, 0, sizeof *q);
    q->size = 1u << (u8(in) % 11);
    if (q->size > 256) q->size = 256;
    uint64_t base = RING_BASE + (uint64_t)qi * (RING_SPAN / VDPU_NUM_QUEUES) + (u8(in) & 0xf0);
    q->desc = base;
    q->drv = base + 16ull * q->size;
    q->dev = (q->drv + 6 + 2ull * q->size + 3) & ~3ull;
    q->wrap = true;
    static const uint8_t zero[16 * 256 + 4096];
    mem_w(f, base, zero, sizeof zero);
    f->qsel = qi;
    bar_wr(f, VDPU_COMMON_Q_SELECT, 2, qi);
    bar_wr(f, VDPU_COMMON_Q_SIZE, 2, q->size);
    bar_wr(f, VDPU_COMMON_Q_DESCLO, 4, q->desc);
    bar_wr(f, VDPU_COMMON_Q_DESCHI, 4, 0);
    bar_wr(f, VDPU_COMMON_Q_AVAILLO, 4, q->drv);
    bar_wr(f, VDPU_COMMON_Q_AVAILHI, 4, 0);
    bar_wr(f, VDPU_COMMON_Q_USEDLO, 4, q->dev);
    bar_wr(f, VDPU_COMMON_Q_USEDHI, 4, 0);
    bar_wr(f, VDPU_COMMON_Q_MSIX, 2, u8(in) % (VDPU_NUM_VECTORS + 1));
    bar_wr(f, VDPU_COMMON_Q_ENABLE, 2, 1);
}

static void op_engine(struct fz *f, struct in *in)
{
    uint8_t ctrl = u8(in);
    f->packed = ctrl >> VDPU_ENGCTRL_PACKED & 1;
    csr_write_legal(f, VDPU_CSR_ENG_PARAM, u16(in));
    csr_write_legal(f, VDPU_CSR_ENG_COAL, u8(in) & 1 ? (uint32_t)u8(in) | (uint32_t)(u16(in) % 4096) << 8 : 0);
    csr_write_legal(f, VDPU_CSR_ENG_CTRL, ctrl | 1u << VDPU_ENGCTRL_ENABLE);
}

static void op_frame(struct fz *f, struct in *in)
{
    static uint8_t fr[NET_MAX_FRAME];
    unsigned len = u8(in) & 0x80 ? u16(in) % (NET_MAX_FRAME + 1) : 14 + u8(in) * 6u;
    uint8_t fill = u8(in);
    for (unsigned i = 0; i < len; i++) fr[i] = (uint8_t)(fill + i);
    if (len >= 6) { /* mostly for the device (its MAC, broadcast), else what the input says */
        static const uint8_t mac[6] = {0x52, 0x3e, 0x16, 0x00, 0x01, 0x00}, bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        uint8_t k = u8(in);
        memcpy(fr, k & 1 ? bc : k & 2 ? fr : mac, 6);
    }
    for (unsigned i = 0, n = u8(in) % 16; i < n && len; i++) fr[u16(in) % len] = u8(in);
    if (len) netport_inject(&f->b->net, fr, len);
    f->frames++;
}

static void op(struct fz *f, struct in *in)
{
    uint8_t what = u8(in);
    if (f->b->trace) fprintf(f->b->trace, "[fuzz] op %llu: %u at input byte %zu, cycle %llu\n", (unsigned long long)f->ops,
                             what % 20, in->at - 1, (unsigned long long)f->b->dev->cycle);
    switch (what % 20) {
    case 0: { /* config read */
        uint16_t off = u16(in) % 0x1000;
        submit(f, VDPU_HL_CFG_RD, 1u << (u8(in) % 4) & 0xf, off, 0);
        break;
    }
    case 1: { /* config write */
        uint16_t off = u16(in) % 0x100;
        unsigned size = 1u << (u8(in) % 3);
        cfg_write_legal(f, off, size, u32(in));
        break;
    }
    case 2: case 3: { /* BAR read: common cfg, ISR (read to clear), device cfg, MSI-X, VQSTATE, past the BAR */
        uint32_t off = u16(in) % (VDPU_BAR0_SIZE + 0x100);
        submit(f, VDPU_HL_MEM_RD, 1u << (u8(in) % 4), f->bar + off, 0);
        break;
    }
    case 4: case 5: { /* BAR write */
        uint32_t off = u16(in) % (VDPU_BAR0_SIZE + 0x100);
        unsigned size = 1u << (u8(in) % 4);
        bar_write_legal(f, off, size, u64(in));
        break;
    }
    case 6: bar_write_legal(f, VDPU_COMMON_STATUS, 1, u8(in)); break; /* device_status: bring-up, reset (0), anything */
    case 7: { /* doorbell: queue index, 2 or 4 bytes with notification data */
        unsigned q = u8(in) % (VDPU_NUM_QUEUES + 1);
        uint32_t data = u8(in) & 1 ? (uint32_t)u16(in) << 16 | q : q;
        bar_wr(f, VDPU_BAR_NOTIFY_OFF + q * VDPU_NOTIFY_MULT, data > 0xffff ? 4 : 2, data);
        f->kicks++;
        break;
    }
    case 8: case 9: op_chain(f, in); break;
    case 10: op_setup_queue(f, in); break;
    case 11: op_engine(f, in); break;
    case 12: op_frame(f, in); break;
    case 13: csr_write_legal(f, u16(in), u32(in)); break;
    case 14: run(f, u16(in) % 4096); break;
    case 15: op_indirect(f, in); break;
    case 16: { /* raw bytes anywhere in RAM (the driver scribbling on its own memory) */
        uint8_t buf[64];
        uint32_t a = u32(in) % RAM_SIZE;
        unsigned n = 1 + u8(in) % sizeof buf;
        for (unsigned i = 0; i < n; i++) buf[i] = u8(in);
        mem_w(f, a, buf, n);
        break;
    }
    case 17: f->b->link_up = !f->b->link_up; break;
    case 18: f->b->dp_err = !f->b->dp_err; break; /* an internal error, held until toggled off */
    case 19: { /* the host's side of the link: backpressure, round trip, completion order */
        uint8_t k = u8(in);
        f->b->stall_pct = k % 4 == 0 ? (k >> 2) % 50 : 0;
        f->b->stall_rng.s = 1 + k;
        f->b->link.p.rtt = 1 + u16(in) % FUZZ_MAX_RTT;
        break;
    }
    }
    f->ops++;
    check(f);
}

static uint8_t *ram_map(void *ctx, uint64_t off, size_t len)
{
    return off <= RAM_SIZE && len <= RAM_SIZE - off ? (uint8_t *)ctx + off : NULL;
}

static void setup(struct fz *f, uint8_t flags, enum vdpu_engine engine)
{
    struct vdpu_opts o;
    vdpu_opts_default(&o);
    o.engine = engine;
    o.fw_auto = true;
    o.ram_size = 0; /* the RAM below: one buffer for every input, cleared (no page faults per input) */
    o.window_size = WIN_SIZE;
    o.window_base = WIN_BASE;
    o.rerun = "(fuzz_dev)";
    if (vdpu_session_open(&f->s, &o)) finding(f, "harness: cannot open a session");
    static uint8_t ram[RAM_SIZE];
    memset(ram, 0, sizeof ram);
    struct host_mem_backing bk = {ram, ram_map, NULL};
    if (!host_mem_add_region(&f->s.mem, "ram", 0, RAM_SIZE, bk)) finding(f, "harness: cannot add the RAM");
    f->b = &f->s.bus;
    static int trace = -1;
    if (trace < 0) trace = getenv("FUZZ_DEV_TRACE") != NULL;
    if (trace) f->b->trace = stderr; /* every port transaction and every op: to read a finding */
    f->b->skip_idle = !(flags & 1); /* idle skipping on, as in every run (the flag: evaluate every cycle) */
    f->b->link.p.reorder = flags & 4; /* completions of different reads out of order */
    f->bar = VDPU_MMIO_BASE;
    /* what the harness owns: BAR0, memory decode and bus mastering, the buffer window, a short
     * held-read timeout, MSI-X entries aimed at the MSI window; then the guard */
    submit(f, VDPU_HL_CFG_WR, 4, VDPU_CFG_BAR0_LO, (uint32_t)f->bar);
    submit(f, VDPU_HL_CFG_WR, 4, VDPU_CFG_BAR0_HI, (uint32_t)(f->bar >> 32));
    submit(f, VDPU_HL_CFG_WR, 2, VDPU_CFG_COMMAND, 0x6);
    if (flags & 2) submit(f, VDPU_HL_CFG_WR, 2, VDPU_CFG_MSIX_CTRL, 0x8000);
    drain(f);
    static const uint16_t csr[] = {VDPU_CSR_HOLD_TIMEOUT,   VDPU_CSR_HOSTMEM_BASE_LO, VDPU_CSR_HOSTMEM_BASE_HI,
                                   VDPU_CSR_HOSTMEM_SIZE_LO, VDPU_CSR_HOSTMEM_SIZE_HI, VDPU_CSR_LOG_BASE_LO};
    const uint32_t val[] = {FUZZ_HOLD_TIMEOUT, WIN_BASE, 0, WIN_SIZE, 0, WIN_BASE}; /* a dirty log bytemap in the window */
    for (unsigned i = 0; i < sizeof csr / sizeof csr[0]; i++) fwrole_push(&f->s.fw, true, csr[i], val[i]);
    for (unsigned v = 0; v < VDPU_NUM_VECTORS; v++) {
        bar_wr(f, VDPU_BAR_MSIX_TBL_OFF + 16 * v, 4, VDPU_MSI_BASE);
        bar_wr(f, VDPU_BAR_MSIX_TBL_OFF + 16 * v + 4, 4, 0);
        bar_wr(f, VDPU_BAR_MSIX_TBL_OFF + 16 * v + 8, 4, 0x40 + v);
        bar_wr(f, VDPU_BAR_MSIX_TBL_OFF + 16 * v + 12, 4, 0);
    }
    link_grant(&f->b->link, RING_BASE, RING_ZONE);
    link_grant(&f->b->link, WIN_BASE, WIN_SIZE);
    run(f, 200);
}

static int fuzz_dev_run(const uint8_t *data, size_t size, enum vdpu_engine engine)
{
    static struct fz f;
    memset(&f, 0, sizeof f);
    struct in in = {data, size, 0};
    setup(&f, u8(&in), engine);
    while (in.at < in.n && f.ops < FUZZ_MAX_OPS && f.b->dev->cycle < FUZZ_MAX_CYCLES) {
        op(&f, &in);
        run(&f, u8(&in) % 64);
    }
    drain(&f);
    run(&f, 5000); /* what the last ops started: DMA, frames, interrupts, held accesses */
    if (!vdpu_session_finish(&f.s)) finding(&f, f.b->stopped ? f.b->stop_reason : "the engine's end-of-run check failed");
    static int verbose = -1;
    if (verbose < 0) verbose = getenv("FUZZ_DEV_VERBOSE") != NULL;
    if (verbose) { /* what an input reached: to check seeds and read a corpus */
        uint64_t dma = 0;
        for (unsigned p = 0; p < VDPU_PURP_COUNT; p++) dma += f.b->link.st.total[p].requests;
        fprintf(stderr, "fuzz_dev: %llu ops, %llu cycles, %llu host reads, %llu writes, %llu kicks, %llu frames in "
                "(%llu taken), %llu out, %llu DMA requests, %llu MSI-X, %llu transactions\n", (unsigned long long)f.ops,
                (unsigned long long)f.b->dev->cycle, (unsigned long long)f.reads, (unsigned long long)f.writes,
                (unsigned long long)f.kicks, (unsigned long long)f.frames, (unsigned long long)f.b->net.rx_frames,
                (unsigned long long)f.b->net.tx_frames, (unsigned long long)dma, (unsigned long long)f.s.mem.msi_total,
                (unsigned long long)f.b->ntxn);
        uint32_t qerr = 0, info = 0, eng = 0, ctrl = 0;
        fw_csr_read(f.b, &f.s.fw, VDPU_CSR_QERR, &qerr);
        fw_csr_read(f.b, &f.s.fw, VDPU_CSR_ERR_INFO, &info);
        fw_csr_read(f.b, &f.s.fw, VDPU_CSR_ENG_STATUS, &eng);
        fw_csr_read(f.b, &f.s.fw, VDPU_CSR_ENG_CTRL, &ctrl);
        fprintf(stderr, "fuzz_dev: QERR 0x%x ERR_INFO 0x%x ENG_STATUS 0x%x ENG_CTRL 0x%x\n", qerr, info, eng, ctrl);
    }
    vdpu_session_close(&f.s);
    return 0;
}

int fuzz_dev_one(const uint8_t *data, size_t size) { return fuzz_dev_run(data, size, VDPU_ENGINE_MODEL); }
int fuzz_dev_cosim_one(const uint8_t *data, size_t size) { return fuzz_dev_run(data, size, VDPU_ENGINE_COSIM); }

#ifdef LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#ifdef FUZZ_COSIM
    return fuzz_dev_cosim_one(data, size);
#else
    return fuzz_dev_one(data, size);
#endif
}
#endif
