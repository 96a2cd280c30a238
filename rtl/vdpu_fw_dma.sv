// vdpu_fw_dma.sv - firmware DMA channel: one transfer between host memory and a 64-byte local buffer.
//
// The firmware programs FWDMA_ADDR/LEN, fills FWDMA_DATA for a write, and starts it through
// FWDMA_CTRL (decoded by vdpu_fw_csr). The request goes out on the shared DMA output register
// after the queue engine and before the MSI-X sender; a read's completion beats carry FWDMA_TAG and
// are routed here by vdpu_top. A bad length or an address outside the host memory window fails at
// the start edge, with nothing sent, so firmware never waits for a transfer that cannot finish; a
// read whose completion never comes fails by the completion timeout (CPL_TIMEOUT), and a DEV_RESET
// ends the wait (docs/queue-engine.md "PCIe faults").
`include "vdpu_pkg.svh"

module vdpu_fw_dma
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic                       clk_i,
  input  logic                       rst_ni,

  // CSR writes from the firmware port (vdpu_fw_csr decodes them; values already byte-merged)
  input  logic                       wr_valid_i,
  input  logic [11:0]                wr_addr_i,
  input  logic [31:0]                wr_data_i,
  input  logic                       start_i,     // FWDMA_CTRL[0] written while idle
  input  logic                       start_wr_i,  // ... with FWDMA_CTRL[1]: a write to the host

  // host memory window (HOSTMEM_BASE / HOSTMEM_SIZE)
  input  logic [63:0]                hm_base_i,
  input  logic [63:0]                hm_size_i,

  // PCIe faults: completion timeout (CPL_TIMEOUT, 0: none), idle-skipping warp, DEV_RESET
  input  logic [31:0]                cpl_timeout_i,
  input  logic [31:0]                warp_i,
  input  logic                       dev_reset_i,
  output logic                       quiet_o,     // idle, or only waiting for a completion (timeout not due)
  output logic [31:0]                wake_o,      // edges before the completion timeout fires ('1: none)

  // CSR views
  output logic [63:0]                addr_o,
  output logic [15:0]                len_o,
  output logic [31:0]                status_o,
  output logic [FWDMA_BYTES*8-1:0]   buf_o,
  output logic                       busy_o,

  // DMA output register (vdpu_dma_out): request and whether it was loaded at this edge
  output logic                       req_valid_o,
  output dmareq_t                    req_o,
  input  logic                       grant_i,

  // completion beats routed to the channel (tag FWDMA_TAG while the read is outstanding)
  output logic                       cpl_wait_o,
  input  logic                       cpl_valid_i,
  input  logic [1:0]                 cpl_status_i,
  input  logic                       cpl_poison_i,
  input  logic [15:0]                cpl_len_i,
  input  logic [255:0]               cpl_data_i,
  input  logic                       cpl_last_i
);

  localparam int unsigned BufBits = FWDMA_BYTES * 8;

  typedef enum logic [1:0] {
    StIdle,
    StReq,   // load the read request / the next write beat when the output register is free
    StWait   // the read is outstanding
  } state_e;

  state_e             state_q, state_d;
  logic               write_q, write_d;
  logic [63:0]        addr_q, addr_d;
  logic [15:0]        len_q, len_d;
  logic               err_q, err_d;
  logic [7:0]         code_q, code_d;
  logic [15:0]        got_q, got_d;    // read: bytes received; write: next beat index
  logic               bad_q, bad_d;    // read: a beat with an error status, poisoned, or too many bytes
  logic [BufBits-1:0] buf_q, buf_d;

  // ---- the write beat / read request in the output register's terms --------------------------
  logic [15:0] wbase;   // first byte of the write beat
  logic [5:0]  wbytes;  // bytes in it
  logic        wlast;

  assign wbase  = {got_q[10:0], 5'b00000};
  assign wbytes = (len_q - wbase < 16'd32) ? 6'(len_q - wbase) : 6'd32;
  assign wlast  = (wbase + 16'(wbytes) == len_q);

  always_comb begin
    req_o         = '0;
    req_o.purpose = PURP_FW;
    req_o.len     = len_q;
    req_o.addr    = addr_q;
    if (write_q) begin
      req_o.kind = DMA_WR;
      req_o.data = buf_q[{wbase[5:0], 3'b000} +: 256] & byte_mask(wbytes);
      req_o.last = wlast;
    end else begin
      req_o.kind = DMA_RD;
      req_o.tag  = 8'(FWDMA_TAG);
      req_o.last = 1'b1;
    end
  end

  assign req_valid_o = (state_q == StReq);

  // ---- completion beat ------------------------------------------------------------------------
  logic [15:0] room;
  logic [5:0]  cbytes;
  logic        cpl_take;
  logic [255:0] cmask, cdata;

  assign cpl_take = (state_q == StWait) && cpl_valid_i;

  // completion timeout (vdpu_cto): edges the read has waited without a completion beat
  logic waiting, cto_due, cto_fire, rd_abort;
  logic [31:0] cto_wake;
  assign waiting  = (state_q == StWait);
  assign rd_abort = waiting && dev_reset_i;

  vdpu_cto u_cto (
    .clk_i,
    .rst_ni,
    .wait_i    (waiting),
    .beat_i    (cpl_valid_i),
    .timeout_i (cpl_timeout_i),
    .warp_i,
    .due_o     (cto_due),
    .fire_o    (cto_fire),
    .wake_o    (cto_wake)
  );
  assign room     = len_q - got_q;
  assign cbytes   = 6'((cpl_len_i < 16'd32 ? cpl_len_i : 16'd32) < room ?
                       (cpl_len_i < 16'd32 ? cpl_len_i : 16'd32) : room);

  always_comb begin
    state_d = state_q;
    write_d = write_q;
    addr_d  = addr_q;
    len_d   = len_q;
    err_d   = err_q;
    code_d  = code_q;
    got_d   = got_q;
    bad_d   = bad_q;
    buf_d   = buf_q;
    cmask   = '0;
    cdata   = '0;

    // firmware CSR writes first (plain storage and the start), then the data path
    if (wr_valid_i) begin
      unique case (wr_addr_i)
        CSR_FWDMA_ADDR_LO: addr_d[31:0]  = wr_data_i;
        CSR_FWDMA_ADDR_HI: addr_d[63:32] = wr_data_i;
        CSR_FWDMA_LEN:     len_d         = wr_data_i[15:0];
        default: begin
          if (wr_addr_i >= CSR_FWDMA_DATA0 && wr_addr_i <= CSR_FWDMA_DATA15) begin
            buf_d[{wr_addr_i[5:2], 5'b00000} +: 32] = wr_data_i;
          end
        end
      endcase
    end
    if (start_i) begin
      err_d   = 1'b0;
      code_d  = '0;
      write_d = start_wr_i;
      if (len_q == '0 || 32'(len_q) > FWDMA_BYTES) begin
        err_d  = 1'b1;
        code_d = FWDMA_ERR_LEN;
      end else if (!in_window(addr_q, 32'(len_q), hm_base_i, hm_size_i)) begin
        err_d  = 1'b1;
        code_d = FWDMA_ERR_WINDOW;
      end else begin
        state_d = StReq;
        got_d   = '0;
        bad_d   = 1'b0;
      end
    end

    unique case (state_q)
      StReq: begin
        if (grant_i) begin
          if (!write_q) begin
            state_d = StWait;
          end else if (wlast) begin
            state_d = StIdle;
          end else begin
            got_d = got_q + 16'd1;
          end
        end
      end
      StWait: begin
        if (rd_abort) begin
          state_d = StIdle;  // DEV_RESET: the read is forgotten (a completion for it is unexpected)
        end else if (cto_fire) begin
          state_d = StIdle;
          err_d   = 1'b1;
          code_d  = FWDMA_ERR_TIMEOUT;
        end else if (cpl_take) begin
          if (cpl_status_i != CPL_SC || cpl_poison_i) begin  // nothing of the beat is stored
            bad_d = 1'b1;
          end else begin
            if (cpl_len_i > room) bad_d = 1'b1;
            cmask = byte_mask(cbytes);
            cdata = cpl_data_i & cmask;
            buf_d = (buf_d & ~({{(BufBits - 256){1'b0}}, cmask} << {got_q[5:0], 3'b000})) |
                    ({{(BufBits - 256){1'b0}}, cdata} << {got_q[5:0], 3'b000});
            got_d = got_q + 16'(cbytes);
          end
          if (cpl_last_i) begin
            state_d = StIdle;
            if (bad_d || got_d != len_q) begin
              err_d  = 1'b1;
              code_d = FWDMA_ERR_CPL;
            end
          end
        end
      end
      default: ;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      write_q <= 1'b0;
      addr_q  <= {CSR_FWDMA_ADDR_HI_RST, CSR_FWDMA_ADDR_LO_RST};
      len_q   <= CSR_FWDMA_LEN_RST[15:0];
      err_q   <= 1'b0;
      code_q  <= '0;
      got_q   <= '0;
      bad_q   <= 1'b0;
      buf_q   <= '0;
    end else begin
      state_q <= state_d;
      write_q <= write_d;
      addr_q  <= addr_d;
      len_q   <= len_d;
      err_q   <= err_d;
      code_q  <= code_d;
      got_q   <= got_d;
      bad_q   <= bad_d;
      buf_q   <= buf_d;
    end
  end

  assign addr_o     = addr_q;
  assign len_o      = len_q;
  assign busy_o     = (state_q != StIdle);
  assign status_o   = {16'b0, code_q, 6'b0, err_q, busy_o};
  assign buf_o      = buf_q;
  assign cpl_wait_o = (state_q == StWait);
  assign quiet_o    = (state_q == StIdle) || (waiting && !cto_due);
  assign wake_o     = cto_wake;

endmodule
