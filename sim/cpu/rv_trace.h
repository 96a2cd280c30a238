/* rv_trace.h - one greppable line per retired instruction, trap or interrupt of the RISC-V core. */
#ifndef VDPU_RV_TRACE_H
#define VDPU_RV_TRACE_H

#include <stdio.h>

#include "elf_load.h"
#include "rv_cpu.h"

/* After rv_step returned RV_RETIRED, print
 *   <prefix> cyc=<n> pc=0x<pc> <sym+off> <disasm> [rd=<reg> <- 0x<val>]
 * or, when it trapped, "... <disasm> trap mcause=0x.. mtval=0x.. -> 0x<handler>",
 * or for an interrupt entry "... interrupt mcause=0x8000000b -> 0x<handler>". img may be NULL. */
void rv_trace_retired(FILE *f, const char *prefix, unsigned long long cyc, const rv_cpu_t *c,
                      const struct elf_image *img);

#endif
