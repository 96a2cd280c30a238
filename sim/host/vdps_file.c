/* vdps_file.c - a saved device state as a file: checked writes, checked reads, a part-by-part print. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "mig.h"
#include "out_file.h"
#include "vdpu_state.h"
#include "vdps_file.h"

int vdps_write_file(const char *path, const uint32_t *buf, uint32_t len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "cannot write the state '%s': %s", path, strerror(errno));
        return -1;
    }
    fwrite(buf, 1, len, f);
    return out_close(f, path, "the state", err, errlen);
}

int vdps_read_file(const char *path, uint32_t *buf, uint32_t max, uint32_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    size_t n = fread(buf, 1, max, f);
    bool more = fgetc(f) != EOF, bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "cannot read '%s'", path);
        return -1;
    }
    if (more) {
        snprintf(err, errlen, "'%s': longer than a state can be (%u bytes)", path, max);
        return -1;
    }
    char why[200];
    if (mig_state_check(buf, (uint32_t)n, why, sizeof why)) {
        snprintf(err, errlen, "'%s': %s", path, why);
        return -1;
    }
    *len = (uint32_t)n;
    return 0;
}

static const char *part_name(uint16_t type)
{
    switch (type) {
    case VDPS_DEV_FEATURES: return "DEV_FEATURES";
    case VDPS_DRV_FEATURES: return "DRV_FEATURES";
    case VDPS_PCI_COMMON_CFG: return "PCI_COMMON_CFG";
    case VDPS_DEVICE_STATUS: return "DEVICE_STATUS";
    case VDPS_VQ_CFG: return "VQ_CFG";
    case VDPS_VQ_RUNTIME: return "VQ_RUNTIME";
    case VDPS_NET_CFG: return "NET_CFG";
    case VDPS_RX_FILTER: return "RX_FILTER";
    case VDPS_FW: return "FW";
    case VDPS_MSIX_PENDING: return "MSIX_PENDING";
    case VDPS_STEER: return "STEER";
    default: return "unknown";
    }
}

static void pos(FILE *f, const char *what, uint32_t p)
{
    fprintf(f, " %s %" PRIu32 "/%u", what, p & 0xFFFFu, (unsigned)(p >> VDPU_VQSTATE_WRAP_BIT) & 1);
}

static void value(FILE *f, uint16_t type, const uint8_t *v, uint32_t len)
{
    uint32_t w[10] = {0};
    memcpy(w, v, len < sizeof w ? len : sizeof w);
    switch (type) {
    case VDPS_DEV_FEATURES:
    case VDPS_DRV_FEATURES: fprintf(f, " 0x%08" PRIx32 "%08" PRIx32, w[1], w[0]); break;
    case VDPS_PCI_COMMON_CFG: fprintf(f, " msix_config %u", (unsigned)(w[0] & 0xFFFF)); break;
    case VDPS_DEVICE_STATUS: fprintf(f, " 0x%02x", (unsigned)(w[0] & 0xFF)); break;
    case VDPS_VQ_CFG: {
        struct vdps_vq_cfg c;
        memcpy(&c, v, sizeof c);
        fprintf(f, " size %u vector %u %s desc 0x%" PRIx64 " driver 0x%" PRIx64 " device 0x%" PRIx64, c.queue_size,
                c.vector, c.enabled ? "enabled" : "disabled", (uint64_t)c.desc_hi << 32 | c.desc_lo,
                (uint64_t)c.driver_hi << 32 | c.driver_lo, (uint64_t)c.device_hi << 32 | c.device_lo);
        break;
    }
    case VDPS_VQ_RUNTIME: {
        struct vdps_vq_runtime r;
        memcpy(&r, v, sizeof r);
        pos(f, "avail", r.avail_pos);
        pos(f, "used", r.used_pos);
        if (r.flags & VDPS_VQ_KICK) fprintf(f, " doorbell-pending");
        if (r.flags & VDPS_VQ_CTRLQ_BROKEN) fprintf(f, " broken");
        break;
    }
    case VDPS_NET_CFG:
        fprintf(f, " mac %02x:%02x:%02x:%02x:%02x:%02x status 0x%" PRIx32 " config_generation %" PRIu32, w[0] & 0xFF,
                (w[0] >> 8) & 0xFF, (w[0] >> 16) & 0xFF, w[0] >> 24, w[1] & 0xFF, (w[1] >> 8) & 0xFF, w[2], w[3]);
        break;
    case VDPS_RX_FILTER: fprintf(f, " flags 0x%" PRIx32 " pairs %" PRIu32, w[0], w[1]); break;
    case VDPS_FW: fprintf(f, " flags 0x%" PRIx32, w[0]); break;
    case VDPS_MSIX_PENDING: fprintf(f, " vectors 0x%" PRIx32, w[0]); break;
    case VDPS_STEER: {
        const uint8_t *t = v;
        unsigned n = 0;
        for (unsigned i = 0; i < VDPU_STEER_ENTRIES; i++)
            if (t[i] & 0x80) fprintf(f, "%s%u->pair %u", n++ ? ", " : " flows ", i, t[i] & 0x7Fu);
        if (!n) fprintf(f, " no flows");
        break;
    }
    default: break;
    }
}

void vdps_print(const uint32_t *buf, uint32_t len, FILE *f)
{
    const uint8_t *b = (const uint8_t *)buf;
    struct vdps_hdr h;
    memcpy(&h, b, sizeof h);
    fprintf(f, "state: 'VDPS' %u.%u, %" PRIu32 " bytes, %" PRIu32 " parts, crc 0x%08" PRIx32 "\n", h.major, h.minor,
            len, h.parts, h.crc);
    uint32_t at = sizeof h;
    for (uint32_t i = 0; i < h.parts && at + sizeof(struct vdps_part_hdr) <= len; i++) {
        struct vdps_part_hdr p;
        memcpy(&p, b + at, sizeof p);
        at += (uint32_t)sizeof p;
        fprintf(f, "  0x%04x %-14s", p.type, part_name(p.type));
        if (p.type == VDPS_VQ_CFG || p.type == VDPS_VQ_RUNTIME) fprintf(f, " queue %" PRIu32 ":", p.sel_lo);
        else if (p.type == VDPS_PCI_COMMON_CFG) fprintf(f, " offset 0x%" PRIx32 ":", p.sel_lo);
        value(f, p.type, b + at, p.len);
        fprintf(f, "%s\n", p.flags & VDPS_F_OPTIONAL ? " (optional)" : "");
        at += (p.len + 3) & ~3u;
    }
}
