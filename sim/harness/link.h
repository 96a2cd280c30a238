/* link.h - the host link's requester side: DMA read/write timing (round trip, tags, RCB, bandwidth,
 * TLP overhead), completions from host memory, the host memory guard and DMA accounting. */
#ifndef VDPU_LINK_H
#define VDPU_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "host_mem.h"
#include "vdpu_regmap.h"

struct link_params {
    unsigned rtt;            /* cycles from a read request to its first completion beat (default 200) */
    unsigned tags;           /* reads outstanding at most (default LINK_MAX_READS) */
    unsigned mrrs;           /* max read request size, bytes (default 512) */
    unsigned mps;            /* max payload size of a write, bytes (default 256) */
    unsigned rcb;            /* read completion boundary, bytes (default 64) */
    unsigned bytes_per_cycle; /* data path width each way (default 32) */
    unsigned tlp_overhead;   /* link bytes of header/framing per TLP (default 24) */
    bool reorder;            /* completions of different reads out of request order: the newest due
                              * read first, one whole read at a time (PCIe allows it between tags;
                              * default off: request order) */
};
void link_params_default(struct link_params *p);

#define LINK_QUEUES 17    /* queue index 0..15, and 16 for "not a queue" (MSI-X vectors, firmware) */
#define LINK_LAT_BUCKETS 32
#define LINK_LAT_STEP 16  /* latency histogram bucket width in cycles */

struct dma_count {
    uint64_t requests, bytes, tlps, link_bytes;
};

struct link_stats {
    struct dma_count by[LINK_QUEUES][VDPU_PURP_COUNT];
    struct dma_count total[VDPU_PURP_COUNT];
    uint64_t up_link_bytes, down_link_bytes; /* each direction, TLP overhead included */
    uint64_t up_link_cycles, down_link_cycles; /* each direction's busy cycles (a TLP takes whole ones) */
    uint64_t lat_hist[LINK_LAT_BUCKETS];     /* read latency: request accepted -> last beat delivered */
    uint64_t lat_sum, lat_n, lat_max;
    unsigned rd_peak;                        /* reads outstanding at most (engine and firmware channel) */
};

#define LINK_MAX_READS (VDPU_ENG_MAX_READS + 1) /* the engine's reads and the firmware channel's: 128 */
#define LINK_DLOG_PAGES 65536 /* pages of a dirty log the link follows page by page */
#define LINK_MAX_GRANTS 512

/*
 * PCIe fault injection (docs/queue-engine.md "PCIe faults"): scheduled and seeded. A fault names the
 * Nth DMA read the link accepts in the run (engine and firmware channel alike, counted from 1) and
 * what happens to its completions.
 */
enum link_fault_kind {
    LINK_FAULT_NONE,
    LINK_FAULT_CA,      /* one completion, Completer Abort, no data, ending the read */
    LINK_FAULT_UR,      /* one completion, Unsupported Request, no data, ending the read */
    LINK_FAULT_POISON,  /* the first beat poisoned (EP), its data corrupted; the rest as usual */
    LINK_FAULT_TIMEOUT, /* no completion at all: the read is lost */
    LINK_FAULT_DROP,    /* every beat but the last: the read never completes */
    LINK_FAULT_DUP,     /* complete, then its last beat delivered once more, the cycle after */
    /* the kinds above are the ones `random` and net-random draw (LINK_FAULT_DRAWN); the ones below are
     * named only, so that a seed pinned as a regression keeps drawing the fault it was pinned with */
    LINK_FAULT_DRAWN,
    LINK_FAULT_POISON_LAST = LINK_FAULT_DRAWN, /* the last beat poisoned (EP), its data corrupted: a
                                                * multi-beat read whose earlier beats were good */
    LINK_FAULT_LATE,    /* complete and good, LINK_FAULT_LATE_CYCLES after its round trip; the reads issued
                         * after it pass it. Not an error (no DEVICE_NEEDS_RESET is owed, the run goes on):
                         * recorded in `late`, not `fired` */
    LINK_FAULT_KINDS
};
#define LINK_MAX_FAULTS 16
/* LINK_FAULT_LATE: 200 us at 250 MHz, within the default 1 ms completion timeout (CPL_TIMEOUT) */
#define LINK_FAULT_LATE_CYCLES 50000u
#define LINK_FAULT_RANDOM_MAX_NTH 64 /* `random`: the read is drawn from 1..64 */
struct link_fault {
    uint8_t kind;  /* enum link_fault_kind */
    uint64_t nth;  /* the read it hits, from 1 */
};
struct link_faults {
    bool set;      /* given (--pcie-fault): net-random then uses it instead of the seed's own choice */
    bool random;   /* one fault drawn from the seed when the session opens (link_fault_draw) */
    unsigned n;
    struct link_fault f[LINK_MAX_FAULTS];
};
/* A fault that hit a read: the read and when the link accepted it. */
struct link_fault_event {
    uint8_t kind, tag, purpose;
    uint16_t queue;
    uint64_t nth, addr, cycle;
    unsigned len;
};
const char *link_fault_name(unsigned kind);
/* "none", "random" or KIND@N[,KIND@N...] (KIND: ca ur poison timeout drop dup; N >= 1, each read once)
 * into f (set). 0, or -1 with a reason in err. */
int link_faults_parse(const char *s, struct link_faults *f, char *err, size_t errlen);
/* KIND@N,... of f (or "none") */
void link_faults_format(const struct link_faults *f, char *buf, size_t len);
/* One fault from the seed: a kind (uniform) and a read in 1..max_nth, from its own generator. */
void link_fault_draw(uint64_t seed, uint64_t max_nth, struct link_fault *f);

typedef struct link {
    struct link_params p;
    host_mem_t *mem;
    struct link_stats st;
    unsigned up_busy; /* cycles the upstream direction is still busy (TLP overhead) */
    /* a DMA write being assembled from its beats */
    bool wr_active;
    vdpu_dmareq_t wr_hdr;
    uint8_t wr_buf[4096];
    unsigned wr_beats;
    /* outstanding reads, in request order */
    struct link_read {
        uint8_t tag, purpose;
        uint16_t queue;
        uint64_t addr, issued, due;
        unsigned len, sent; /* bytes delivered so far */
        uint8_t fault;      /* enum link_fault_kind of this read */
    } rd[LINK_MAX_READS];
    unsigned nrd;
    /* downstream: the beat presented now, and overhead cycles before the next completion TLP */
    bool cpl_valid;
    vdpu_dmacpl_t cpl;
    unsigned down_gap;
    unsigned tlp_left; /* bytes left in the completion TLP being sent */
    unsigned cur;      /* the read whose completions are being sent (reorder: chosen when it starts) */
    bool cur_active;   /* ... one is partly sent */
    /* PCIe faults: the schedule, reads accepted so far, the faults that hit one */
    struct link_faults faults;
    uint64_t reads;
    struct link_fault_event fired[LINK_MAX_FAULTS];
    unsigned nfired;
    struct link_fault_event late[LINK_MAX_FAULTS]; /* the reads LINK_FAULT_LATE held back */
    unsigned nlate;
    bool dup_pending;  /* LINK_FAULT_DUP: the copy of a last beat waits to be presented */
    bool cpl_is_dup;   /* ... the beat presented now is that copy (it belongs to no read) */
    vdpu_dmacpl_t dup;
    /* host memory guard: areas the driver granted for device writes */
    struct { uint64_t base, len; } grant[LINK_MAX_GRANTS];
    unsigned ngrant;
    bool guard;        /* check device writes against the grants (off until the driver grants) */
    /* dirty page log oracle (link_dlog_watch): while on, each logged write (every DMA write but
     * MSI-X and the marks) owes the marks of its pages in the tracked range, and they must be the
     * next writes - the device's contract (docs/migration.md "Dirty page log") */
    struct link_dlog {
        bool on;
        uint64_t base, range;
        unsigned shift;
        uint32_t pages;
        uint32_t owed[2];
        unsigned nowed;
        uint64_t writes, marks; /* logged writes and marks seen while on */
        uint8_t seen[LINK_DLOG_PAGES / 8]; /* pages written since the last link_dlog_harvest (the first
                                            * LINK_DLOG_PAGES of the range) */
    } dlog;
    char error[200];   /* first violation: bad request, guard hit; the run fails */
} link_t;

void link_init(link_t *l, host_mem_t *mem, const struct link_params *p);
/* check every DMA write from now on against the dirty page log the device was set to keep (its
 * LOG_* CSRs: bytemap at base, range, 2^shift-byte pages, pages entries); a write not followed by
 * its marks, or a mark no write owed, fails the run */
void link_dlog_watch(link_t *l, uint64_t base, uint64_t range, unsigned shift, uint32_t pages);
/* A pre-copy round's harvest, as a hypervisor makes it while the device runs: every page written since
 * the last harvest must be marked in the bytemap (else the run fails); the marked bytes are counted,
 * cleared in host memory and forgotten. Returns the round's dirty pages. */
uint32_t link_dlog_harvest(link_t *l);
/* The driver allows device writes to [base, base+len) (rings, receive buffers). Enables the guard. */
bool link_grant(link_t *l, uint64_t base, uint64_t len);
/* The faults to inject from now on (a random one must have been drawn: link_fault_draw). */
void link_set_faults(link_t *l, const struct link_faults *f);
/* Forget every grant (the host's memory map changed); the guard stays on. */
void link_grant_reset(link_t *l);
/* This cycle's inputs to the device. */
bool link_dmareq_ready(const link_t *l);
bool link_dmacpl(const link_t *l, vdpu_dmacpl_t *beat);
/* Handshakes seen this cycle, then the clock. `cycle` is the cycle of the handshakes. */
void link_accept_req(link_t *l, const vdpu_dmareq_t *r, uint64_t cycle);
void link_cpl_taken(link_t *l, uint64_t cycle);
void link_tick(link_t *l, uint64_t cycle);
/* out = now - before: the counters of a phase of a run. */
void link_stats_since(const struct link_stats *now, const struct link_stats *before, struct link_stats *out);
/* Idle skipping: `now` when the link has something to do at this cycle (a write being assembled,
 * overhead counting down, a completion being sent), else the cycle the next outstanding read is due
 * (UINT64_MAX: none). */
uint64_t link_next_event(const link_t *l, uint64_t now);
/* Nothing in flight (no read outstanding, no write half assembled). */
bool link_idle(const link_t *l);

#endif
