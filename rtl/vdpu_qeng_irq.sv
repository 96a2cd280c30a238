// vdpu_qeng_irq.sv - the queue engine's interrupt decisions: event reads after used writes, decided beside the engine.
//
// TX with EVENT_IDX or packed: the read of used_event (split) or the driver event structure (packed)
// after a used write goes out and the engine goes on with the next buffer; the read's completion,
// whatever state the engine is in, decides the interrupt of that used write (docs/queue-engine.md
// "Interrupt decision"). This block holds the decisions pending - the newest (ev) and the ones before
// it moved aside (ep[], EV_PENDING in all) - and their snapshots, takes their completion beats (hidden
// from the engine's states), raises the interrupt, and tells the engine what it waits for: a used
// write waits while every decision is pending, the service ends where one failed, IDLE picks nothing
// while one is held, a read does not take a tag a decision's read holds. The C model is
// model/qeng_irq.c; the decision itself (event_irq) is vdpu_pkg's, which the engine's own event reads
// (RX, split without EVENT_IDX) use too.
`include "vdpu_pkg.svh"

module vdpu_qeng_irq
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
#(
  parameter int unsigned TagW = $clog2(QENG_TAGS)
) (
  input  logic            clk_i,
  input  logic            rst_ni,

  // the service (latched at the pick): layout, EVENT_IDX, its queue's size
  input  logic            pk_i,
  input  logic            evx_i,
  input  logic [15:0]     qsize_i,

  // the engine's updates: a decision's event read goes out (tag, the snapshot it decides on); the
  // service ends where a decision failed (the failed ones cleared); a DEV_RESET or a completion
  // timeout forgets every decision's read (its beats are unexpected from then on)
  input  logic            push_i,
  input  logic [TagW-1:0] push_tag_i,
  input  logic [15:0]     push_n_i,     // packed: the written descriptor's (batch's) ring slots
  input  logic [15:0]     push_o_i,     // split: the used idx before that batch
  input  logic [15:0]     push_nw_i,    // the used idx after it ...
  input  logic            push_wrap_i,  // ... and the used wrap counter then (packed)
  input  logic            unbad_i,
  input  logic            forget_i,

  // a completion beat (any tag)
  input  logic            cpl_valid_i,
  input  dmacpl_t         cpl_i,

  // the beat is a decision's (hidden from the engine's states); it failed (error status, poisoned, a
  // wrong length: the queue's QERR_DMA now); it raises the queue's interrupt
  output logic            hit_o,
  output logic            fail_o,
  output logic            irq_o,

  // the decisions, pre-edge (the model's qeng_ev_any / qeng_ev_all / qeng_ev_held / qeng_ev_of_tag):
  // one failed; one held (pending or failed); all pending (a used write waits for a free one); one
  // pending (its read in flight: the completion timeout counts); one's read holds the tag tag_i
  output logic            bad_o,
  output logic            held_o,
  output logic            full_o,
  output logic            reading_o,
  input  logic [TagW-1:0] tag_i,
  output logic            tag_held_o
);

  // A decision's state (the model's enum eng_ev)
  typedef enum logic [1:0] {
    EvNone,  // no decision pending
    EvRead,  // the event read is in flight: its completion decides (at any state)
    EvBad    // it completed with an error: QERR_DMA where the engine next waits for it
  } ev_st_e;

  // A decision: its event read and the snapshot it decides on (the model's struct eng_decision)
  typedef struct packed {
    ev_st_e          st;
    logic [TagW-1:0] tag;   // its read's tag
    logic [15:0]     n;     // packed: the written descriptor's (batch's) ring slots
    logic [15:0]     o;     // split: the used idx before that batch (ev_old then)
    logic [15:0]     nw;    // the used idx after it, and the used wrap counter then (packed)
    logic            wrap;
  } decision_t;

  // the newest decision (ev) and the ones moved aside (ep[]), EV_PENDING in all (the model's ev, ep[])
  localparam int unsigned EpN = EV_PENDING - 1;
  localparam int unsigned EpW = (EpN > 1) ? $clog2(EpN) : 1;  // an index into ep
  if (EV_PENDING < 2) begin : gen_pending_check
    $error("vdpu_qeng_irq: EV_PENDING must be 2 or more (the newest decision and one moved aside)");
  end

  typedef struct packed {
    decision_t           ev;
    decision_t [EpN-1:0] ep;
  } irq_t;
  irq_t irq_q, irq_d;

  function automatic irq_t irq_reset();
    irq_t r;
    r       = irq_t'(0);
    r.ev.st = EvNone;
    for (int i = 0; i < int'(EpN); i++) r.ep[i].st = EvNone;
    return r;
  endfunction
  localparam irq_t IrqReset = irq_reset();

  // ---- pre-edge summaries ------------------------------------------------------------------------
  always_comb begin : summaries
    bad_o      = irq_q.ev.st == EvBad;
    held_o     = irq_q.ev.st != EvNone;
    full_o     = irq_q.ev.st == EvRead;
    reading_o  = irq_q.ev.st == EvRead;
    tag_held_o = (irq_q.ev.st == EvRead) && (irq_q.ev.tag == tag_i);
    for (int i = 0; i < int'(EpN); i++) begin
      bad_o      = bad_o || (irq_q.ep[i].st == EvBad);
      held_o     = held_o || (irq_q.ep[i].st != EvNone);
      full_o     = full_o && (irq_q.ep[i].st == EvRead);
      reading_o  = reading_o || (irq_q.ep[i].st == EvRead);
      tag_held_o = tag_held_o || ((irq_q.ep[i].st == EvRead) && (irq_q.ep[i].tag == tag_i));
    end
  end

  // ---- the beat's decision: the newest, else the first moved aside with its tag (the model's
  // qeng_ev_of_tag) ---------------------------------------------------------------------------------
  logic           newest, ok;
  logic [EpN-1:0] ep_tag;
  logic [EpW-1:0] idx;
  logic [EpW-1:0] ep_free;  // where the newest moves aside at a push: the first ep free after this edge's
                            // beat, the last when none is (the used write before the read waited for one)
  decision_t      sel;
  logic           unused_sel;
  assign unused_sel = ^{sel.st, sel.tag};

  assign newest = (irq_q.ev.st == EvRead) && (cpl_i.tag == 8'(irq_q.ev.tag));
  always_comb begin : beat_select
    idx = '0;
    for (int i = int'(EpN) - 1; i >= 0; i--) begin  // the first in order
      ep_tag[i] = (irq_q.ep[i].st == EvRead) && (cpl_i.tag == 8'(irq_q.ep[i].tag));
      if (ep_tag[i]) idx = EpW'(i);
    end
    sel = newest ? irq_q.ev : irq_q.ep[idx];
    ep_free = EpW'(EpN - 1);
    for (int i = int'(EpN) - 2; i >= 0; i--)  // free after this edge's beat: none, or its read done now
      if ((irq_q.ep[i].st == EvNone) || (cpl_valid_i && ep_tag[i] && !newest && idx == EpW'(i) && ok))
        ep_free = EpW'(i);
  end
  assign hit_o  = cpl_valid_i && (newest || (ep_tag != '0));
  assign ok     = (cpl_i.status == CPL_SC) && !cpl_i.poison && cpl_i.last && (cpl_i.len == (pk_i ? 16'd4 : 16'd2));
  assign fail_o = hit_o && !ok;
  assign irq_o  = hit_o && ok && event_irq(cpl_i.data[31:0], pk_i, evx_i, sel.nw, sel.wrap, qsize_i, sel.n, sel.o);

  // ---- next state: the beat, then the engine's push or unbad, then a forget --------------------------
  always_comb begin : next_state
    irq_d = irq_q;
    // a completion decides at whatever state the engine is in (the used ring has not moved since: the
    // next used write waits for it); a failed one stays EvBad until the service ends
    if (hit_o) begin
      if (newest) irq_d.ev.st = ok ? EvNone : EvBad;
      else irq_d.ep[idx].st = ok ? EvNone : EvBad;
    end
    // failed decisions (they stopped their queue at their completion) cleared where the service ends
    if (unbad_i) begin
      if (irq_q.ev.st == EvBad) irq_d.ev.st = EvNone;
      for (int i = 0; i < int'(EpN); i++) if (irq_q.ep[i].st == EvBad) irq_d.ep[i].st = EvNone;
    end
    // a new decision: the one before it still pending moves aside - as this edge's beat left it (one
    // whose completion came now is done; soak seed 412044); the beat changes st only
    if (push_i) begin
      if (irq_d.ev.st != EvNone) irq_d.ep[ep_free] = irq_d.ev;
      irq_d.ev.st   = EvRead;
      irq_d.ev.tag  = push_tag_i;
      irq_d.ev.n    = push_n_i;
      irq_d.ev.o    = push_o_i;
      irq_d.ev.nw   = push_nw_i;
      irq_d.ev.wrap = push_wrap_i;
    end
    if (forget_i) begin
      irq_d.ev.st = EvNone;
      for (int i = 0; i < int'(EpN); i++) irq_d.ep[i].st = EvNone;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      irq_q <= IrqReset;
    end else begin
      irq_q <= irq_d;
    end
  end

endmodule
