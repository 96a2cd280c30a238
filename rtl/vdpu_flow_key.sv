// vdpu_flow_key.sv - the flow table index of a frame, from its first beats as a port takes them.
//
// The key window is the first beat (bytes past its keep 0) followed by the first six bytes of the
// second beat when the first one is full and not the last; the index is a symmetric hash of the
// addresses in it (docs/queue-engine.md, "Receive steering"): IPv4 source ^ destination address,
// with TCP/UDP source ^ destination port for an unfragmented datagram without options, else the
// two MAC addresses; folded to 4 bits by XOR. Symmetric, so a reply finds its request's entry.
`include "vdpu_pkg.svh"

module vdpu_flow_key
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         beat_i,   // a beat is taken at this edge
  input  logic [255:0] data_i,
  input  logic [31:0]  keep_i,
  input  logic         last_i,
  output logic         done_o,   // this beat completes the key (combinational, with beat_i)
  output logic [3:0]   idx_o,    // ... and this is the frame's flow table index
  output logic         mid_o     // beats of a frame were taken and its last one not yet
);

  if (STEER_ENTRIES != 16) begin : gen_entries_check
    $error("vdpu_flow_key: the hash folds to 4 bits, STEER_ENTRIES must be 16");
  end

  localparam int unsigned KeyBytes = 38;  // Ethernet + IPv4 without options + the two ports

  // Bytes in a beat: keep is contiguous from byte 0, so count its low run of ones.
  function automatic logic [5:0] keep_bytes(logic [31:0] keep);
    logic [5:0] n;
    logic       run;
    n   = '0;
    run = 1'b1;
    for (int i = 0; i < 32; i++) begin
      run = run && keep[i];
      if (run) n = n + 6'd1;
    end
    return n;
  endfunction

  function automatic logic [255:0] low_bytes(logic [255:0] d, logic [5:0] n);
    logic [255:0] m;
    for (int i = 0; i < 32; i++) m[8*i+:8] = (6'(i) < n) ? 8'hFF : 8'h00;
    return d & m;
  endfunction

  function automatic logic [3:0] flow_index(logic [8*KeyBytes-1:0] w, logic [5:0] n);
    logic        ipv4, l4;
    logic [31:0] h;
    logic        unused_w;
    // IPv4 fields the key does not use: TOS, length, id, DF and reserved flags, TTL, checksum
    unused_w = ^{w[8*15+:40], w[8*20+6+:2], w[8*22+:8], w[8*24+:16]};
    ipv4 = (n >= 6'd34) && (w[8*12+:8] == 8'h08) && (w[8*13+:8] == 8'h00) && (w[8*14+4+:4] == 4'h4);
    l4   = (n >= 6'(KeyBytes)) && (w[8*14+:4] == 4'h5) && (w[8*23+:8] == 8'd6 || w[8*23+:8] == 8'd17) &&
           (w[8*20+:6] == 6'b0) && (w[8*21+:8] == 8'h00);
    if (ipv4) begin
      h = w[8*26+:32] ^ w[8*30+:32];
      if (l4) h = h ^ {16'b0, w[8*34+:16] ^ w[8*36+:16]};
    end else begin
      h = w[0+:32] ^ w[8*6+:32] ^ {16'b0, w[8*4+:16] ^ w[8*10+:16]};
    end
    h = h ^ (h >> 16);
    h = h ^ (h >> 8);
    h = h ^ (h >> 4);
    return h[3:0];
  endfunction

  logic [1:0]   beat_q, beat_d;  // beats of this frame so far, saturating at 2
  logic [255:0] b0_q, b0_d;      // its first beat, masked
  logic [5:0]   n0_q, n0_d;      // ... its byte count
  logic [5:0]   k;
  logic [255:0] dm;

  assign k  = keep_bytes(keep_i);
  assign dm = low_bytes(data_i, k);

  always_comb begin
    beat_d = beat_q;
    b0_d   = b0_q;
    n0_d   = n0_q;
    done_o = 1'b0;
    idx_o  = '0;
    if (beat_i) begin
      if (beat_q == 2'd0) begin
        b0_d = dm;
        n0_d = k;
        if (last_i || k < 6'd32) begin
          done_o = 1'b1;
          idx_o  = flow_index({48'b0, dm}, k);
        end
      end else if (beat_q == 2'd1 && n0_q == 6'd32) begin
        done_o = 1'b1;
        idx_o  = flow_index({dm[47:0], b0_q}, (k < 6'd6) ? 6'd32 + k : 6'(KeyBytes));
      end
      beat_d = last_i ? 2'd0 : ((beat_q == 2'd2) ? 2'd2 : beat_q + 2'd1);
    end
  end

  assign mid_o = (beat_q != 2'd0);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      beat_q <= '0;
      b0_q   <= '0;
      n0_q   <= '0;
    end else begin
      beat_q <= beat_d;
      b0_q   <= b0_d;
      n0_q   <= n0_d;
    end
  end

endmodule
