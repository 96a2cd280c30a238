/* randacc.h - seeded random host config/BAR accesses (legal and illegal) with firmware activity. */
#ifndef VDPU_RANDACC_H
#define VDPU_RANDACC_H

#include "session.h"

struct randacc_stats {
    uint64_t accesses, cfg, mem, reads, writes, fw_ops, ur, held_cycles;
};

/* Requires pci_enumerate + pci_msix_setup. n host accesses; 0 ok, -1 if the bus stopped. */
int randacc_run(vdpu_session_t *s, uint64_t seed, uint64_t n, struct randacc_stats *st);

#endif
