/* test_cfg_space.c - PCI config space header, BAR sizing, capability list, illegal config accesses. */
#include "harness.h"

ENGINE_TEST(cfg, header_fields)
{
    cr_assert_eq(cfg_rd(T, 0x00, 2), 0x1AF4);
    cr_assert_eq(cfg_rd(T, 0x02, 2), 0x1041);             /* 0x1040 + virtio-net device id 1 */
    cr_assert_eq(cfg_rd(T, 0x00, 4), 0x10411AF4);
    cr_assert_eq(cfg_rd(T, 0x08, 1), 0x01);               /* revision 1: modern-only device */
    cr_assert_eq(cfg_rd(T, 0x08, 4) >> 8, 0x020000);      /* class: network, ethernet */
    cr_assert_eq(cfg_rd(T, 0x0E, 1), 0x00);               /* type-0 header, single function */
    cr_assert_eq(cfg_rd(T, 0x2C, 2), 0x1AF4);
    cr_assert_eq(cfg_rd(T, 0x2E, 2), 0x1100);
    cr_assert_eq(cfg_rd(T, 0x06, 2) & 0x10, 0x10);        /* capability list present */
    cr_assert_eq(cfg_rd(T, 0x34, 1), 0x40);
    cr_assert_eq(cfg_rd(T, 0x3D, 1), 0x01);               /* INTA# */
    cr_assert_eq(cfg_rd(T, 0x04, 2), 0x0000);             /* decode off after reset */
    for (uint16_t o = 0x18; o < 0x28; o += 4) cr_assert_eq(cfg_rd(T, o, 4), 0, "BAR at 0x%x not empty", o);
    cr_assert_eq(cfg_rd(T, 0x30, 4), 0);                  /* no expansion ROM */
    expect_no_diag(T);
}

ENGINE_TEST(cfg, command_register_writable_bits)
{
    cfg_wr(T, 0x04, 2, 0xFFFF);
    cr_assert_eq(cfg_rd(T, 0x04, 2), 0x0406); /* memory space, bus master, INTx disable */
    cfg_wr(T, 0x04, 2, 0x0002);
    cr_assert_eq(cfg_rd(T, 0x04, 2), 0x0002);
    cfg_wr(T, 0x3C, 1, 0x5A);                 /* interrupt line is scratch */
    cr_assert_eq(cfg_rd(T, 0x3C, 1), 0x5A);
    cfg_wr(T, 0x00, 4, 0);                    /* IDs are read-only, header writes silently ignored */
    cr_assert_eq(cfg_rd(T, 0x00, 4), 0x10411AF4);
    expect_no_diag(T);
}

ENGINE_TEST(cfg, bar0_sizing_64bit)
{
    uint32_t lo = cfg_rd(T, 0x10, 4);
    cr_assert_eq(lo & 0xF, 0xC, "BAR0 must be 64-bit prefetchable memory");
    cfg_wr(T, 0x10, 4, 0xFFFFFFFF);
    cr_assert_eq(cfg_rd(T, 0x10, 4), 0xFFFF800C);
    cfg_wr(T, 0x14, 4, 0xFFFFFFFF);
    cr_assert_eq(cfg_rd(T, 0x14, 4), 0xFFFFFFFF);
    /* size from what the device returned, as an OS computes it */
    uint64_t mask = ((uint64_t)cfg_rd(T, 0x14, 4) << 32) | (cfg_rd(T, 0x10, 4) & ~0xFu);
    cr_assert_eq(~mask + 1, VDPU_BAR0_SIZE);
    cfg_wr(T, 0x10, 4, 0x12345678);
    cr_assert_eq(cfg_rd(T, 0x10, 4), 0x1234000C); /* low bits below the size hardwired */
    cfg_wr(T, 0x14, 4, 0x00000010);
    cr_assert_eq(cfg_rd(T, 0x14, 4), 0x10);
    /* BAR2..5 are unimplemented: sizing writes are ignored without a diagnostic */
    cfg_wr(T, 0x18, 4, 0xFFFFFFFF);
    cr_assert_eq(cfg_rd(T, 0x18, 4), 0);
    expect_no_diag(T);
}

/* every capability against the spec: id, next, cap_len, cfg_type, bar, offset, length */
ENGINE_TEST(cfg, capability_list)
{
    static const struct { uint8_t type, len; uint32_t off, length; } want[] = {
        {VIRTIO_PCI_CAP_COMMON_CFG, 16, 0x0000, 0x3C}, {VIRTIO_PCI_CAP_NOTIFY_CFG, 20, 0x1000, 20},
        {VIRTIO_PCI_CAP_ISR_CFG, 16, 0x2000, 1},       {VIRTIO_PCI_CAP_DEVICE_CFG, 16, 0x3000, 12},
        {VIRTIO_PCI_CAP_PCI_CFG, 20, 0, 0},
    };
    uint8_t p = (uint8_t)cfg_rd(T, 0x34, 1);
    cr_assert_eq(cfg_rd(T, p, 1), 0x11, "first capability is MSI-X");
    uint32_t ctrl = cfg_rd(T, p + 2, 2);
    cr_assert_eq(ctrl & 0x7FF, VDPU_NUM_VECTORS - 1);
    cr_assert_eq(ctrl & 0xC000, 0, "MSI-X disabled and unmasked after reset");
    cr_assert_eq(cfg_rd(T, p + 4, 4), 0x4000, "table at BAR0+0x4000, BIR 0");
    cr_assert_eq(cfg_rd(T, p + 8, 4), 0x5000, "PBA at BAR0+0x5000, BIR 0");
    p = (uint8_t)cfg_rd(T, p + 1, 1);
    for (unsigned i = 0; i < 5; i++) {
        cr_assert_neq(p, 0, "list ended early at virtio cap %u", i);
        cr_assert_eq(p % 4, 0);
        cr_assert_eq(cfg_rd(T, p + VIRTIO_PCI_CAP_VNDR, 1), 0x09, "vendor-specific id");
        cr_assert_eq(cfg_rd(T, p + VIRTIO_PCI_CAP_LEN, 1), want[i].len, "cap %u cap_len", i);
        cr_assert_eq(cfg_rd(T, p + VIRTIO_PCI_CAP_CFG_TYPE, 1), want[i].type, "cap %u cfg_type", i);
        cr_assert_eq(cfg_rd(T, p + VIRTIO_PCI_CAP_BAR, 1), 0, "cap %u bar", i);
        cr_assert_eq(cfg_rd(T, p + VIRTIO_PCI_CAP_OFFSET, 4), want[i].off, "cap %u offset", i);
        cr_assert_eq(cfg_rd(T, p + VIRTIO_PCI_CAP_LENGTH, 4), want[i].length, "cap %u length", i);
        if (want[i].type == VIRTIO_PCI_CAP_NOTIFY_CFG)
            cr_assert_eq(cfg_rd(T, p + VIRTIO_PCI_NOTIFY_CAP_MULT, 4), VDPU_NOTIFY_MULT);
        p = (uint8_t)cfg_rd(T, p + VIRTIO_PCI_CAP_NEXT, 1);
    }
    /* the two vendor data capabilities (VQSTATE's and MIG's: tests/test_vqstate.c and test_mig.c check
     * their fields) end the list */
    cr_assert_eq(p, VDPU_CFG_VNDR_VNDR, "the vendor data capability follows the PCI cfg access capability");
    cr_assert_eq(cfg_rd(T, p + VIRTIO_PCI_CAP_CFG_TYPE, 1), VIRTIO_PCI_CAP_VENDOR_CFG);
    p = (uint8_t)cfg_rd(T, p + VIRTIO_PCI_CAP_NEXT, 1);
    cr_assert_eq(p, VDPU_CFG_MIGC_VNDR, "then the migration region's");
    cr_assert_eq(cfg_rd(T, p + VIRTIO_PCI_CAP_CFG_TYPE, 1), VIRTIO_PCI_CAP_VENDOR_CFG);
    p = (uint8_t)cfg_rd(T, p + VIRTIO_PCI_CAP_NEXT, 1);
    cr_assert_eq(p, 0, "list must end after the vendor data capabilities");
    expect_no_diag(T);
}

ENGINE_TEST(cfg, msix_control_bits)
{
    cfg_wr(T, 0x42, 2, 0xFFFF);
    cr_assert_eq(cfg_rd(T, 0x42, 2), 0xC000 | (VDPU_NUM_VECTORS - 1), "only enable and function mask are writable");
    cfg_wr(T, 0x42, 2, 0x0000);
    cr_assert_eq(cfg_rd(T, 0x42, 2), VDPU_NUM_VECTORS - 1);
    expect_no_diag(T);
}

ENGINE_TEST(cfg, illegal_accesses)
{
    uint32_t v = 0xdead;
    /* wrong size or misaligned: UR */
    cr_assert_eq(cfg_rd_st(T, 0x01, 2, &v), VDPU_CPL_UR);
    expect_diag(T, VDPU_DIAG_CFG_BAD_ACCESS, 0x01);
    cr_assert_eq(cfg_rd_st(T, 0x00, 3, &v), VDPU_CPL_UR);
    expect_diag(T, VDPU_DIAG_CFG_BAD_ACCESS, 0x00);
    cr_assert_eq(cfg_wr_st(T, 0x04, 8, 0x6), VDPU_CPL_UR);
    expect_diag(T, VDPU_DIAG_CFG_BAD_ACCESS, 0x04);
    cr_assert_eq(cfg_rd(T, 0x04, 2), 0, "a UR write changes nothing");
    /* past 4 KiB: UR */
    cr_assert_eq(cfg_rd_st(T, 0x1000, 4, &v), VDPU_CPL_UR);
    expect_diag(T, VDPU_DIAG_CFG_OUT_OF_RANGE, 0x1000);
    /* past the capability list and extended space: reads 0, writes ignored */
    cr_assert_eq(cfg_rd(T, VDPU_CFG_CAPS_END, 4), 0);
    expect_diag(T, VDPU_DIAG_CFG_UNIMPL, VDPU_CFG_CAPS_END);
    cfg_wr(T, 0xFC, 4, 0xFFFFFFFF);
    expect_diag(T, VDPU_DIAG_CFG_UNIMPL, 0xFC);
    cr_assert_eq(cfg_rd(T, 0x100, 4), 0, "no extended capabilities");
    expect_diag(T, VDPU_DIAG_CFG_UNIMPL, 0x100);
    /* read-only capability bytes */
    cfg_wr(T, 0x4C, 4, 0xFFFFFFFF);
    expect_diag(T, VDPU_DIAG_CFG_RO_WRITE, 0x4C);
    cr_assert_eq(cfg_rd(T, 0x4E, 1), 16, "cap_len unchanged");
    cfg_wr(T, 0x44, 4, 0);
    expect_diag(T, VDPU_DIAG_CFG_RO_WRITE, 0x44);
    cr_assert_eq(cfg_rd(T, 0x44, 4), 0x4000);
}
