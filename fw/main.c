/* main.c - boot (program the device from vdpu_fw_config) and the interrupt-driven service loop. */
#include <inttypes.h>
#include <stdio.h>

#include "csr.h"
#include "ctrlq.h"
#include "device.h"
#include "events.h"
#include "fw_config.h"
#include "policy.h"
#include "rv.h"
#include "trap.h"

/* Defaults are the device's own reset values, so an unpatched image describes the device as
 * the register map does. */
#define FW_CONFIG_DEFAULTS                                                                                \
    {                                                                                                     \
        .magic = FW_CONFIG_MAGIC, .version = FW_CONFIG_VERSION,                                           \
        .features = {VDPU_CSR_DEV_FEATURE0_RESET, VDPU_CSR_DEV_FEATURE1_RESET, VDPU_CSR_DEV_FEATURE2_RESET, \
                     VDPU_CSR_DEV_FEATURE3_RESET},                                                        \
        .mac = {(uint8_t)(VDPU_CSR_NET_MAC_LO_RESET), (uint8_t)(VDPU_CSR_NET_MAC_LO_RESET >> 8),          \
                (uint8_t)(VDPU_CSR_NET_MAC_LO_RESET >> 16), (uint8_t)(VDPU_CSR_NET_MAC_LO_RESET >> 24),   \
                (uint8_t)(VDPU_CSR_NET_MAC_HI_RESET), (uint8_t)(VDPU_CSR_NET_MAC_HI_RESET >> 8)},         \
        .mtu = VDPU_CSR_NET_MTU_RESET, .max_qp = VDPU_CSR_NET_MAX_QP_RESET,                               \
        .link_up = VDPU_CSR_NET_STATUS_RESET & NET_S_LINK_UP, .verbose = 1,                               \
        .hostmem_size_lo = 16u << 20, /* the simulator's default 16 MiB of host RAM at 0 */              \
        .eng_param = VDPU_CSR_ENG_PARAM_RESET, .eng_coal = VDPU_CSR_ENG_COAL_RESET,                       \
    }

/* Patched by the simulator after loading (it finds the symbol in the ELF): in .data, which is
 * loaded in place in DTCM and never copied over at start-up. */
__attribute__((used)) struct vdpu_fw_config vdpu_fw_config = FW_CONFIG_DEFAULTS;

static void print_features(const char *what, const uint32_t f[4])
{
    printf("%s 0x%08" PRIx32 "%08" PRIx32, what, f[1], f[0]);
    if (f[2] | f[3]) printf(" (bits 64..127: 0x%08" PRIx32 "%08" PRIx32 ")", f[3], f[2]);
}

static void boot(void)
{
    struct vdpu_fw_config c = vdpu_fw_config;
    if (c.magic != FW_CONFIG_MAGIC || c.version != FW_CONFIG_VERSION) {
        printf("boot config: bad magic 0x%08" PRIx32 " / version %" PRIu32 ": using built-in defaults\n", c.magic,
               c.version);
        c = (struct vdpu_fw_config)FW_CONFIG_DEFAULTS;
    }
    fw.verbose = c.verbose != 0;
    uint32_t id = dev_rd(VDPU_CSR_ID);
    if (id != VDPU_CSR_ID_VALUE) printf("device CSR ID 0x%08" PRIx32 ", expected 0x%08x\n", id, VDPU_CSR_ID_VALUE);

    _Static_assert(POLICY_MTU_MAX == VDPU_MTU_MAX, "policy's mtu bound is the device's");
    /* never offer what the spec forbids: requirement-less features, MTU out of range (or too big for
     * the frame buffers) */
    uint32_t removed[4];
    bool added_v1;
    for (unsigned w = 0; w < 4; w++) fw.offer[w] = c.features[w];
    if (feat_has(fw.offer, F_NET_MTU) && !policy_mtu_ok(c.mtu)) {
        feat_clr(fw.offer, F_NET_MTU);
        printf("mtu %u outside 68..%u: MTU not offered\n", c.mtu, POLICY_MTU_MAX);
    }
    policy_sanitize_offer(fw.offer, removed, &added_v1);
    if (removed[0] | removed[1] | removed[2] | removed[3]) {
        print_features("offer: dropped features whose requirements are not offered:", removed);
        printf("\n");
    }
    if (added_v1) printf("offer: VERSION_1 added (modern-only device)\n");
    fw.max_qp = (uint16_t)policy_clamp_max_qp(c.max_qp, VDPU_NUM_QUEUES);
    if (fw.max_qp != c.max_qp) printf("max_virtqueue_pairs %u -> %u (hardware queues)\n", c.max_qp, fw.max_qp);

    for (unsigned w = 0; w < 4; w++) dev_wr(VDPU_CSR_DEV_FEATURE0 + 4 * w, fw.offer[w]);
    dev_wr(VDPU_CSR_NET_MAC_LO,
           (uint32_t)c.mac[0] | (uint32_t)c.mac[1] << 8 | (uint32_t)c.mac[2] << 16 | (uint32_t)c.mac[3] << 24);
    dev_wr(VDPU_CSR_NET_MAC_HI, (uint32_t)c.mac[4] | (uint32_t)c.mac[5] << 8);
    dev_wr(VDPU_CSR_NET_MTU, c.mtu);
    dev_wr(VDPU_CSR_NET_MAX_QP, fw.max_qp);
    /* num_queues, "the maximum number of virtqueues supported": the queues the offer can define
     * (2 max_qp + control queue with MQ; one pair without it), not every queue the hardware has.
     * Common cfg presents queue_size 0 for a queue_select at or above it. */
    dev_wr(VDPU_CSR_NUMQ, policy_num_queues(fw.offer, fw.max_qp));
    dev_wr(VDPU_CSR_NET_STATUS, c.link_up ? NET_S_LINK_UP : 0);
    /* the data path checks every buffer against the host memory the harness declared */
    dev_wr(VDPU_CSR_HOSTMEM_BASE_LO, c.hostmem_base_lo);
    dev_wr(VDPU_CSR_HOSTMEM_BASE_HI, c.hostmem_base_hi);
    dev_wr(VDPU_CSR_HOSTMEM_SIZE_LO, c.hostmem_size_lo);
    dev_wr(VDPU_CSR_HOSTMEM_SIZE_HI, c.hostmem_size_hi);
    dev_wr(VDPU_CSR_ENG_PARAM, c.eng_param); /* prefetch depth and used batch chosen by the user */
    dev_wr(VDPU_CSR_ENG_COAL, c.eng_coal);   /* interrupt coalescing likewise (0: off) */
    ctrlq_boot(c.mac); /* the RX filter's reset state; a device reset restores this MAC */

    if (fw.verbose) { /* a console line costs thousands of cycles: the first reset would wait for it */
        print_features("vdpu-fw: offer", fw.offer);
        printf(", mac %02x:%02x:%02x:%02x:%02x:%02x, mtu %u, %u pairs, link %s\n", c.mac[0], c.mac[1], c.mac[2],
               c.mac[3], c.mac[4], c.mac[5], c.mtu, fw.max_qp, c.link_up ? "up" : "down");
    }

    fw.irq_enable = VDPU_IRQ_STATUS_EVENT | VDPU_IRQ_STATUS_HELD | VDPU_IRQ_STATUS_LINK | VDPU_IRQ_STATUS_INT_ERR;
    dev_wr(VDPU_CSR_IRQ_ENABLE, fw.irq_enable);
}

int main(void)
{
    boot();
    irq_ext_on();
    for (;;) {
        /* Sleep with interrupts globally off so a device interrupt between the check and the
         * WFI cannot be lost: WFI still wakes on it, and it is taken once MIE is set again. */
        irq_global_off();
        if (!fw_work_pending) rv_wfi();
        irq_global_on();
        if (fw_work_pending) {
            fw_work_pending = false;
            fw_service();
            irq_ext_on(); /* the trap handler masked it; a source still pending traps at once */
        }
    }
}
