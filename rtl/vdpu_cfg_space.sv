// vdpu_cfg_space.sv - PCI config space: image storage with write mask, CFG access checks, PCI cfg window.
`include "vdpu_pkg.svh"

module vdpu_cfg_space
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic        clk_i,
  input  logic        rst_ni,

  // host access under evaluation; effects only when committed
  input  logic        acc_valid_i,
  input  acc_req_t    acc_req_i,
  input  logic        acc_commit_i,
  output acc_rsp_t    rsp_o,          // meaningful for CFG_RD / CFG_WR

  // PCI cfg window: BAR0 access performed on behalf of a CFG access at pci_cfg_data
  output logic        win_valid_o,
  output logic [31:0] win_off_o,
  output logic [3:0]  win_size_o,
  output logic        win_we_o,
  output logic [63:0] win_wdata_o,
  input  acc_rsp_t    bar_rsp_i,

  // controls derived from the image
  output logic        mse_o,          // COMMAND.memory space enable
  output logic        bme_o,          // COMMAND.bus master enable
  output logic        intx_dis_o,     // COMMAND.INTx disable
  output logic        msix_en_o,      // MSIX_CTRL.enable
  output logic        msix_fmask_o,   // MSIX_CTRL.function mask
  output logic [63:0] bar0_base_o,

  // PCI Status bit 3 (Interrupt Status): the INTx interrupt pending in the function (live, not stored)
  input  logic        int_status_i
);

  localparam int unsigned CfgBytes     = CFG_CAPS_END;  // bytes backed by the image
  localparam logic [63:0] CfgSpaceEnd  = 64'h1000;      // PCIe config space size (PCIe spec)
  localparam logic [11:0] CfgHeaderEnd = 12'h040;       // end of the type-0 header (PCI spec)
  localparam int unsigned BarBits      = $clog2(BAR0_SIZE);

  if ((1 << BarBits) != BAR0_SIZE || 32'(CFG_MIGC_VNDR) + 32'h14 != CFG_CAPS_END ||
      32'(CFG_PCICFG_DATA) + 4 > CFG_CAPS_END) begin : gen_map_check
    $error("vdpu_cfg_space: BAR0_SIZE must be a power of two and the MIG vendor data capability must end the list");
  end

  // ---- image storage: flops only for bytes with a non-zero write mask ------------------------
  logic [8*CfgBytes-1:0] img;
  logic [CfgBytes-1:0]   byte_we;
  logic [8*CfgBytes-1:0] byte_wdata;

  for (genvar i = 0; i < CfgBytes; i++) begin : gen_cfg_byte
    localparam logic [7:0] Rst   = CFG_RESET_IMAGE[8*i+:8];
    localparam logic [7:0] Wmask = CFG_WMASK_IMAGE[8*i+:8];
    if (Wmask != 8'h00) begin : gen_rw
      logic [7:0] byte_q;
      always_ff @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          byte_q <= Rst;
        end else if (byte_we[i]) begin
          byte_q <= (byte_q & ~Wmask) | (byte_wdata[8*i+:8] & Wmask);
        end
      end
      assign img[8*i+:8] = byte_q;
    end else begin : gen_ro
      // No storage behind a read-only byte, so its write strobe and data go nowhere.
      logic unused_wr;
      assign unused_wr   = ^{byte_we[i], byte_wdata[8*i+:8]};
      assign img[8*i+:8] = Rst;
    end
  end

  assign mse_o        = img[8*CFG_COMMAND+1];
  assign bme_o        = img[8*CFG_COMMAND+2];
  assign intx_dis_o   = img[8*CFG_COMMAND+10];
  assign msix_en_o    = img[8*CFG_MSIX_CTRL+15];
  assign msix_fmask_o = img[8*CFG_MSIX_CTRL+14];
  assign bar0_base_o  = {img[8*CFG_BAR0_HI+:32], img[8*CFG_BAR0_LO+BarBits+:32-BarBits], BarBits'(0)};

  // ---- access classification (first match wins, docs/device-behavior.md "Config space") ------
  typedef enum logic [2:0] {
    CkNone,     // not a CFG access
    CkBad,      // size / alignment: UR
    CkRange,    // beyond config space: UR
    CkUnimpl,   // past the capability list: SC, reads 0
    CkWinBad,   // PCI cfg window misprogrammed or misaddressed
    CkWin,      // PCI cfg window: BAR0 access
    CkStore     // image bytes
  } cfg_class_e;

  cfg_class_e  cls;
  logic        we;
  logic [11:0] off;         // config offset once range-checked
  logic [7:0]  win_bar;
  logic [31:0] win_off, win_len;
  logic        win_ok;

  assign we      = (acc_req_i.kind == HL_CFG_WR);
  assign off     = acc_req_i.addr[11:0];
  assign win_bar = img[8*CFG_PCICFG_BAR+:8];
  assign win_off = img[8*CFG_PCICFG_OFF+:32];
  assign win_len = img[8*CFG_PCICFG_LENGTH+:32];
  assign win_ok  = (off == CFG_PCICFG_DATA) && (win_bar == 8'd0) &&
                   (win_len == 32'd1 || win_len == 32'd2 || win_len == 32'd4) &&
                   ((win_off & (win_len - 32'd1)) == 32'd0);

  logic [3:0] size;
  assign size = acc_req_i.size;

  always_comb begin
    if (!acc_valid_i || !(acc_req_i.kind == HL_CFG_RD || we)) begin
      cls = CkNone;
    end else if (!(size == 4'd1 || size == 4'd2 || size == 4'd4) ||
                 (acc_req_i.addr[3:0] & (size - 4'd1)) != 4'd0) begin
      cls = CkBad;
    end else if (acc_req_i.addr >= CfgSpaceEnd) begin
      cls = CkRange;
    end else if (32'(off) >= CFG_CAPS_END) begin
      cls = CkUnimpl;
    end else if (off < CFG_PCICFG_DATA + 12'd4 && off + 12'(size) > CFG_PCICFG_DATA) begin
      cls = win_ok ? CkWin : CkWinBad;
    end else begin
      cls = CkStore;
    end
  end

  // The window request depends on the classification only (not on the BAR answer).
  assign win_valid_o = (cls == CkWin);
  assign win_off_o   = win_off;
  assign win_size_o  = win_len[3:0];
  assign win_we_o    = we;
  assign win_wdata_o = acc_req_i.data & size_mask(win_len[3:0]);

  // ---- image read and write-mask check ---------------------------------------------------------
  logic [31:0] store_rdata;
  logic        store_any_wmask;  // some written byte has a writable bit

  always_comb begin
    store_rdata     = '0;
    store_any_wmask = 1'b0;
    for (int unsigned k = 0; k < 4; k++) begin
      if (k < 32'(acc_req_i.size) && 32'(off) + k < CfgBytes) begin
        store_rdata[8*k+:8] = img[8*(32'(off)+k)+:8];
        if (32'(off) + k == 32'(CFG_STATUS)) store_rdata[8*k+3] = store_rdata[8*k+3] | int_status_i;
        if (CFG_WMASK_IMAGE[8*(32'(off)+k)+:8] != 8'h00) store_any_wmask = 1'b1;
      end
    end
  end

  always_comb begin
    byte_we    = '0;
    byte_wdata = '0;
    if (acc_commit_i && cls == CkStore && we) begin
      for (int unsigned k = 0; k < 4; k++) begin
        if (k < 32'(acc_req_i.size) && 32'(off) + k < CfgBytes) begin
          byte_we[32'(off)+k]            = 1'b1;
          byte_wdata[8*(32'(off)+k)+:8] = acc_req_i.data[8*k+:8];
        end
      end
    end
  end

  // The tag is the completer's business; a window access always completes SC.
  logic unused_rsp;
  assign unused_rsp = ^{acc_req_i.tag, bar_rsp_i.status};

  // ---- response ----------------------------------------------------------------------------------
  always_comb begin
    rsp_o        = '0;
    rsp_o.status = CPL_SC;
    unique case (cls)
      CkBad: begin
        rsp_o.status     = CPL_UR;
        rsp_o.diag_valid = 1'b1;
        rsp_o.diag_code  = DIAG_CFG_BAD_ACCESS;
      end
      CkRange: begin
        rsp_o.status     = CPL_UR;
        rsp_o.diag_valid = 1'b1;
        rsp_o.diag_code  = DIAG_CFG_OUT_OF_RANGE;
      end
      CkUnimpl: begin
        rsp_o.diag_valid = 1'b1;
        rsp_o.diag_code  = DIAG_CFG_UNIMPL;
      end
      CkWinBad: begin
        rsp_o.diag_valid = 1'b1;
        rsp_o.diag_code  = DIAG_CFG_WINDOW_BAD;
      end
      CkWin: begin
        // The BAR answer, truncated to the CFG size; BAR diags keep their BAR offset.
        if (!we) rsp_o.rdata = bar_rsp_i.rdata & size_mask(acc_req_i.size);
        rsp_o.diag_valid = bar_rsp_i.diag_valid;
        rsp_o.diag_code  = bar_rsp_i.diag_code;
        rsp_o.diag_addr  = bar_rsp_i.diag_addr;
        rsp_o.held       = bar_rsp_i.held;
        rsp_o.held_gen   = bar_rsp_i.held_gen;
        rsp_o.held_addr  = bar_rsp_i.held_addr;
        rsp_o.ev_req     = bar_rsp_i.ev_req;
      end
      CkStore: begin
        if (!we) begin
          rsp_o.rdata = 64'(store_rdata);
        end else if (!store_any_wmask && off >= CfgHeaderEnd) begin
          // Header probes (e.g. BAR2..5 sizing) are silent; capability bytes are not.
          rsp_o.diag_valid = 1'b1;
          rsp_o.diag_code  = DIAG_CFG_RO_WRITE;
        end
      end
      default: ;
    endcase
    // CFG diags report the config offset.
    if (cls != CkWin && rsp_o.diag_valid) rsp_o.diag_addr = acc_req_i.addr;
  end

endmodule
