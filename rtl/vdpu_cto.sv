// vdpu_cto.sv - completion timeout: edges a read waits without a completion beat (the engine's and the firmware DMA channel's).
//
// CPL_TIMEOUT (docs/queue-engine.md "PCIe faults"): while a read is outstanding (wait_i), a counter of
// edges without a completion beat, 1 + warp per edge like the held-read timer; a beat or the end of the
// wait starts it again, a timeout of 0 keeps it at 0. The edge after `timeout_i` such edges fails the
// read (fire_o). One rule for both users, as the model's model_cto_next / model_cto_expired /
// model_cto_wake (model/model.h).
module vdpu_cto (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        wait_i,     // a read is outstanding and this edge counts
  input  logic        beat_i,     // a completion beat this edge
  input  logic [31:0] timeout_i,  // CPL_TIMEOUT (0: never)
  input  logic [31:0] warp_i,     // idle skipping: extra cycles this edge stands for
  output logic        due_o,      // the count reached the timeout (the next edge without a beat fails)
  output logic        fire_o,     // this edge fails the read: waiting, no beat, due
  output logic [31:0] wake_o      // edges the counter only counts before it fires ('1: it does not run)
);

  logic [31:0] cnt_q, cnt_d;

  assign due_o  = (timeout_i != '0) && (cnt_q >= timeout_i);
  assign fire_o = wait_i && !beat_i && due_o;
  assign cnt_d  = (!wait_i || beat_i || timeout_i == '0) ? '0 : cnt_q + 32'd1 + warp_i;
  // (at cnt_q == timeout_i both arms give 0: `<` or `<=` alike)
  assign wake_o = (!wait_i || timeout_i == '0) ? '1 : (cnt_q < timeout_i) ? timeout_i - cnt_q : '0;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cnt_q <= '0;
    end else begin
      cnt_q <= cnt_d;
    end
  end

endmodule
