/* fwrole.h - the harness's built-in firmware role on the CSR bus: a queue of CSR accesses plus
 * an optional pass-through event service (commits every host policy write as requested). */
#ifndef VDPU_FWROLE_H
#define VDPU_FWROLE_H

#include "bus.h"

#define FWROLE_MAX_OPS 64

struct fw_op {
    bool we;
    uint16_t addr;
    uint32_t wdata;
    uint8_t wstrb; /* byte strobes of a write */
    uint8_t kind;  /* internal: which service step this access belongs to */
};

typedef struct fwrole {
    bool auto_service; /* service the event FIFO like minimal firmware */
    bool started;
    struct fw_op ops[FWROLE_MAX_OPS];
    unsigned head, n;
    bool waiting; /* a request is out; its response arrives next cycle */
    uint32_t last_rdata;
    uint64_t ops_done;
    uint64_t user_done;   /* user (non-service) accesses completed */
    uint32_t user_rdata;  /* read data of the last user access */
    int sv_state;
    uint32_t ev_info, ev_data;
    uint64_t events_handled;
    uint64_t events_by_kind[VDPU_EV_COUNT];
} fwrole_t;

void fwrole_init(fwrole_t *f, bool auto_service);
void fwrole_attach(fwrole_t *f, vdpu_bus_t *b);
bool fwrole_push(fwrole_t *f, bool we, uint16_t addr, uint32_t wdata);
/* a write with explicit byte strobes (0 included: such a write changes nothing) */
bool fwrole_push_strb(fwrole_t *f, uint16_t addr, uint32_t wdata, uint8_t wstrb);
bool fwrole_idle(const fwrole_t *f);

/* Synchronous CSR accesses from a test playing firmware (false: bus stopped). */
bool fw_csr_read(vdpu_bus_t *b, fwrole_t *f, uint16_t addr, uint32_t *val);
bool fw_csr_write(vdpu_bus_t *b, fwrole_t *f, uint16_t addr, uint32_t val);

#endif
