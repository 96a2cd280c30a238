// vdpu_qctx.sv - per-queue context storage: one qctx_t per virtqueue; host, firmware, then queue
// engine write order (docs/queue-engine.md: the data path is applied last at an edge).
`include "vdpu_pkg.svh"

module vdpu_qctx
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic                         clk_i,
  input  logic                         rst_ni,

  // writers, applied in this order at an edge (the firmware wins on the same field)
  input  qwr_t                         host_wr_i,    // ring address write through common cfg
  input  logic                         kick_set_i,   // data-queue doorbell ...
  input  logic [QIDX_W-1:0]            kick_q_i,     // ... for this queue
  input  logic                         nd_set_i,     // ... with NOTIFICATION_DATA
  input  logic [15:0]                  nd_i,         // ... this value
  input  qwr_t                         fw_wr_i,      // Q_* CSR write
  input  logic                         dev_reset_i,  // DEV_RESET: every queue back to QCTX_RST
  input  qeng_wr_t                     eng_wr_i,     // queue engine ring state update
  input  logic                         packed_i,     // the engine's ring layout (pre-edge; latched while a service runs)

  // the whole context array, for the decoders (and, later, state read-back)
  output qctx_t [NUM_QUEUES-1:0]       qctx_o
);

  // DEV_RESET is documented as restoring these values; they must match the CSR reset values.
  if (32'(QCTX_RST.size) != QSIZE_MAX || QCTX_RST.msix != 16'hFFFF) begin : gen_rst_check
    $error("vdpu_qctx: Q_SIZE / Q_MSIX reset values disagree with docs/device-behavior.md");
  end

  qctx_t [NUM_QUEUES-1:0] qctx_q, qctx_d;

  function automatic qctx_t set_field(qctx_t e, qfield_e f, logic [31:0] v);
    qctx_t r;
    r = e;
    unique case (f)
      QF_SIZE:     r.size     = v[15:0];
      QF_MSIX:     r.msix     = v[15:0];
      QF_ENABLE: begin
        r.enable = v[15:0];
        // Disabling a queue forgets its ring position and any pending doorbell.
        if (v[15:0] == '0) begin
          r.last_avail = QCTX_RST.last_avail;
          r.avail_wrap = QCTX_RST.avail_wrap;
          r.used_idx   = QCTX_RST.used_idx;
          r.used_wrap  = QCTX_RST.used_wrap;
          r.kick       = QCTX_RST.kick;
          r.nd         = QCTX_RST.nd;
          r.nd_valid   = QCTX_RST.nd_valid;
        end
      end
      QF_RESET:    r.reset    = v[15:0];
      QF_DESC_LO:  r.desc_lo  = v;
      QF_DESC_HI:  r.desc_hi  = v;
      QF_AVAIL_LO: r.avail_lo = v;
      QF_AVAIL_HI: r.avail_hi = v;
      QF_USED_LO:  r.used_lo  = v;
      QF_USED_HI:  r.used_hi  = v;
      // a restored ring position (vdpu_fw_csr takes these only while the queue is disabled)
      QF_AVAIL_POS: begin
        r.last_avail = v[Q_AVAIL_POS_IDX_LSB +: Q_AVAIL_POS_IDX_W];
        r.avail_wrap = v[Q_AVAIL_POS_WRAP_LSB];
      end
      QF_USED_POS: begin
        r.used_idx  = v[Q_USED_POS_IDX_LSB +: Q_USED_POS_IDX_W];
        r.used_wrap = v[Q_USED_POS_WRAP_LSB];
      end
      default:     r = e;
    endcase
    return r;
  endfunction

  // NOTIFICATION_DATA the engine moved past says nothing any more: retired, or a 16-bit index that
  // comes round would later read as far ahead (model: model_qeng_nd_retire, same rule). Only a
  // forward move of at most a ring that passes the value strictly; a same-edge doorbell with a
  // different value keeps it.
  // o: pre-edge size, nd, last_avail, avail_wrap; n: the same after this edge's writes
  function automatic logic nd_passed(logic [15:0] o_size, logic o_ndv, logic [15:0] o_nd, logic [15:0] o_la,
                                     logic o_aw, logic n_ndv, logic [15:0] n_nd, logic [15:0] n_la, logic n_aw,
                                     logic pk);
    logic [16:0] sz, off, p_nd, p_o, p_n, d_nd, d_new, n2;
    logic [15:0] s_nd, s_new;
    nd_passed = 1'b0;
    sz    = {1'b0, o_size};
    n2    = {o_size, 1'b0};
    off   = 17'(o_nd[14:0]);
    s_nd  = o_nd - o_la;
    s_new = n_la - o_la;
    p_nd  = off + (o_nd[15] ? 17'd0 : sz);
    p_o   = 17'(o_la) + (o_aw ? 17'd0 : sz);
    p_n   = 17'(n_la) + (n_aw ? 17'd0 : sz);
    d_nd  = p_nd + n2 - p_o;
    if (d_nd >= n2) d_nd = d_nd - n2;
    d_new = p_n + n2 - p_o;
    if (d_new >= n2) d_new = d_new - n2;
    if (o_ndv && n_ndv && n_nd == o_nd &&
        (n_la != o_la || n_aw != o_aw)) begin
      if (!pk) nd_passed = (17'(s_new) <= sz) && (s_nd < s_new);
      else     nd_passed = (off < sz) && (d_new <= sz) && (d_nd < d_new);
    end
  endfunction

  always_comb begin
    qctx_d = qctx_q;
    for (int unsigned q = 0; q < NUM_QUEUES; q++) begin
      if (host_wr_i.valid && 32'(host_wr_i.idx) == q) qctx_d[q] = set_field(qctx_d[q], host_wr_i.field, host_wr_i.data);
      if (kick_set_i && 32'(kick_q_i) == q) begin
        qctx_d[q].kick = 1'b1;
        if (nd_set_i) begin
          qctx_d[q].nd       = nd_i;
          qctx_d[q].nd_valid = 1'b1;
        end
      end
      if (fw_wr_i.valid && 32'(fw_wr_i.idx) == q) qctx_d[q] = set_field(qctx_d[q], fw_wr_i.field, fw_wr_i.data);
      if (dev_reset_i) qctx_d[q] = QCTX_RST;
      // The engine's values were computed from the pre-edge context and win a same-edge conflict.
      if (32'(eng_wr_i.idx) == q) begin
        if (eng_wr_i.kick_clr) qctx_d[q].kick = 1'b0;
        if (eng_wr_i.kick_set) qctx_d[q].kick = 1'b1;
        if (eng_wr_i.avail_we) begin
          qctx_d[q].last_avail = eng_wr_i.last_avail;
          qctx_d[q].avail_wrap = eng_wr_i.avail_wrap;
        end
        if (eng_wr_i.used_we) begin
          qctx_d[q].used_idx  = eng_wr_i.used_idx;
          qctx_d[q].used_wrap = eng_wr_i.used_wrap;
        end
      end
      if (nd_passed(qctx_q[q].size, qctx_q[q].nd_valid, qctx_q[q].nd, qctx_q[q].last_avail, qctx_q[q].avail_wrap,
                    qctx_d[q].nd_valid, qctx_d[q].nd, qctx_d[q].last_avail, qctx_d[q].avail_wrap, packed_i))
        qctx_d[q].nd_valid = 1'b0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      qctx_q <= {NUM_QUEUES{QCTX_RST}};
    end else begin
      qctx_q <= qctx_d;
    end
  end

  assign qctx_o = qctx_q;

  // Functional cover points (make coverage: Verilator --coverage-user; ignored otherwise): the index
  // wraps a long run must reach on every queue, in both ring layouts (a last_avail or used_idx that
  // goes down wrapped: the 16-bit index of a split ring, the ring end of a packed one).
  for (genvar q = 0; q < NUM_QUEUES; q++) begin : gen_cover
    logic eng_here;
    assign eng_here = (32'(eng_wr_i.idx) == q);
    cover property (@(posedge clk_i) eng_here && eng_wr_i.avail_we && (eng_wr_i.last_avail < qctx_q[q].last_avail));
    cover property (@(posedge clk_i) eng_here && eng_wr_i.used_we && (eng_wr_i.used_idx < qctx_q[q].used_idx));
    cover property (@(posedge clk_i) eng_here && eng_wr_i.avail_we && packed_i &&
                                     (eng_wr_i.avail_wrap != qctx_q[q].avail_wrap));
    cover property (@(posedge clk_i) qctx_q[q].nd_valid && !qctx_d[q].nd_valid && !dev_reset_i);
    cover property (@(posedge clk_i) kick_set_i && (32'(kick_q_i) == q) && qctx_q[q].kick);
  end

endmodule
