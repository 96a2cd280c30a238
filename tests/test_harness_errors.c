/* test_harness_errors.c - what the harness says when something other than the device goes wrong: a
 * firmware that never answers, a wave file that is not an FST. */
#include <stdio.h>
#include <string.h>

#include "fw_soc.h"
#include "harness.h"
#include "virtio_drv.h"

/* No firmware services the event FIFO (the builtin role with fw_auto off): every held status read
 * ends by the hold timeout. The driver must say the firmware did not answer, not that it refused. */
Test(harness_errors, silent_firmware_is_not_a_refusal, .timeout = 120)
{
    struct tctx t;
    t_open(&t, VDPU_ENGINE_MODEL, false);
    csr_wr(&t, VDPU_CSR_HOLD_TIMEOUT, 2000); /* keep each timed-out hold short */
    cr_assert_eq(pci_enumerate(t.b, VDPU_MMIO_BASE, &t.s.pci, NULL), 0);
    static virtio_drv_t d;
    struct drv_params p;
    drv_params_default(&p);
    p.use_msix = false;
    enum drv_result r = virtio_drv_init(&d, &t.s, &p);
    cr_assert_neq(r, DRV_OK, "no firmware answered, yet DRIVER_OK");
    cr_assert(strstr(d.refusal, "the firmware did not answer"), "refusal: %s", d.refusal);
    cr_assert_null(strstr(d.refusal, "refused"), "refusal: %s", d.refusal);
    vdpu_session_close(&t.s);
}

/* the firmware console shows control and non-ASCII bytes as \xNN: firmware output never drives the
 * terminal (an ESC sequence, a raw 0xff) */
Test(harness_errors, console_bytes_are_escaped)
{
    static const uint32_t prog[] = {
        0x40000537, /* lui a0, 0x40000 */ 0x01b00693, /* li a3, 0x1b */ 0x0ed50023, /* sb a3, 0xe0(a0) */
        0x05b00693, /* li a3, '[' */     0x0ed50023, /* sb a3, 0xe0(a0) */ 0xfff00693, /* li a3, -1 */
        0x0ed50023, /* sb a3, 0xe0(a0) */ 0x00900693, /* li a3, '\t' */  0x0ed50023, /* sb a3, 0xe0(a0) */
        0x00a00693, /* li a3, '\n' */    0x0ed50023, /* sb a3, 0xe0(a0) */ 0x0000006f, /* j . */
    };
    struct elf_seg seg = {FW_ITCM_BASE, sizeof prog, sizeof prog, 5, (uint8_t *)prog};
    struct elf_image img = {.path = "console_prog", .entry = FW_ITCM_BASE, .seg = &seg, .nseg = 1};
    static fw_soc_t s;
    char err[256];
    cr_assert_eq(fw_soc_init(&s, &img, err, sizeof err), 0, "%s", err);
    char *out = NULL;
    size_t outlen = 0;
    FILE *con = open_memstream(&out, &outlen);
    s.console = con;
    vdpu_dev_t *dev = vdpu_model_create();
    host_mem_t mem;
    host_mem_init(&mem);
    static vdpu_bus_t b;
    vdpu_bus_init(&b, dev, &mem);
    fw_soc_attach(&s, &b);
    vdpu_bus_run_cycles(&b, 100);
    fclose(con);
    cr_assert_str_eq(out, "[fw] \\x1b[\\xff\t\n");
    free(out);
    vdpu_dev_destroy(dev);
    host_mem_fini(&mem);
}
