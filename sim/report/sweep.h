/* sweep.h - the `vdpu compare` sweep: axes (a list of values each, mapped to `vdpu run` options), the
 * point list (star or cross design), the per-point command line, the manifest (sweep.json). */
#ifndef VDPU_SWEEP_H
#define VDPU_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SWEEP_MAX_AXES 16
#define SWEEP_MAX_VALUES 32
#define SWEEP_VAL_LEN 48
#define SWEEP_MAX_POINTS 100000
#define SWEEP_MAX_PACKETS 10000000ull /* vdpu compare --packets */

enum sweep_kind {
    SWEEP_ENUM,     /* one of `words` */
    SWEEP_INT,      /* lo..hi */
    SWEEP_PKT,      /* a frame size 14..1514, or imix */
    SWEEP_FEATURES, /* a set of the ring features: none, all, NAME+NAME..., or `every` (all 16 sets) */
};

/* One axis of the sweep. Adding an axis is one line in sweep_axes[] (sweep.c). */
struct sweep_axis {
    const char *name;       /* --NAME of vdpu compare, CSV column, manifest key */
    enum sweep_kind kind;
    const char *words;      /* SWEEP_ENUM: accepted values, comma separated */
    unsigned lo, hi;        /* SWEEP_INT: accepted range */
    const char *run_opt;    /* the `vdpu run` option a value becomes */
    const char *run_prefix; /* prepended to the value there ("net-" for workloads) */
    const char *defaults;   /* default list; the first value is the star design's base */
    bool crossed;           /* star design: crossed with the other crossed axes; otherwise varied alone */
    const char *help;
};

/* The axes vdpu's own code reads (spec minimum, plots); their index in sweep_axes[]. */
enum { SWEEP_AX_RING, SWEEP_AX_FEATURES, SWEEP_AX_WORKLOAD, SWEEP_AX_PKT, SWEEP_AX_RTT, SWEEP_AX_PREFETCH,
       SWEEP_AX_BATCH, SWEEP_AX_MAX_READS, SWEEP_AX_TX_FETCH, SWEEP_AX_QSIZE };

extern const struct sweep_axis sweep_axes[];
extern const unsigned sweep_naxes;

/* The ring features the features axis switches (the rest of the device's offer stays as it is). */
#define SWEEP_NFEAT 4
extern const char *const sweep_feature_names[SWEEP_NFEAT]; /* spec names */
extern const char *const sweep_feature_short[SWEEP_NFEAT]; /* table abbreviations */

struct sweep_spec {
    unsigned n[SWEEP_MAX_AXES];                             /* values per axis */
    char v[SWEEP_MAX_AXES][SWEEP_MAX_VALUES][SWEEP_VAL_LEN]; /* canonical spelling */
    bool cross;                                             /* full cross product, else star */
    char engine[8];
    uint64_t packets, seed;
    uint32_t wire_mbps;                                     /* --wire-gbps of every point, Mbit/s; 0: unlimited */
};

struct sweep_point {
    unsigned id;                 /* 1.. : line number in points.txt */
    unsigned vi[SWEEP_MAX_AXES]; /* value index per axis */
};

/* Default values of every axis, star design, model engine, 1000 packets, seed 1. */
void sweep_spec_default(struct sweep_spec *s);
int sweep_axis_find(const char *name); /* -1 if none */
/* Replace axis a's values by a comma-separated list; 0 ok, -1 with a one-line reason in err. */
int sweep_set_axis(struct sweep_spec *s, unsigned a, const char *list, char *err, size_t errlen);
/* The sweep's points (malloc'd, *out) in the order of points.txt; their count, 0 with err on error. */
unsigned sweep_points(const struct sweep_spec *s, struct sweep_point **out, char *err, size_t errlen);
const char *sweep_val(const struct sweep_spec *s, const struct sweep_point *p, unsigned axis);
/* The shell command of one point: `vdpu run` with its options, JSON and log in dir/points/. */
int sweep_point_cmd(const struct sweep_spec *s, const struct sweep_point *p, const char *vdpu, const char *dir,
                    char *buf, size_t n);
/* Mask (bit i = sweep_feature_names[i]) of a canonical features value; its table abbreviation. */
unsigned sweep_features_mask(const char *label);
void sweep_features_abbrev(const char *label, char *buf, size_t n);

/* sweep.json: the spec and every point with its values; 0 ok, -1 with err. */
int sweep_manifest_write(const char *path, const struct sweep_spec *s, const struct sweep_point *pts, unsigned n,
                         char *err, size_t errlen);
int sweep_manifest_read(const char *path, struct sweep_spec *s, struct sweep_point **pts, unsigned *n, char *err,
                        size_t errlen);

#endif
