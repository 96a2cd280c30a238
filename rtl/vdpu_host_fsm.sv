// vdpu_host_fsm.sv - host completer: IDLE/HOLD state, completion register, held accesses, diag port and counters.
`include "vdpu_pkg.svh"

module vdpu_host_fsm
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic        clk_i,
  input  logic        rst_ni,

  // host request channel
  input  logic        hreq_valid_i,
  output logic        hreq_ready_o,
  input  acc_req_t    hreq_i,

  // completion channel
  output logic        hcpl_valid_o,
  input  logic        hcpl_ready_i,
  output logic [7:0]  hcpl_tag_o,
  output logic [1:0]  hcpl_status_o,
  output logic [3:0]  hcpl_size_o,
  output logic [63:0] hcpl_data_o,

  // access handed to the decode blocks this cycle, their answer, and whether its effects apply
  output logic        acc_valid_o,
  output acc_req_t    acc_req_o,
  input  acc_rsp_t    acc_rsp_i,
  output logic        acc_commit_o,

  // held-access control
  input  logic        ev_empty_i,       // event FIFO empty before the edge
  input  logic        ev_full_i,        // event FIFO full before the edge
  input  logic        cfg_update_i,     // CONFIG_UPDATE[0] before the edge: config_generation reads wait
  input  logic [31:0] hold_timeout_i,   // HOLD_TIMEOUT CSR
  input  logic [31:0] warp_i,           // idle skipping: extra cycles this edge stands for
  output logic        held_o,           // HOLD_STATUS[0]
  output logic        hold_wait_o,      // held and only counting at the next edge (idle contract)
  output logic [31:0] hold_wake_o,      // held: edges before the timeout fires (0: it fires now)
  output logic [15:0] timeouts_o,       // HOLD_STATUS[31:16]

  // diag port and its CSRs
  output logic        diag_valid_o,
  output logic [7:0]  diag_code_o,
  output logic [63:0] diag_addr_o,
  output logic [31:0] diag_count_o,
  output logic [31:0] diag_last_o
);

  typedef enum logic {
    StIdle,
    StHold
  } state_e;

  state_e      state_q, state_d;
  acc_req_t    hold_req_q, hold_req_d;
  logic [31:0] hold_cnt_q, hold_cnt_d;
  logic [15:0] timeouts_q, timeouts_d;
  logic        hcpl_valid_q, hcpl_valid_d;
  hcpl_t       hcpl_q, hcpl_d;
  logic        diag_valid_q, diag_valid_d;
  logic [7:0]  diag_code_q, diag_code_d;
  logic [63:0] diag_addr_q, diag_addr_d;
  logic [31:0] diag_count_q, diag_count_d;
  logic [31:0] diag_last_q, diag_last_d;

  logic accept, is_read, blocked, complete, to_hold, timeout;

  assign hreq_ready_o = (state_q == StIdle) && !hcpl_valid_q;
  assign accept       = hreq_valid_i && hreq_ready_o;

  // In HOLD the saved request is re-evaluated every cycle so it completes against pre-edge state.
  assign acc_valid_o  = accept || (state_q == StHold);
  assign acc_req_o    = (state_q == StHold) ? hold_req_q : hreq_i;
  assign is_read      = (acc_req_o.kind == HL_CFG_RD || acc_req_o.kind == HL_MEM_RD);

  // A held read waits while the firmware still has events to process (policy fields) or is changing
  // device cfg (config_generation). A write that pushes an event waits while the FIFO is full: posted
  // writes are backpressured, never silently dropped.
  assign blocked      = is_read ? ((acc_rsp_i.held && !ev_empty_i) || (acc_rsp_i.held_gen && cfg_update_i))
                                : (acc_rsp_i.ev_req && ev_full_i);
  assign to_hold      = accept && blocked;
  assign complete     = (accept && !blocked) ||
                        (state_q == StHold && (!blocked || hold_cnt_q >= hold_timeout_i));
  assign acc_commit_o = complete;

  // Completing in HOLD while still blocked means the timeout fired.
  assign timeout = (state_q == StHold) && blocked && complete;

  always_comb begin
    state_d      = state_q;
    hold_req_d   = hold_req_q;
    hold_cnt_d   = hold_cnt_q;
    timeouts_d   = timeouts_q;
    hcpl_valid_d = hcpl_valid_q;
    hcpl_d       = hcpl_q;
    diag_valid_d = 1'b0;
    diag_code_d  = diag_code_q;
    diag_addr_d  = diag_addr_q;
    diag_count_d = diag_count_q;
    diag_last_d  = diag_last_q;

    if (hcpl_valid_q && hcpl_ready_i) hcpl_valid_d = 1'b0;

    if (to_hold) begin
      state_d    = StHold;
      hold_req_d = hreq_i;
      hold_cnt_d = '0;
    end else if (state_q == StHold && !complete) begin
      hold_cnt_d = hold_cnt_q + 32'd1 + warp_i; // an edge that stands for 1 + warp cycles
    end

    if (complete) begin
      state_d = StIdle;
      // MEM_WR is posted; everything else gets a completion (write completions carry no data).
      if (acc_req_o.kind != HL_MEM_WR) begin
        hcpl_valid_d = 1'b1;
        hcpl_d = '{tag: acc_req_o.tag, status: acc_rsp_i.status, size: acc_req_o.size,
                   data: is_read ? acc_rsp_i.rdata : '0};
      end
      if (timeout && timeouts_q != 16'hFFFF) timeouts_d = timeouts_q + 16'd1;
      // A timed-out write is committed against the full FIFO, so the decode itself reports the
      // dropped event (EVQ_OVERFLOW); a held read has no diag of its own.
      if (timeout && is_read) begin
        diag_valid_d = 1'b1;
        diag_code_d  = DIAG_HELD_TIMEOUT;
        diag_addr_d  = acc_rsp_i.held_addr;
      end else if (acc_rsp_i.diag_valid) begin
        diag_valid_d = 1'b1;
        diag_code_d  = acc_rsp_i.diag_code;
        diag_addr_d  = acc_rsp_i.diag_addr;
      end
    end

    if (diag_valid_d) begin
      diag_count_d = diag_count_q + 32'd1;
      diag_last_d  = {diag_addr_d[15:0], 8'h00, diag_code_d};
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q      <= StIdle;
      hold_req_q   <= '0;
      hold_cnt_q   <= '0;
      timeouts_q   <= CSR_HOLD_STATUS_RST[31:16];
      hcpl_valid_q <= 1'b0;
      hcpl_q       <= '0;
      diag_valid_q <= 1'b0;
      diag_code_q  <= '0;
      diag_addr_q  <= '0;
      diag_count_q <= CSR_DIAG_COUNT_RST;
      diag_last_q  <= CSR_DIAG_LAST_RST;
    end else begin
      state_q      <= state_d;
      hold_req_q   <= hold_req_d;
      hold_cnt_q   <= hold_cnt_d;
      timeouts_q   <= timeouts_d;
      hcpl_valid_q <= hcpl_valid_d;
      hcpl_q       <= hcpl_d;
      diag_valid_q <= diag_valid_d;
      diag_code_q  <= diag_code_d;
      diag_addr_q  <= diag_addr_d;
      diag_count_q <= diag_count_d;
      diag_last_q  <= diag_last_d;
    end
  end

  assign hcpl_valid_o  = hcpl_valid_q;
  assign hcpl_tag_o    = hcpl_q.tag;
  assign hcpl_status_o = hcpl_q.status;
  assign hcpl_size_o   = hcpl_q.size;
  assign hcpl_data_o   = hcpl_q.data;

  assign held_o        = (state_q == StHold);
  assign hold_wait_o   = (state_q == StHold) && blocked && (hold_cnt_q < hold_timeout_i);
  assign hold_wake_o   = (hold_cnt_q < hold_timeout_i) ? hold_timeout_i - hold_cnt_q : '0;
  assign timeouts_o    = timeouts_q;

  assign diag_valid_o  = diag_valid_q;
  assign diag_code_o   = diag_code_q;
  assign diag_addr_o   = diag_addr_q;
  assign diag_count_o  = diag_count_q;
  assign diag_last_o   = diag_last_q;

  // Functional cover points (make coverage): a held read the firmware answers, one that times out,
  // a posted write backpressured by a full event FIFO.
  cover property (@(posedge clk_i) (state_q == StHold) && is_read && complete && !timeout);
  cover property (@(posedge clk_i) timeout && is_read);
  cover property (@(posedge clk_i) to_hold && !is_read);

endmodule
