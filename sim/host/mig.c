/* mig.c - the hypervisor's side of the MIG region: stop and run commands and their outcome. */
#include <stdio.h>

#include "host_link.h"
#include "mig.h"

int mig_command(vdpu_session_t *s, uint32_t ctrl, uint32_t *status, char *err, size_t errlen)
{
    uint64_t region = s->pci.mig, v = 0;
    if (!region) {
        snprintf(err, errlen, "no MIG region (its vendor data capability is absent)");
        return -1;
    }
    if (!host_mem_wr(&s->bus, region + VDPU_MIG_CTRL, 4, ctrl) ||
        host_mem_rd(&s->bus, region + VDPU_MIG_STATUS, 4, &v) != VDPU_CPL_SC) {
        snprintf(err, errlen, "MIG access failed on the host link%s%s", s->bus.stopped ? ": " : "",
                 s->bus.stopped ? s->bus.stop_reason : "");
        return -1;
    }
    *status = (uint32_t)v;
    return 0;
}

const char *mig_status_name(unsigned code, char *buf, size_t n)
{
    switch (code) {
    case MIG_ST_OK: return "OK";
    case MIG_ST_EBUSY: return "EBUSY";
    case MIG_ST_EINVAL: return "EINVAL";
    default: snprintf(buf, n, "status %u", code); return buf;
    }
}

static int mig_mode(vdpu_session_t *s, bool stop, char *err, size_t errlen)
{
    uint32_t st;
    if (mig_command(s, stop ? VDPU_MIG_CTRL_STOP : 0, &st, err, errlen)) return -1;
    unsigned code = (st & VDPU_MIG_STATUS_CODE) >> VDPU_MIG_STATUS_CODE_LSB;
    bool stopped = st & VDPU_MIG_STATUS_STOPPED;
    if (!(st & VDPU_MIG_STATUS_ERROR) && stopped == stop) return 0;
    char nb[24];
    snprintf(err, errlen, "%s refused: %s%s (MIG STATUS 0x%08x, %s)", stop ? "stop" : "run",
             mig_status_name(code, nb, sizeof nb), code == MIG_ST_EBUSY ? ": data path not quiesced" : "", st,
             stopped ? "stopped" : "running");
    return -1;
}

int mig_stop(vdpu_session_t *s, char *err, size_t errlen) { return mig_mode(s, true, err, errlen); }
int mig_run(vdpu_session_t *s, char *err, size_t errlen) { return mig_mode(s, false, err, errlen); }
