// vdpu_qeng_rx_ahead.sv - the queue engine's RX run-ahead descriptor reads and split avail refresh, read beside the engine.
//
// docs/queue-engine.md "RX run-ahead" and "RX avail refresh". A receive service that caches descriptors
// reads the blocks after its cache beside the engine: the first run-ahead read (ra) becomes the cache
// where the service would read the descriptors itself, the ones after it (rb[], RX_AHEAD_READS - 1)
// move up one each time. A split receive service reads the avail flags and idx again beside the engine
// (av) before the buffers the last idx offered run out. This block holds those reads, takes their
// completion beats at whatever state the engine is in (hidden from the states), and tells the engine
// what they hold; the engine decides when one goes out and where one is taken or forgotten. The
// descriptors they bring are vdpu_qeng_ahead_bufs' (pcx, pcy, pcz, which a TX fetch's reads fill too):
// `fill_o` says which buffer this edge's beat goes into and where. The C model is model/qeng_rx_ahead.c
// (qeng_ra_issue, qeng_ra_take, qeng_ra_forget, qeng_ra_tap; qeng_av_issue, qeng_av_take, qeng_av_tap).
`include "vdpu_pkg.svh"

module vdpu_qeng_rx_ahead
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
#(
  parameter int unsigned TagW = QENG_TAG_W,
  parameter int unsigned RbN  = RX_AHEAD_READS - 1,
  parameter int unsigned RbW  = (RbN > 1) ? $clog2(RbN) : 1,
  parameter int unsigned BufW = $clog2(RbN + 1)  // a buffer of vdpu_qeng_ahead_bufs
) (
  input  logic               clk_i,
  input  logic               rst_ni,

  // the engine's updates at this edge (one at most: each belongs to one state), then a reset's
  input  logic               none_i,      // a pick: no read, no refresh, none taken yet
  input  logic               issue_ra_i,  // the first run-ahead read goes out (tag_i, n_i)
  input  logic               issue_rb_i,  // ... one after it, rb[rb_idx_i]
  input  logic [RbW-1:0]     rb_idx_i,
  input  logic [3:0]         n_i,
  input  logic [TagW-1:0]    tag_i,       // the next read's tag (a read going out takes it)
  input  logic               take_i,      // the refill takes the first (in, its first descriptor
                                          // available): each after it moves up, in or on the way
  input  logic               bad_i,       // ... finds the first failed: none; those after it not used
  input  logic               drop_i,      // the first is not wanted (stale, or the refill reads itself):
                                          // it and those after it not used
  input  logic               av_issue_i,  // the avail refresh goes out (tag_i)
  input  logic               av_done_i,   // RX_NEXT took it (in: its idx; bad: QERR_DMA)
  input  logic               forget_i,    // DEV_RESET or a completion timeout: every read forgotten
  input  logic               avail_new_i, // the avail idx changes at this edge: it may be refreshed again

  // a completion beat (any tag); ev_hit_i: it is an interrupt decision's (vdpu_qeng_irq)
  input  logic               cpl_valid_i,
  input  dmacpl_t            cpl_i,
  input  logic [5:0]         cpl_nb_i,    // the beat's bytes (32 at most)
  input  logic               ev_hit_i,

  // the beat is one of these reads' (hidden from the engine's states); it goes into buffer fill_buf_o
  // (0: pcx, the first's; i + 1: rb[i]'s) at byte fill_off_o; a read ended failed (its report owed)
  output logic               hit_o,
  output logic               fill_o,
  output logic [BufW-1:0]    fill_buf_o,
  output logic [7:0]         fill_off_o,
  output logic               owed_o,

  // the reads, pre-edge
  output ra_st_e             ra_st_o,     // the first: its state and descriptors
  output logic [3:0]         ra_n_o,
  output ra_st_e [RbN-1:0]   rb_st_o,     // those after it
  output logic [RbN-1:0][3:0] rb_n_o,
  output logic               ra_taken_o,  // a run-ahead read was taken as the cache: those after it may go out
  output ra_st_e             av_st_o,
  output logic [15:0]        av_idx_o,    // the avail idx the refresh brought
  output logic               av_no_int_o, // ... and its VRING_AVAIL_F_NO_INTERRUPT
  output logic               av_seen_o,   // a refresh went out since the avail idx last changed
  output logic               av_pend_o,   // the refresh in flight
  output logic               pend_o,      // any of them in flight
  output logic               tag_held_o   // one in flight holds tag_i
);

  typedef struct packed {
    ra_read_t           ra;
    ra_read_t [RbN-1:0] rb;
    logic               ra_taken;
    ra_read_t           av;
    logic [31:0]        av_data;
    logic               av_seen;
  } rxa_t;

  rxa_t q, d;  // reset: all 0 - no run-ahead read, no refresh (RaNone is 0)

  // in flight (dropped ones too: their completion is still taken)
  logic [RbN-1:0] rb_pend;
  logic           ra1_pend, av_pend;
  always_comb begin
    for (int i = 0; i < int'(RbN); i++) rb_pend[i] = (q.rb[i].st == RaRead) || (q.rb[i].st == RaDrop);
  end
  assign ra1_pend = (q.ra.st == RaRead) || (q.ra.st == RaDrop);
  assign av_pend  = q.av.st == RaRead;

  // the beat's read: a later one first (the last first, as the model searches), then the first, then
  // the refresh (not an interrupt decision's)
  logic [RbN-1:0] rb_hit;
  logic           ra_hit, av_hit;
  always_comb begin
    rb_hit = '0;
    for (int i = int'(RbN) - 1; i >= 0; i--)
      if (cpl_valid_i && rb_pend[i] && (cpl_i.tag == 8'(q.rb[i].tag)) && (rb_hit == '0)) rb_hit[i] = 1'b1;
  end
  assign ra_hit = cpl_valid_i && (rb_hit == '0) && ra1_pend && (cpl_i.tag == 8'(q.ra.tag));
  assign av_hit = cpl_valid_i && !ev_hit_i && !ra_hit && (rb_hit == '0) && av_pend && (cpl_i.tag == 8'(q.av.tag));
  assign hit_o  = ra_hit || (rb_hit != '0) || av_hit;

  // one beat of run-ahead read r (the model's ra_beat): appended unless the read failed; at its last beat
  // in, or bad (dropped: forgotten)
  function automatic ra_read_t ra_beat(ra_read_t r);
    ra_read_t n;
    n     = r;
    n.bad = rd_beat_bad(r.bad, r.n, r.got, cpl_i.status, cpl_i.poison, cpl_i.len);
    if (!n.bad) n.got = r.got + 8'(cpl_nb_i);
    if (cpl_i.last) n.st = ra_after_last(r.st, n.bad || rd_beat_short(r.n, r.got, cpl_nb_i));
    return n;
  endfunction

  // The completion beat (the model's qeng_ra_tap, qeng_av_tap): the read it is for after it (tap), where
  // its bytes go, whether it ended the read failed. Apart from the next state below: the engine's
  // updates depend on what the beat fills.
  ra_read_t tap;
  logic [31:0] tap_av_data;
  always_comb begin
    tap         = '0;
    tap.st      = RaNone;
    tap_av_data = q.av_data;
    fill_o      = 1'b0;
    fill_buf_o  = '0;
    fill_off_o  = '0;
    owed_o      = 1'b0;
    if (ra_hit) begin
      tap        = ra_beat(q.ra);
      fill_off_o = q.ra.got;
    end
    for (int i = 0; i < int'(RbN); i++) begin
      if (rb_hit[i]) begin
        tap        = ra_beat(q.rb[i]);
        fill_buf_o = BufW'(i + 1);
        fill_off_o = q.rb[i].got;
      end
    end
    if (ra_hit || rb_hit != '0) begin
      fill_o = !tap.bad;
      owed_o = cpl_i.last && (tap.bad || rd_beat_short(tap.n, fill_off_o, cpl_nb_i));  // dropped or not
    end
    if (av_hit) begin  // 4 bytes
      tap     = q.av;
      tap.bad = q.av.bad || (cpl_i.status != CPL_SC) || cpl_i.poison || (32'(cpl_i.len) > 32'd4 - 32'(q.av.got));
      if (!tap.bad) begin
        tap_av_data = q.av_data | ((cpl_i.data[31:0] & 32'(byte_mask(cpl_nb_i))) << {q.av.got[1:0], 3'b000});
        tap.got     = q.av.got + 8'(cpl_nb_i);
      end
      if (cpl_i.last) begin
        tap.st = (tap.bad || 32'(q.av.got) + 32'(cpl_nb_i) != 32'd4) ? RaBad : RaIn;
        owed_o = tap.st == RaBad;
      end
    end
  end

  always_comb begin
    d = q;
    if (ra_hit) d.ra = tap;
    for (int i = 0; i < int'(RbN); i++) if (rb_hit[i]) d.rb[i] = tap;
    if (av_hit) begin
      d.av      = tap;
      d.av_data = tap_av_data;
    end

    // the engine's updates, on the reads after this edge's beat
    if (none_i) begin  // the model's qeng_ra_none at the pick
      d.ra.st = RaNone;
      for (int i = 0; i < int'(RbN); i++) d.rb[i].st = RaNone;
      d.av.st    = RaNone;
      d.av_seen  = 1'b0;
      d.ra_taken = 1'b0;
    end
    if (take_i) begin  // the model's qeng_ra_take, in: the second becomes the first, ...
      d.ra_taken = 1'b1;
      d.ra       = d.rb[0];
      for (int i = 0; i < int'(RbN) - 1; i++) d.rb[i] = d.rb[i+1];
      d.rb[RbN-1].st = RaNone;
    end
    if (bad_i) begin  // ... failed: QERR_DMA in the engine, as the read it stands for would have
      d.ra.st = RaNone;
      for (int i = 0; i < int'(RbN); i++) d.rb[i].st = ra_unused(d.rb[i].st);
    end
    if (drop_i) begin  // the model's qeng_ra_forget: those after it follow the first's slots
      d.ra.st = ra_unused(d.ra.st);
      for (int i = 0; i < int'(RbN); i++) d.rb[i].st = ra_unused(d.rb[i].st);
    end
    if (issue_ra_i) d.ra = '{st: RaRead, tag: tag_i, n: n_i, default: '0};
    if (issue_rb_i) d.rb[rb_idx_i] = '{st: RaRead, tag: tag_i, n: n_i, default: '0};
    if (av_done_i) d.av.st = RaNone;
    if (av_issue_i) begin
      d.av      = '{st: RaRead, tag: tag_i, default: '0};
      d.av_data = '0;
      d.av_seen = 1'b1;
    end

    // a reset or a completion timeout (nothing in the engine acts after it)
    if (forget_i) begin
      d.ra.st = RaNone;
      d.av.st = RaNone;
      for (int i = 0; i < int'(RbN); i++) d.rb[i].st = RaNone;
    end
    if (avail_new_i) d.av_seen = 1'b0;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      q <= '0;
    end else begin
      q <= d;
    end
  end

  // a read going out may not take a tag one of these holds
  logic rb_tag_held;
  always_comb begin
    rb_tag_held = 1'b0;
    for (int i = 0; i < int'(RbN); i++) rb_tag_held = rb_tag_held || (rb_pend[i] && (tag_i == q.rb[i].tag));
  end
  assign tag_held_o = rb_tag_held || (ra1_pend && (tag_i == q.ra.tag)) || (av_pend && (tag_i == q.av.tag));

  assign ra_st_o    = q.ra.st;
  assign ra_n_o     = q.ra.n;
  always_comb begin
    for (int i = 0; i < int'(RbN); i++) begin
      rb_st_o[i] = q.rb[i].st;
      rb_n_o[i]  = q.rb[i].n;
    end
  end
  assign ra_taken_o = q.ra_taken;
  assign av_st_o    = q.av.st;
  assign av_idx_o    = q.av_data[31:16];
  assign av_no_int_o = q.av_data[0];
  assign av_seen_o  = q.av_seen;
  assign av_pend_o  = av_pend;
  assign pend_o     = ra1_pend || (rb_pend != '0) || av_pend;

  // (av's n is not used; of the avail flags only NO_INTERRUPT; of a beat 4 bytes at most)
  logic unused_av;
  assign unused_av = ^{q.av.n, q.av_data[15:1], cpl_i.data[255:32]};

endmodule
