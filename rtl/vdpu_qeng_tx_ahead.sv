// vdpu_qeng_tx_ahead.sv - the queue engine's TX fetch descriptor reads ahead: the read ahead and the reads beyond the next fetch.
//
// docs/queue-engine.md "TX fetch" and "The read beyond the next fetch". A PAY phase whose fetch takes the
// whole prefetch cache reads the next P descriptors first (the read ahead, xa: PAY's own read, counted in
// its reads outstanding, its beats taken in PAY), then the blocks after them (the reads beyond, xb[],
// TX_BEYOND_READS, beside the engine: their beats are taken at whatever state the engine is in, hidden
// from the states). The read ahead in becomes the cache where the service would read the descriptors;
// the next PAY phase without a read ahead takes xb[0] as its own, in or on the way, and the rest move up.
// This block holds those reads and takes their beats; the engine decides when one goes out, where the
// read ahead is taken and where a phase starts. The descriptors they bring are vdpu_qeng_ahead_bufs'
// (pcx, pcy, pcz, which the RX run-ahead reads fill too): `fill_o` says which buffer this edge's beat
// goes into and where. The RX counterpart is vdpu_qeng_rx_ahead; the C model is
// model/qeng_tx_ahead.c (qeng_xa_issue, qeng_xb_issue, qeng_xa_take, qeng_xb_move_up, qeng_xa_beat,
// qeng_xb_tap, qeng_xb_forget).
`include "vdpu_pkg.svh"

module vdpu_qeng_tx_ahead
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
#(
  parameter int unsigned TagW = QENG_TAG_W,
  parameter int unsigned XbN  = TX_BEYOND_READS,
  parameter int unsigned XbW  = (XbN > 1) ? $clog2(XbN) : 1,
  parameter int unsigned BufW = $clog2(XbN + 1)  // a buffer of vdpu_qeng_ahead_bufs
) (
  input  logic               clk_i,
  input  logic               rst_ni,

  // the engine's updates at this edge (each belongs to one state), then a reset's
  input  logic               none_i,      // a pick: no read ahead, no read beyond
  input  logic               issue_xa_i,  // the read ahead goes out (tag_i, n_i)
  input  logic               issue_xb_i,  // ... a read beyond, xb[xb_idx_i]
  input  logic [XbW-1:0]     xb_idx_i,
  input  logic [3:0]         n_i,
  input  logic [TagW-1:0]    tag_i,       // the next read's tag (a read going out takes it)
  input  logic               take_i,      // the read ahead, in, becomes the cache
  input  logic               move_i,      // a PAY phase starts without a read ahead and xb[0] is out or in
                                          // (move_o): xb[0] becomes its read ahead, the rest move up
  input  logic               xa_beat_i,   // PAY takes this edge's beat as the read ahead's (xa_hit_o, PAY
                                          // taking beats)
  input  logic               forget_i,    // DEV_RESET or a completion timeout: the reads beyond forgotten

  // a completion beat (any tag: tags are unique among the reads in flight, tag_held_o and the other
  // readers' keep them so)
  input  logic               cpl_valid_i,
  input  dmacpl_t            cpl_i,
  input  logic [5:0]         cpl_nb_i,    // the beat's bytes (32 at most)

  // the beat is a read beyond's (hidden from the engine's states)
  output logic               hit_o,
  // ... it is the read ahead's tag while that read is in flight; it fails (an error status, poisoned, more
  // bytes than asked: nothing of it stored); it is its last and brings fewer bytes than asked
  output logic               xa_hit_o,
  output logic               xa_bad_o,
  output logic               xa_short_o,
  // the beat goes into buffer fill_buf_o (0: pcx, the read ahead's; i + 1: xb[i]'s - pcy, then pcz) at
  // byte fill_off_o; a read beyond ended failed (its report owed)
  output logic               fill_o,
  output logic [BufW-1:0]    fill_buf_o,
  output logic [7:0]         fill_off_o,
  output logic               owed_o,

  // the reads, pre-edge
  output x_ahead_e           xa_st_o,
  output logic [3:0]         xa_n_o,
  output x_ahead_e [XbN-1:0] xb_st_o,
  output logic [XbN-1:0][3:0] xb_n_o,
  // a PAY phase starting now would take xb[0] (the read ahead none, xb[0] out or in after this edge's
  // beat): it is still in flight (the phase waits for it); it failed (the phase fails)
  output logic               move_o,
  output logic               move_read_o,
  output logic               move_bad_o,
  output logic               pend_o,      // a read beyond in flight
  output logic               tag_held_o   // ... one holds tag_i
);

  typedef struct packed {
    x_ahead_t           xa;
    x_read_t [XbN-1:0]  xb;
  } txa_t;

  txa_t q, d;  // reset: all 0 - no read ahead, no read beyond (XaNone is 0)

  // the beat's read beyond (tags are unique among reads in flight)
  logic [XbN-1:0] xb_hit;
  always_comb begin
    for (int i = 0; i < int'(XbN); i++)
      xb_hit[i] = cpl_valid_i && (q.xb[i].st == XaRead) && (cpl_i.tag == 8'(q.xb[i].tag));
  end
  assign hit_o = xb_hit != '0;

  // the read ahead's beat (taken by PAY: the engine's xa_beat_i) - checked against what is left of it
  assign xa_hit_o   = cpl_valid_i && (q.xa.st == XaRead) && (cpl_i.tag == 8'(q.xa.tag));
  assign xa_bad_o   = (cpl_i.status != CPL_SC) || cpl_i.poison || (32'(cpl_i.len) > 32'({q.xa.n, 4'b0}) - 32'(q.xa.got));
  assign xa_short_o = rd_beat_short(q.xa.n, q.xa.got, cpl_nb_i);

  // one completion beat of read beyond r (the model's qeng_xb_tap): appended unless the read failed; at
  // its last beat in (bad when short)
  function automatic x_read_t xb_beat(x_read_t r);
    x_read_t n;
    n     = r;
    n.bad = rd_beat_bad(r.bad, r.n, r.got, cpl_i.status, cpl_i.poison, cpl_i.len);
    if (!n.bad) n.got = r.got + 8'(cpl_nb_i);
    if (cpl_i.last) begin
      n.bad = n.bad || rd_beat_short(r.n, r.got, cpl_nb_i);
      n.st  = XaIn;
    end
    return n;
  endfunction

  // The beat (apart from the next state below: the engine's move reads it): the read beyond after it
  // (tap, tap_i), where its bytes go, whether it ended a read beyond failed
  x_read_t        tap;
  logic [XbW-1:0] tap_i;
  always_comb begin
    tap        = q.xb[0];
    tap_i      = '0;
    fill_o     = 1'b0;
    fill_buf_o = '0;
    fill_off_o = '0;
    owed_o     = 1'b0;
    for (int i = 0; i < int'(XbN); i++) begin
      if (xb_hit[i]) begin
        tap        = xb_beat(q.xb[i]);
        tap_i      = XbW'(i);
        fill_o     = !rd_beat_bad(q.xb[i].bad, q.xb[i].n, q.xb[i].got, cpl_i.status, cpl_i.poison, cpl_i.len);
        fill_buf_o = BufW'(i + 1);
        fill_off_o = q.xb[i].got;
        owed_o     = cpl_i.last && tap.bad;  // until a PAY phase takes it as its read ahead
      end
    end
    if (xa_beat_i && !xa_bad_o) begin  // the read ahead's beats fill pcx
      fill_o     = 1'b1;
      fill_off_o = q.xa.got;
    end
  end

  // xb[0] after this edge's beat: what a PAY phase starting now takes
  x_ahead_e xb0_st;
  assign xb0_st      = xb_hit[0] ? tap.st : q.xb[0].st;
  assign move_o      = (q.xa.st == XaNone) && (xb0_st != XaNone);
  assign move_read_o = xb0_st == XaRead;
  assign move_bad_o  = xb_hit[0] ? tap.bad : q.xb[0].bad;

  always_comb begin
    d = q;
    if (hit_o) d.xb[tap_i] = tap;
    if (xa_beat_i && !xa_bad_o) begin
      d.xa.got = q.xa.got + 8'(cpl_nb_i);
      if (cpl_i.last) d.xa.st = XaIn;
    end

    // the engine's updates, on the reads after this edge's beat
    if (take_i) d.xa.st = XaNone;  // the model's qeng_xa_take
    if (issue_xa_i) d.xa = '{st: XaRead, n: n_i, tag: tag_i, got: '0};
    if (issue_xb_i) d.xb[xb_idx_i] = '{st: XaRead, n: n_i, tag: tag_i, got: '0, bad: 1'b0};
    if (move_i) begin  // the model's qeng_xb_move_up
      d.xa.st  = d.xb[0].st;
      d.xa.n   = d.xb[0].n;
      d.xa.tag = d.xb[0].tag;
      d.xa.got = d.xb[0].got;
      for (int i = 1; i < int'(XbN); i++) d.xb[i-1] = d.xb[i];
      d.xb[XbN-1] = '0;
    end
    if (none_i) d.xa.st = XaNone;  // the pick (the reads beyond with forget_i's clear below)
    // a pick, a reset or a completion timeout: no read beyond (the model's qeng_xb_forget)
    if (none_i || forget_i) begin
      for (int i = 0; i < int'(XbN); i++) d.xb[i] = '0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      q <= '0;
    end else begin
      q <= d;
    end
  end

  // a read going out may not take a tag a read beyond in flight holds
  logic [XbN-1:0] xb_pend;
  always_comb begin
    tag_held_o = 1'b0;
    for (int i = 0; i < int'(XbN); i++) begin
      xb_pend[i] = q.xb[i].st == XaRead;
      if (xb_pend[i] && (tag_i == q.xb[i].tag)) tag_held_o = 1'b1;
    end
  end
  assign pend_o = xb_pend != '0;

  assign xa_st_o = q.xa.st;
  assign xa_n_o  = q.xa.n;
  always_comb begin
    for (int i = 0; i < int'(XbN); i++) begin
      xb_st_o[i] = q.xb[i].st;
      xb_n_o[i]  = q.xb[i].n;
    end
  end

  // (a beat's bytes go into the engine's buffers: the data is the engine's)
  logic unused_data;
  assign unused_data = ^cpl_i.data;

endmodule
