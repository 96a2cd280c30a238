/* sweep_plot.h - gnuplot charts of a merged sweep, each as PNG and SVG. */
#ifndef VDPU_SWEEP_PLOT_H
#define VDPU_SWEEP_PLOT_H

#include "sweep_out.h"

/* Write dir/gnuplot/<chart>.gp and render dir/<chart>.png and .svg for: dma_per_packet (split vs packed by
 * feature set, measured and spec minimum), throughput_vs_pkt_size, throughput_vs_rtt, prefetch_batch.
 * A chart whose x axis was not swept (one value) is left out and named in `skipped`. 0 ok, -1 with err. */
int sweep_plot(const char *dir, const struct sweep_spec *s, const struct sweep_result *r, unsigned n, char *skipped,
               size_t skippedlen, char *err, size_t errlen);

#endif
