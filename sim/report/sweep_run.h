/* sweep_run.h - write a sweep's point list (points.txt, one shell command per line) and run it with make -j. */
#ifndef VDPU_SWEEP_RUN_H
#define VDPU_SWEEP_RUN_H

#include "sweep.h"

/* Create dir/ and dir/points/ (dropping results of an earlier sweep there), write dir/sweep.json,
 * dir/points.txt and dir/sweep.mk with absolute paths (absdir: dir resolved). `vdpu` is the binary the
 * points run. 0 ok, -1 with err. */
int sweep_write(const char *dir, char *absdir, size_t abslen, const char *vdpu, const struct sweep_spec *s,
                const struct sweep_point *pts, unsigned n, char *err, size_t errlen);
/* Run dir/points.txt through `make -k -j jobs -f sweep.mk` (output in dir/make.log). A progress bar
 * (points done / total, ETA) goes to stderr when `progress`. 0 when make could run, -1 with err. */
int sweep_run(const char *dir, unsigned n, unsigned jobs, bool progress, char *err, size_t errlen);

#endif
