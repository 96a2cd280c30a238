// rtl_shim.cpp - the RTL engine: wraps the Verilated vdpu_top behind the C device interface (vdpu_dev.h).
//
// The only C++ in the project; the C side reaches it through vdpu_rtl_create() (extern "C").
// Each instance owns its VerilatedContext, so several devices can live in one process.
// Compiled twice: against the untraced model (fast: no signal-activity bookkeeping at all) and,
// with SHIM_TRACE, against the model Verilated with --trace-fst (class Vvdpu_top_tr), used only
// when a wave is asked for.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#if VM_COVERAGE
#include <cstdio>
#include <unistd.h>
#include "verilated_cov.h"
#endif

#include <vector>

#include "verilated.h"
#if SHIM_TRACE
#include "Vvdpu_top_tr.h"
#include "Vvdpu_top_tr___024root.h"
#include "verilated_fst_c.h"
#define VTOP Vvdpu_top_tr
#define SHIM_CREATE vdpu_rtl_create_traced
#else
#include "Vvdpu_top.h"
#include "Vvdpu_top___024root.h"
#include "verilated_save.h"
#define VTOP Vvdpu_top
#define SHIM_CREATE vdpu_rtl_create_fast
#endif

extern "C" {
#include "vdpu_dev.h"
vdpu_dev_t *vdpu_rtl_create_fast(const struct vdpu_rtl_opts *opts);
vdpu_dev_t *vdpu_rtl_create_traced(const struct vdpu_rtl_opts *opts);
}

#include "vdpu_shim_ports.inc"

namespace {

constexpr int kResetCycles = 4;  // rst_ni held low for this many clock edges in create
constexpr uint64_t kHalfPeriod = 5; // wave time units per clock phase

struct rtl_dev {
    struct vdpu_dev base; // must stay first: the C side sees a vdpu_dev_t *
    VerilatedContext *ctx;
    VTOP *top;
#if SHIM_TRACE
    VerilatedFstC *fst;   // the wave file
    uint64_t wave_from;
    uint64_t wave_to;     // 0: no end
#endif
};

rtl_dev *as_rtl(vdpu_dev_t *d) { return reinterpret_cast<rtl_dev *>(d); }

#if SHIM_TRACE
bool wave_on(const rtl_dev *r)
{
    uint64_t c = r->base.cycle;
    return r->fst && c >= r->wave_from && (r->wave_to == 0 || c < r->wave_to);
}
#else
constexpr bool wave_on(const rtl_dev *) { return false; }
#endif

// One full clock period: low with the new inputs, then the rising edge. Inputs must be driven
// already. The clock stays high until the next period: the design has no negedge logic and every
// output is a register, so evaluating the falling edge separately would only repeat the
// input-dependent combinational logic (the bulk of a cycle's cost).
void clock(rtl_dev *r, bool dump)
{
    // One eval per cycle. Verilator evaluates every input-dependent combinational block once per
    // eval() call, so the clock-low eval of the two-phase scheme below costs as much as the edge.
    // The clock stays high; the model is told its previous level was low, so this eval sees the
    // rising edge with the new inputs settled first (Verilator's order: ico, then the clocked
    // regions). __Vtrigrprev__TOP__clk_i is Verilator 5's edge-detect state (a compile error, not
    // a silent change, if a version renames it). The traced build takes this path too outside the
    // wave window (a late --wave-from costs the traced model's eval only, not two), and the two
    // phases inside it, so waves show a toggling clock.
    if (!dump) {
        r->top->clk_i = 1;
        r->top->rootp->__Vtrigrprev__TOP__clk_i = 0;
        r->top->eval();
        return;
    }
#if SHIM_TRACE
    uint64_t t = 2 * kHalfPeriod * r->base.cycle;
    r->top->clk_i = 0;
    r->top->eval();
    r->fst->dump(t);
    r->top->clk_i = 1;
    r->top->eval();
    r->fst->dump(t + kHalfPeriod);
#endif
}

void rtl_eval(vdpu_dev_t *d, vdpu_out_t *out)
{
    // Every output is a register (or a function of registers), so no eval is needed here.
    shim_sample(as_rtl(d)->top, out);
}

void rtl_tick(vdpu_dev_t *d, const vdpu_in_t *in)
{
    rtl_dev *r = as_rtl(d);
    shim_drive(r->top, in);
    clock(r, wave_on(r));
}

// Idle skipping: with timers running, one edge with warp_i stands for the n cycles.
void rtl_skip(vdpu_dev_t *d, uint64_t, const vdpu_in_t *timers)
{
    if (timers) rtl_tick(d, timers);
}

#if VM_COVERAGE
// `make coverage`: every instance writes its own counts (several live in one process, tests run in
// several processes) into $VDPU_COVERAGE_DIR, merged afterwards by verilator_coverage.
void write_coverage(rtl_dev *r)
{
    static unsigned n;
    const char *dir = getenv("VDPU_COVERAGE_DIR");
    if (!dir) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/rtl-%ld-%u.dat", dir, (long)getpid(), n++);
    r->ctx->coveragep()->write(path);
}
#endif

void rtl_destroy(vdpu_dev_t *d)
{
    rtl_dev *r = as_rtl(d);
    r->top->final();
#if VM_COVERAGE
    write_coverage(r);
#endif
#if SHIM_TRACE
    if (r->fst) {
        r->fst->close();
        delete r->fst;
    }
#endif
    delete r->top;
    delete r->ctx;
    delete r;
}

#if !SHIM_TRACE && !VM_COVERAGE
// Checkpoints: Verilator's own save/restore streams (the model is --savable), into and out of memory
// instead of a file, so the design's state is one section of the checkpoint.
class MemSave final : public VerilatedSerialize {
public:
    std::vector<uint8_t> out;
    MemSave() { m_isOpen = true; }
    void flush() override
    {
        out.insert(out.end(), m_bufp, m_cp);
        m_cp = m_bufp;
    }
};

class MemRestore final : public VerilatedDeserialize {
    const uint8_t *src_;
    size_t left_;

public:
    MemRestore(const uint8_t *p, size_t n) : src_(p), left_(n)
    {
        m_isOpen = true;
        m_endp = m_bufp;
    }
    void fill() override
    {
        size_t have = static_cast<size_t>(m_endp - m_cp);
        std::memmove(m_bufp, m_cp, have);
        m_cp = m_bufp;
        m_endp = m_bufp + have;
        size_t k = bufferSize() - have < left_ ? bufferSize() - have : left_;
        std::memcpy(m_endp, src_, k);
        src_ += k;
        left_ -= k;
        m_endp += k;
    }
    size_t unread() const { return left_ + static_cast<size_t>(m_endp - m_cp); }
};

void rtl_save(vdpu_dev_t *d, const struct vdpu_ckpt_io *io)
{
    MemSave os;
    os << *as_rtl(d)->top;
    os.flush();
    io->put(io->ctx, "VRTL", os.out.data(), os.out.size());
}

int rtl_load(vdpu_dev_t *d, const struct vdpu_ckpt_io *io)
{
    size_t n;
    const void *p = io->get(io->ctx, "VRTL", &n);
    if (!p) return -1;
    MemRestore is(static_cast<const uint8_t *>(p), n);
    is >> *as_rtl(d)->top;
    return is.unread() == 0 ? 0 : -1; // the checkpoint's layout signature already matched this build
}

const struct vdpu_dev_ops rtl_ops = {rtl_eval, rtl_tick, rtl_destroy, nullptr, rtl_skip, rtl_save, rtl_load};
#else
// the traced model, and the coverage build's (Verilator cannot make a model both --coverage and
// --savable), are not --savable: such a run takes and restores no checkpoint
const struct vdpu_dev_ops rtl_ops = {rtl_eval, rtl_tick, rtl_destroy, nullptr, rtl_skip, nullptr, nullptr};
#endif

} // namespace

extern "C" vdpu_dev_t *SHIM_CREATE(const struct vdpu_rtl_opts *opts)
{
    rtl_dev *r = new (std::nothrow) rtl_dev();
    if (!r) return nullptr;
    r->base.ops = &rtl_ops;
    r->base.name = "rtl";
    r->base.cycle = 0;
    r->ctx = new VerilatedContext;
#if SHIM_TRACE
    r->ctx->traceEverOn(true);
    r->top = new VTOP{r->ctx, "TOP"};
    r->fst = new VerilatedFstC;
    r->top->trace(r->fst, 99);
    r->fst->open(opts->wave);
    r->wave_from = opts->wave_from;
    r->wave_to = opts->wave_to;
#else
    r->top = new VTOP{r->ctx, "TOP"};
#endif

    // Reset: all inputs idle, rst_ni low across a few edges, released with the clock low.
    vdpu_in_t idle;
    std::memset(&idle, 0, sizeof idle);
    shim_drive(r->top, &idle);
    r->top->rst_ni = 0;
    for (int i = 0; i < kResetCycles; i++) clock(r, false);
    r->top->clk_i = 0;
    r->top->rst_ni = 1;
    r->top->eval();
    return &r->base;
}

#if SHIM_TRACE
extern "C" int vdpu_rtl_wave_check(const char *path, char *err, size_t errlen)
{
    void *rd = fstReaderOpen(path);
    if (!rd) {
        std::snprintf(err, errlen, "wave file '%s' is not a readable FST: a write to it failed (full disk?)", path);
        return -1;
    }
    fstReaderClose(rd);
    return 0;
}

// The cycles a wave file covers: its first and last dump times in clock cycles
extern "C" int vdpu_rtl_wave_cycles(const char *path, uint64_t *first, uint64_t *last)
{
    void *rd = fstReaderOpen(path);
    if (!rd) return -1;
    *first = fstReaderGetStartTime(rd) / (2 * kHalfPeriod);
    *last = fstReaderGetEndTime(rd) / (2 * kHalfPeriod);
    fstReaderClose(rd);
    return 0;
}
#endif

#if !SHIM_TRACE
extern "C" size_t vdpu_rtl_state_bytes(void) { return sizeof(Vvdpu_top___024root); }

// The engine for vdpu_engine_create: the traced build only when a wave is written.
extern "C" vdpu_dev_t *vdpu_rtl_create(const struct vdpu_rtl_opts *opts)
{
    return opts && opts->wave ? vdpu_rtl_create_traced(opts) : vdpu_rtl_create_fast(opts);
}
#endif
