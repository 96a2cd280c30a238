/* test_window.c - the virtio PCI cfg access capability really reaches BAR0 through config space. */
#include "harness.h"

#define WIN_BAR 0x94
#define WIN_OFF 0x98
#define WIN_LEN 0x9C
#define WIN_DATA 0xA0

static void aim(struct tctx *t, uint8_t bar, uint32_t off, uint32_t len)
{
    cfg_wr(t, WIN_BAR, 1, bar);
    cfg_wr(t, WIN_OFF, 4, off);
    cfg_wr(t, WIN_LEN, 4, len);
}

ENGINE_TEST(window, reads_and_writes_bar0_without_memory_space)
{
    /* no enumeration: memory space is off, the window still works */
    aim(T, 0, VDPU_BAR_COMMON_OFF + VDPU_COMMON_NUMQ, 2);
    cr_assert_eq(cfg_rd(T, WIN_DATA, 4), VDPU_NUM_QUEUES);
    aim(T, 0, VDPU_BAR_DEVCFG_OFF + VDPU_NETCFG_MAC0, 1);
    cr_assert_eq(cfg_rd(T, WIN_DATA, 4), 0x52);
    aim(T, 0, VDPU_BAR_COMMON_OFF + VDPU_COMMON_Q_SELECT, 2);
    cfg_wr(T, WIN_DATA, 4, 3);
    cr_assert_eq(cfg_rd(T, WIN_DATA, 4), 3);
    aim(T, 0, VDPU_BAR_COMMON_OFF + VDPU_COMMON_Q_NOFF, 2);
    cr_assert_eq(cfg_rd(T, WIN_DATA, 2), 3, "queue_select written through the window took effect");
    expect_no_diag(T);
    t_enumerate(T);
    cr_assert_eq(bar_rd(T, VDPU_BAR_COMMON_OFF + VDPU_COMMON_Q_SELECT, 2), 3, "same register as through BAR0");
    /* MSI-X table through the window */
    aim(T, 0, VDPU_BAR_MSIX_TBL_OFF + 8, 4);
    cfg_wr(T, WIN_DATA, 4, 0xABCD);
    cr_assert_eq(bar_rd(T, VDPU_BAR_MSIX_TBL_OFF + 8, 4), 0xABCD);
}

ENGINE_TEST(window, bar_diagnostics_pass_through)
{
    aim(T, 0, VDPU_BAR_COMMON_OFF + VDPU_COMMON_MSIX, 4); /* wrong size for the field */
    cr_assert_eq(cfg_rd(T, WIN_DATA, 4), 0);
    expect_diag(T, VDPU_DIAG_BAR_BAD_SIZE, VDPU_BAR_COMMON_OFF + VDPU_COMMON_MSIX);
    aim(T, 0, VDPU_BAR_ISR_OFF, 1);
    cfg_wr(T, WIN_DATA, 1, 1);
    expect_diag(T, VDPU_DIAG_BAR_RO_WRITE, VDPU_BAR_ISR_OFF);
}

ENGINE_TEST(window, invalid_window)
{
    aim(T, 1, 0, 4); /* BAR1 does not exist */
    cr_assert_eq(cfg_rd(T, WIN_DATA, 4), 0);
    expect_diag(T, VDPU_DIAG_CFG_WINDOW_BAD, WIN_DATA);
    aim(T, 0, 0, 3); /* length not 1/2/4 */
    cr_assert_eq(cfg_rd(T, WIN_DATA, 4), 0);
    expect_diag(T, VDPU_DIAG_CFG_WINDOW_BAD, WIN_DATA);
    aim(T, 0, 2, 4); /* misaligned */
    cfg_wr(T, WIN_DATA, 4, 1);
    expect_diag(T, VDPU_DIAG_CFG_WINDOW_BAD, WIN_DATA);
    aim(T, 0, VDPU_BAR_COMMON_OFF + VDPU_COMMON_NUMQ, 2);
    cr_assert_eq(cfg_rd(T, WIN_DATA + 2, 2), 0, "data must be accessed at its start");
    expect_diag(T, VDPU_DIAG_CFG_WINDOW_BAD, WIN_DATA + 2);
    cr_assert_eq(cfg_rd(T, WIN_BAR, 1), 0);
    cr_assert_eq(cfg_rd(T, WIN_OFF, 4), VDPU_BAR_COMMON_OFF + VDPU_COMMON_NUMQ, "window fields read back");
    cr_assert_eq(cfg_rd(T, WIN_LEN, 4), 2);
}
