/* vdps_file.h - a saved device state ('VDPS' v1, include/vdpu_state.h) as a file: written with every
 * write checked, read back with the format checked, printed part by part (vdpu state). */
#ifndef VDPU_VDPS_FILE_H
#define VDPU_VDPS_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Write len bytes of state to path. 0, or -1 with a one-line reason in err. */
int vdps_write_file(const char *path, const uint32_t *buf, uint32_t len, char *err, size_t errlen);
/* Read a state of at most max bytes from path and check it (mig_state_check). 0 with *len, or -1 with a
 * one-line reason in err (cannot read, too long, not whole dwords, or what the check found). */
int vdps_read_file(const char *path, uint32_t *buf, uint32_t max, uint32_t *len, char *err, size_t errlen);
/* The header and one line per part, decoded (a checked state). */
void vdps_print(const uint32_t *buf, uint32_t len, FILE *f);

#endif
