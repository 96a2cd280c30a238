// vdpu_qeng_sched.sv - the queue engine's scheduler inputs: which queue a pick in IDLE would take.
//
// Combinational, from pre-edge state (docs/queue-engine.md "Scheduler"): the steered receiveq
// (vdpu_rx_steer) when a frame waits and that queue is enabled and not stopped; else, round robin, the
// lowest ready (kicked, enabled, not stopped) transmit queue (odd, not the control queue) after the one
// picked last, else the lowest ready one. Also whether a transmit queue other than the one in service
// is ready (a TX service yields to it, "Fairness"), and the NOTIFICATION_DATA "ahead" of both
// candidates, which caps a packed buffer-start read at the pick. The C model is model/qeng_sched.c.
`include "vdpu_pkg.svh"

module vdpu_qeng_sched
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  qctx_t [NUM_QUEUES-1:0] qctx_i,
  input  logic [15:0]            ctrlq_i,
  input  logic [NUM_QUEUES-1:0]  qerr_i,
  input  logic                   rx_full_i,
  input  logic [QIDX_W-1:0]      rx_q_i,           // the waiting frame's receiveq (vdpu_rx_steer)
  input  logic                   nd_en_i,          // ENG_CTRL: NOTIFICATION_DATA
  input  logic                   packed_i,         // ENG_CTRL: packed layout
  input  logic [QIDX_W-1:0]      tx_last_i,        // the transmit queue picked last
  input  logic [QIDX_W-1:0]      cur_q_i,          // the queue in service
  output logic                   rx_go_o,
  output logic                   tx_any_o,
  output logic [QIDX_W-1:0]      tx_pick_o,
  output logic                   tx_other_o,       // a ready transmit queue other than cur_q_i
  output logic [17:0]            pick_ahead_rx_o,
  output logic [17:0]            pick_ahead_tx_o
);

  assign rx_go_o = rx_full_i && (qctx_i[rx_q_i].enable != '0) && !qerr_i[rx_q_i];

  logic [NUM_QUEUES-1:0] tx_ready;

  always_comb begin
    for (int q = 0; q < NUM_QUEUES; q++) begin
      tx_ready[q] = q % 2 == 1 && 16'(q) != ctrlq_i && qctx_i[q].kick && qctx_i[q].enable != '0 && !qerr_i[q];
    end
  end

  always_comb begin
    tx_any_o   = 1'b0;
    tx_pick_o  = '0;
    tx_other_o = 1'b0;
    for (int q = NUM_QUEUES - 1; q >= 0; q--) begin
      if (tx_ready[q]) begin
        tx_any_o  = 1'b1;
        tx_pick_o = QIDX_W'(q);  // the lowest ready one
      end
      if (tx_ready[q] && QIDX_W'(q) != cur_q_i) tx_other_o = 1'b1;
    end
    for (int q = NUM_QUEUES - 1; q >= 0; q--) begin
      if (tx_ready[q] && QIDX_W'(q) > tx_last_i) tx_pick_o = QIDX_W'(q);  // the lowest after the last pick
    end
  end

  assign pick_ahead_rx_o = nd_ahead(nd_en_i, packed_i, qctx_i[rx_q_i].size, qctx_i[rx_q_i].last_avail,
                                    qctx_i[rx_q_i].avail_wrap, qctx_i[rx_q_i].nd, qctx_i[rx_q_i].nd_valid);
  assign pick_ahead_tx_o = nd_ahead(nd_en_i, packed_i, qctx_i[tx_pick_o].size, qctx_i[tx_pick_o].last_avail,
                                    qctx_i[tx_pick_o].avail_wrap, qctx_i[tx_pick_o].nd, qctx_i[tx_pick_o].nd_valid);

endmodule
