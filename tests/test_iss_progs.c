/* test_iss_progs.c - `vdpu iss` on the self-checking programs of tests/iss (built by make), plus its CLI errors. */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "mini_elf.h"

#define VDPU "./build/vdpu"
#define ISS_DIR "build/iss"

/* run a shell command, capture stdout+stderr, return the exit status */

static unsigned lines(const char *s)
{
    unsigned n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

Test(iss_progs, every_program_passes, .timeout = 120)
{
    glob_t g;
    cr_assert_eq(glob(ISS_DIR "/*.elf", 0, NULL, &g), 0, "no programs in " ISS_DIR " (run make test)");
    unsigned ran = 0;
    static char out[8192];
    for (size_t i = 0; i < g.gl_pathc; i++) {
        if (strstr(g.gl_pathv[i], "fail_test")) continue;
        char cmd[512];
        snprintf(cmd, sizeof cmd, VDPU " iss %s", g.gl_pathv[i]);
        int st = sh(cmd, out, sizeof out);
        cr_expect_eq(st, 0, "%s: exit %d: %s", g.gl_pathv[i], st, out);
        cr_expect(strstr(out, "PASS\n") && strstr(out, "instructions/s"), "%s: %s", g.gl_pathv[i], out);
        ran++;
    }
    globfree(&g);
    cr_assert_geq(ran, 9u, "only %u programs found", ran);
}

Test(iss_progs, failing_program_reports_its_test_number)
{
    static char out[4096];
    int st = sh(VDPU " iss " ISS_DIR "/fail_test.elf", out, sizeof out);
    cr_assert_eq(st, 1, "exit %d: %s", st, out);
    cr_assert(strstr(out, "FAIL: test 3"), "%s", out);
}

Test(iss_progs, trace_has_one_line_per_instruction)
{
    static char out[1 << 16];
    int st = sh(VDPU " iss " ISS_DIR "/rv32i_alu.elf --trace", out, sizeof out);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert(!strncmp(out, "[iss] cyc=0 pc=0x80000000 _start auipc t0, 0x0 rd=t0 <- 0x80000000\n", 66), "%.200s",
              out);
    cr_assert(strstr(out, " tests_begin+0x"), "symbolized pcs");
    /* retired count printed at the end equals the number of trace lines (no traps in this program) */
    const char *r = strstr(out, "iss: ");
    cr_assert_not_null(r);
    unsigned long n = strtoul(r + 5, NULL, 10);
    unsigned tl = 0;
    for (const char *p = out; (p = strstr(p, "[iss] ")); p++) tl++;
    cr_assert_eq(tl, n, "%u trace lines, %lu retired", tl, n);
}

Test(iss_progs, max_cycles_timeout)
{
    static char out[4096];
    int st = sh(VDPU " iss " ISS_DIR "/loop_bench.elf --max-cycles 1000", out, sizeof out);
    cr_assert_eq(st, 1, "%s", out);
    cr_assert(strstr(out, "timeout"), "%s", out);
    cr_assert(strstr(out, "in 1000 cycles"), "%s", out);
}

Test(iss_progs, bad_arguments_and_files_one_line_exit_2)
{
    uint8_t buf[1024];
    const uint32_t code[] = {0x0000006f};
    size_t n = mini_elf(buf, 0x80000000u, code, 1, NULL, 0);
    char notohost[64];
    mini_elf_write(notohost, sizeof notohost, buf, n);
    char cmd_notohost[128];
    snprintf(cmd_notohost, sizeof cmd_notohost, VDPU " iss %s", notohost);
    const char *const bad[] = {
        VDPU " iss",
        VDPU " iss a.elf b.elf",
        VDPU " iss --bogus x.elf",
        VDPU " iss x.elf --max-cycles",
        VDPU " iss x.elf --max-cycles lots",
        VDPU " iss /nonexistent.elf",
        VDPU " iss /bin/true",
        VDPU " iss /tmp",
        cmd_notohost,
    };
    static char out[4096];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int st = sh(bad[i], out, sizeof out);
        cr_expect_eq(st, 2, "'%s' exit %d, expected 2: %s", bad[i], st, out);
        cr_expect_eq(lines(out), 1, "'%s' must print one line, got: %s", bad[i], out);
    }
    unlink(notohost);
    cr_assert_eq(sh(VDPU " iss --help", out, sizeof out), 0);
    cr_assert(strstr(out, "--max-cycles") && strstr(out, "tohost"));
}
