// vdpu_irq_coal.sv - queue interrupt coalescing (ENG_COAL) between the queue engine and the CSR block.
//
// Off (ENG_COAL[31:8] cycles = 0): the engine's interrupt passes through in the same edge. On: per
// queue, an interrupt the engine raises is deferred; the deferred ones are raised together when
// ENG_COAL[7:0] of them have accumulated (0: no limit) or `cycles` edges after the first of them,
// whether or not the engine is still serving the queue, so none is ever lost. DEV_RESET drops the
// deferred ones (an engine interrupt at that edge passes through), and a queue that is not enabled
// drops its own. docs/queue-engine.md,
// "Interrupt coalescing"; the C model is model/irq_coal.c.
`include "vdpu_pkg.svh"

module vdpu_irq_coal
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic                  clk_i,
  input  logic                  rst_ni,

  input  logic [31:0]           coal_i,       // ENG_COAL (pre-edge)
  input  logic                  dev_reset_i,
  input  logic                  req_i,        // the engine raises ...
  input  logic [QIDX_W-1:0]     req_q_i,      // ... this queue's interrupt
  input  logic [NUM_QUEUES-1:0] q_en_i,       // queue enabled (pre-edge): a disabled one keeps nothing
  output logic [NUM_QUEUES-1:0] fire_o,       // queue interrupts raised at this edge
  input  logic [23:0]           warp_i,       // idle skipping: extra cycles this edge stands for (< wake_o)
  output logic                  wait_o,       // every deferred interrupt's timer only counts at the next edge
  output logic [31:0]           wake_o        // edges before the first timer fires (0xFFFFFFFF: none runs)
);

  logic [7:0]  frames;
  logic [23:0] cycles;

  assign frames = coal_i[ENG_COAL_FRAMES_LSB +: ENG_COAL_FRAMES_W];
  assign cycles = coal_i[ENG_COAL_CYCLES_LSB +: ENG_COAL_CYCLES_W];

  logic [NUM_QUEUES-1:0][7:0]  cnt_q, cnt_d;  // interrupts deferred
  logic [NUM_QUEUES-1:0][23:0] tmr_q, tmr_d;  // edges since the first of them

  always_comb begin
    logic       req, pend, fire;
    logic [8:0] cnt;
    for (int unsigned q = 0; q < NUM_QUEUES; q++) begin
      req  = req_i && (32'(req_q_i) == q);
      pend = (cnt_q[q] != '0);
      cnt  = 9'(cnt_q[q]) + 9'(req);
      fire = (pend && 25'(tmr_q[q]) + 25'd1 >= 25'(cycles)) || (req && frames != '0 && cnt >= 9'(frames));
      // DEV_RESET, and a queue that is not enabled (a queue reset disables it: the device "MUST NOT
      // ... notify the driver for it"), drop the deferred interrupts; a request passes as when off
      if (cycles == '0 || dev_reset_i || !q_en_i[q]) begin
        fire_o[q] = req;
        cnt_d[q]  = '0;
        tmr_d[q]  = '0;
      end else if (fire) begin
        fire_o[q] = 1'b1;
        cnt_d[q]  = '0;
        tmr_d[q]  = '0;
      end else begin
        fire_o[q] = 1'b0;
        cnt_d[q]  = cnt[8] ? 8'hFF : cnt[7:0];
        tmr_d[q]  = pend ? tmr_q[q] + 24'd1 + warp_i : '0;
      end
    end
  end

  // Idle contract: a deferred interrupt whose timer has edges left before it fires, on an enabled
  // queue with coalescing on, changes nothing but its timer with idle inputs (no engine request).
  always_comb begin
    logic [31:0] left;
    wait_o = 1'b1;
    wake_o = '1;
    left   = '0;
    for (int unsigned q = 0; q < NUM_QUEUES; q++) begin
      if (cnt_q[q] != '0) begin
        left = (25'(tmr_q[q]) + 25'd1 < 25'(cycles)) ? 32'(cycles) - 32'(tmr_q[q]) - 32'd1 : '0;
        if (left < wake_o) wake_o = left;
        if (left == '0 || !q_en_i[q]) wait_o = 1'b0; // (DEV_RESET needs a firmware request: not idle)
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cnt_q <= '0;
      tmr_q <= '0;
    end else begin
      cnt_q <= cnt_d;
      tmr_q <= tmr_d;
    end
  end

endmodule
