/* fw_config.h - boot configuration the simulator writes into the firmware image before it starts. */
#ifndef VDPU_FW_CONFIG_H
#define VDPU_FW_CONFIG_H

#include <stdint.h>

/*
 * The firmware defines one object `struct vdpu_fw_config vdpu_fw_config` (in DTCM, initialised
 * with FW_CONFIG_MAGIC and the defaults). The simulator finds the symbol in the ELF and
 * overwrites it after loading (command-line --features, --mac, --mtu, ...), so one ELF serves
 * every configuration. The firmware reads it once at boot and programs the device from it.
 */
#define FW_CONFIG_MAGIC 0x56464347u /* 'VFCG' */
#define FW_CONFIG_VERSION 4u

struct vdpu_fw_config {
    uint32_t magic;       /* FW_CONFIG_MAGIC */
    uint32_t version;     /* FW_CONFIG_VERSION */
    uint32_t features[4]; /* offered device features, bits 0..127 */
    uint8_t mac[6];
    uint16_t mtu;
    uint16_t max_qp;      /* max_virtqueue_pairs */
    uint16_t link_up;     /* initial link status (VIRTIO_NET_S_LINK_UP) */
    uint32_t verbose;     /* 0 quiet, 1 one console line per control-plane step */
    /* the host memory the data path may touch (the harness declares it) */
    uint32_t hostmem_base_lo, hostmem_base_hi, hostmem_size_lo, hostmem_size_hi;
    /* queue-engine parameters, the ENG_PARAM CSR ([3:0] prefetch depth, [7:4] used batch) */
    uint32_t eng_param;
    /* queue interrupt coalescing, the ENG_COAL CSR ([7:0] frames, [31:8] cycles; 0: off) */
    uint32_t eng_coal;
};

#endif
