// vdpu_rx_steer.sv - multiqueue RX steering: the receiveq of the waiting frame, from a flow table that transmitted frames write.
//
// A frame the wire takes from transmitq k (k < MQ_PAIRS) writes pair k into the entry of its flow;
// the frame waiting in the RX buffer goes to receiveq 2k when its flow's entry names an active pair
// (receiveq 0 for an unknown flow or MQ_PAIRS = 1); when that receiveq is not enabled or stopped, to
// the lowest usable receiveq of an active pair (the spec's "re-select another queue"), else to
// receiveq 0 (dropped there). DEV_RESET and an MQ_PAIRS write empty the table, winning
// over a same-edge write; a TX frame in flight at a clear writes nothing. Firmware reads and writes
// entries (STEER_IDX / STEER_ENT: live migration); a clear or a TX frame's entry at the same edge wins
// over its write. docs/queue-engine.md, "Receive steering".
`include "vdpu_pkg.svh"

module vdpu_rx_steer
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  logic [15:0]            pairs_i,     // MQ_PAIRS (pre-edge)
  input  logic                   clr_i,       // DEV_RESET or an MQ_PAIRS write at this edge

  // the network port TX register (the engine's) and the queue the engine serves
  input  logic                   ntx_valid_i,
  input  logic                   ntx_ready_i,
  input  logic [255:0]           ntx_data_i,
  input  logic [31:0]            ntx_keep_i,
  input  logic                   ntx_last_i,
  input  logic [QIDX_W-1:0]      eng_q_i,

  // the network port RX
  input  logic                   nrx_valid_i,
  input  logic                   nrx_ready_i,
  input  logic [255:0]           nrx_data_i,
  input  logic [31:0]            nrx_keep_i,
  input  logic                   nrx_last_i,
  input  logic                   rx_fill_i,   // the RX frame buffer the arriving frame fills
  input  logic                   rx_head_i,   // the one of the waiting (oldest) frame

  // receiveqs that can take a frame
  input  logic [NUM_QUEUES-1:0]  q_en_i,      // Q_ENABLE != 0
  input  logic [NUM_QUEUES-1:0]  qerr_i,      // stopped by a violation
  output logic [QIDX_W-1:0]      rx_q_o,      // the waiting frame's receiveq
  output logic [STEER_ENTRIES-1:0] flows_o,   // MQ_FLOWS: entries in use

  // firmware's access to the table (STEER_IDX / STEER_ENT)
  input  logic [$clog2(STEER_ENTRIES)-1:0] fw_idx_i,
  input  logic                   fw_we_i,
  input  logic [7:0]             fw_wdata_i,
  output logic [7:0]             fw_ent_o
);

  localparam int unsigned IdxW = $clog2(STEER_ENTRIES);

  // ---- TX: which queue loaded the beat the ntx register holds -----------------------------------
  logic              ntx_acc;
  logic [QIDX_W-1:0] ntxq_q;   // the engine's queue at the last edge the register was free
  logic              tx_done, tx_mid;
  logic [IdxW-1:0]   tx_idx;
  logic              tx_skip_q, tx_skip_d;
  logic [6:0]        tx_pair;

  assign ntx_acc = ntx_valid_i && ntx_ready_i;
  assign tx_pair = 7'(ntxq_q[QIDX_W-1:1]);

  vdpu_flow_key u_tx_key (
    .clk_i,
    .rst_ni,
    .beat_i (ntx_acc),
    .data_i (ntx_data_i),
    .keep_i (ntx_keep_i),
    .last_i (ntx_last_i),
    .done_o (tx_done),
    .idx_o  (tx_idx),
    .mid_o  (tx_mid)
  );

  // ---- RX: the flow of the frame the device takes -----------------------------------------------
  logic            rx_done, rx_mid_unused;
  logic [IdxW-1:0] rx_idx;
  logic [RX_FRAME_BUFS-1:0][IdxW-1:0] rx_idx_q;  // the flow of the frame in each RX frame buffer

  vdpu_flow_key u_rx_key (
    .clk_i,
    .rst_ni,
    .beat_i (nrx_valid_i && nrx_ready_i),
    .data_i (nrx_data_i),
    .keep_i (nrx_keep_i),
    .last_i (nrx_last_i),
    .done_o (rx_done),
    .idx_o  (rx_idx),
    .mid_o  (rx_mid_unused)
  );

  // ---- flow table: [7] valid, [6:0] queue pair ----------------------------------------------------
  logic [STEER_ENTRIES-1:0][7:0] tbl_q, tbl_d;

  always_comb begin
    tbl_d     = tbl_q;
    tx_skip_d = tx_skip_q;
    if (clr_i) begin
      tbl_d     = '0;
      // a frame begun before the clear (in the register or between its beats) writes nothing
      tx_skip_d = (ntx_valid_i || tx_mid) && !(ntx_acc && ntx_last_i);
    end else begin
      if (fw_we_i) tbl_d[fw_idx_i] = fw_wdata_i;
      if (tx_done && !tx_skip_q && ntxq_q[0] && 16'(tx_pair) < pairs_i) tbl_d[tx_idx] = {1'b1, tx_pair};
      if (ntx_acc && ntx_last_i) tx_skip_d = 1'b0;
    end
  end

  // ---- the waiting frame's receiveq (pre-edge) ----------------------------------------------------
  logic [7:0] ent;
  logic [6:0] pair;
  logic [7:0] rq;
  logic       rq_ok;
  logic [QIDX_W-1:0] alt;  // the lowest usable receiveq of an active pair (0 if none)

  always_comb begin
    ent  = tbl_q[rx_idx_q[rx_head_i]];
    pair = ent[7] ? ent[6:0] : '0;
    if (16'(pair) >= pairs_i) pair = '0;
    rq = {pair, 1'b0};
    rq_ok = 1'b0;
    if (rq < 8'(NUM_QUEUES)) rq_ok = q_en_i[rq[QIDX_W-1:0]] && !qerr_i[rq[QIDX_W-1:0]];
    alt = '0;
    for (int p = NUM_QUEUES / 2 - 1; p >= 0; p--)
      if (16'(p) < pairs_i && q_en_i[2 * p] && !qerr_i[2 * p]) alt = QIDX_W'(2 * p);
    // destination not usable (being reset, or stopped): re-select another receiveq; none usable:
    // receiveq 0, where the scheduler drops the frame
    rx_q_o = rq_ok ? rq[QIDX_W-1:0] : alt;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tbl_q     <= '0;
      tx_skip_q <= 1'b0;
      ntxq_q    <= '0;
      rx_idx_q  <= '0;
    end else begin
      tbl_q     <= tbl_d;
      tx_skip_q <= tx_skip_d;
      if (!ntx_valid_i || ntx_ready_i) ntxq_q <= eng_q_i;  // a beat loaded now is this queue's
      if (rx_done) rx_idx_q[rx_fill_i] <= rx_idx;
    end
  end

  assign fw_ent_o = tbl_q[fw_idx_i];

  for (genvar i = 0; i < STEER_ENTRIES; i++) begin : gen_flows
    assign flows_o[i] = tbl_q[i][7];
  end

  logic unused_rx_mid;
  assign unused_rx_mid = rx_mid_unused;  // RX needs no clear rule: its key only names a table entry

endmodule
