/* fcov.h - functional coverage of the random traffic: a few crosses of scenario axes, bins hit per run. */
#ifndef VDPU_FCOV_H
#define VDPU_FCOV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "netrand.h"

/* The axes (docs/verification.md, "Functional coverage"); each takes a small number of values. */
enum fcov_axis {
    FCOV_RING,      /* split, packed */
    FCOV_WORKLOAD,  /* tx, rx, loopback */
    FCOV_EVIDX,     /* EVENT_IDX negotiated: no, yes */
    FCOV_NDATA,     /* NOTIFICATION_DATA: no, yes */
    FCOV_INORDER,   /* IN_ORDER: no, yes */
    FCOV_TXCHAIN,   /* TX chain shape: one, hdr, random */
    FCOV_RXCHAIN,   /* RX chain shape: one, hdr, random */
    FCOV_INDIRECT,  /* indirect descriptor tables used: no, yes */
    FCOV_WRAP,      /* a ring wrapped during the run (used-ring lap or packed chain across the end): no, yes */
    FCOV_MRG,       /* a frame spanned several receive buffers (MRG_RXBUF): no, yes */
    FCOV_RESET,     /* device resets during traffic: none, one, two */
    FCOV_IRQ,       /* interrupt driven, polled */
    FCOV_COAL,      /* coalescing: off, frame limit, timer only */
    FCOV_READS,     /* payload reads outstanding: one, several, several out of order */
    FCOV_PAIRS,     /* queue pairs with steering: one, two */
    FCOV_FAULT,     /* the PCIe fault a run met (and recovered from by a reset): none, or its kind */
    FCOV_MIGRATE,   /* live migrations during the traffic: none, one, two */
    FCOV_BATCH,     /* prefetch depth P and used batch B: both 1, up to 8, one above 8 (ENG_PARAM_MAX 15) */
    FCOV_AXES
};

#define FCOV_MAX_CROSS_AXES 4
#define FCOV_MAX_BINS 64

struct fcov_cross {
    const char *name;
    unsigned n;                          /* axes */
    enum fcov_axis axis[FCOV_MAX_CROSS_AXES];
};

/* Hits per bin of every cross, and how many runs were added. */
struct fcov_db {
    uint64_t runs;
    uint64_t hits[8][FCOV_MAX_BINS];
};

/* One run's value on every axis. */
struct fcov_sample {
    unsigned v[FCOV_AXES];
};

unsigned fcov_ncross(void);
const struct fcov_cross *fcov_cross(unsigned i);
unsigned fcov_cross_bins(const struct fcov_cross *c);
/* The values of axis a, by index ("split", "packed", ...). */
unsigned fcov_axis_values(enum fcov_axis a);
const char *fcov_axis_name(enum fcov_axis a);
const char *fcov_value_name(enum fcov_axis a, unsigned v);

/* What a configuration decides before the run (result NULL: the outcome axes read "no"). */
void fcov_sample_of(const struct netrand_cfg *c, const struct netrand_result *r, struct fcov_sample *s);
/* Bins of the db this sample would hit for the first time (outcome axes as sampled). */
unsigned fcov_new_bins(const struct fcov_db *db, const struct fcov_sample *s);
/* Count the sample; returns the bins it hit for the first time. */
unsigned fcov_add(struct fcov_db *db, const struct fcov_sample *s);
/* Bins hit / total over every cross. */
void fcov_totals(const struct fcov_db *db, unsigned *hit, unsigned *total);

/* The db as JSON (crosses, axis names, bin labels, hit counts); loading checks the crosses match.
 * 0, or -1 with a one-line reason in err. A missing file loads as empty. */
int fcov_load(struct fcov_db *db, const char *path, char *err, size_t errlen);
int fcov_save(const struct fcov_db *db, const char *path, char *err, size_t errlen);
/* Hit / total per cross, then the unhit bins (at most `max_unhit` per cross); html: a table page. */
void fcov_print(const struct fcov_db *db, FILE *f, unsigned max_unhit);
int fcov_write_html(const struct fcov_db *db, const char *path, char *err, size_t errlen);

/* Steering: of `cands` seeds derived from `seed` (the first is `seed` itself), the one whose
 * configuration hits the most bins the db has not seen (ties: the earlier). The result alone
 * reproduces the run (vdpu run --seed RESULT). */
uint64_t fcov_steer(const struct fcov_db *db, uint64_t seed, unsigned cands);
/* Candidates `vdpu run --fcov` judges per run: drawing a configuration costs microseconds, and the rare
 * corners (a timer-only coalescing run with resets: ~0.4% of the seeds) need hundreds to be found. */
#define FCOV_STEER_CANDS 256

#endif
