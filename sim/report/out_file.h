/* out_file.h - output files whose every write is checked: probe a path before a run, close with the
 * stream's error state (a full disk, /dev/full, a failed flush) turned into a one-line reason. */
#ifndef VDPU_OUT_FILE_H
#define VDPU_OUT_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Before anything runs: can path be written? Opened for appending (created when missing, never
 * truncated) and closed again. 0, or -1 with "cannot write <what> '<path>': <reason>" in err. */
int out_probe(const char *path, const char *what, char *err, size_t errlen);
/* Flush, check the error flag (any earlier write that failed) and close f. 0, or -1 with
 * "cannot write <what> '<path>': <reason>" in err. f may be NULL (nothing to do). */
int out_close(FILE *f, const char *path, const char *what, char *err, size_t errlen);

#endif
