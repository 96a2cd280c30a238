/* sweep_merge.h - read back every point's JSON and log, check them, put the spec minimum beside each. */
#ifndef VDPU_SWEEP_MERGE_H
#define VDPU_SWEEP_MERGE_H

#include "specmin.h"
#include "sweep.h"

struct sweep_result {
    const struct sweep_point *pt;
    bool ok;                 /* ran, passed its checks, and negotiated what the point asked for */
    bool mismatch;           /* cosim reported RTL and model apart */
    char why[240];           /* why not ok */
    double packets, frame_bytes, cycles, mpps, gbps, up_util, down_util, lat_mean, lat_p50, lat_p99;
    double wire_mpps;        /* the frame rate the wire allows at this mean frame size (0: unlimited) */
    double link_mpps;        /* the frame rate the link allows for the spec minimum's traffic (link bound) */
    unsigned storage;        /* on-chip bytes the point's P, B, M cost the queue engine (eng_storage.h) */
    struct specmin_count m[VDPU_PURP_COUNT]; /* measured, per packet */
    double req, link;        /* measured totals per packet (firmware DMA left out: not traffic) */
    struct specmin min;      /* the spec minimum of the point's configuration */
    double ratio_req, ratio_link; /* measured / minimum */
};

/* The spec-minimum configuration of a point (ring, negotiated features, P, B, size, workload; link defaults). */
void sweep_specmin_cfg(const struct sweep_spec *s, const struct sweep_point *p, struct specmin_cfg *c);
/* One result per point, in point order (*out malloc'd). Points that did not run or failed are kept with
 * ok = false and the reason. Returns the number of failed points, -1 with err if nothing could be read. */
int sweep_merge(const char *dir, const struct sweep_spec *s, const struct sweep_point *pts, unsigned n,
                struct sweep_result **out, char *err, size_t errlen);

#endif
