// vdpu_bar_decode.sv - BAR0 decode: MEM range check, regions (common cfg, notify, ISR, device cfg, MSI-X,
// the vendor-specific ring position VQSTATE and migration control MIG).
//
// Purely combinational: from one access and the pre-edge state it computes the completion, the
// diagnostic and the effects; the caller gates the effects with the commit of the access.
`include "vdpu_pkg.svh"

module vdpu_bar_decode
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  // host access under evaluation (MEM_RD / MEM_WR are decoded here)
  input  logic                    acc_valid_i,
  input  acc_req_t                acc_req_i,

  // PCI cfg window: a BAR0 access on behalf of config space (memory space enable not required)
  input  logic                    win_valid_i,
  input  logic [31:0]             win_off_i,
  input  logic [3:0]              win_size_i,
  input  logic                    win_we_i,
  input  logic [63:0]             win_wdata_i,

  // config space controls
  input  logic                    mse_i,
  input  logic [63:0]             bar0_base_i,

  // pre-edge state read by the decode
  input  host_view_t              view_i,
  input  qctx_t [NUM_QUEUES-1:0]  qctx_i,
  input  logic                    ev_full_i,
  output logic [TBL_DW_W-1:0]     tbl_rd_dw_o,
  input  logic [63:0]             tbl_rdata_i,
  output logic [MRAM_AW-1:0]      mram_rd_dw_o,
  input  logic [31:0]             mram_rdata_i,
  input  logic [NUM_VECTORS-1:0]  pba_i,

  // answer and (ungated) effects
  output acc_rsp_t                rsp_o,
  output host_eff_t               eff_o
);

  if (BAR_NOTIFY_LEN != NUM_QUEUES * NOTIFY_MULT || NOTIFY_MULT != 4) begin : gen_notify_check
    $error("vdpu_bar_decode: notify region must hold NUM_QUEUES doorbells of 4 bytes");
  end
  if (VQSTATE_WRAP_BIT != 16 || VQSTATE_AVAIL != 12'h0 || VQSTATE_USED != 12'h4 || BAR_VQSTATE_LEN != 8) begin : gen_vqs_check
    $error("vdpu_bar_decode: VQSTATE is two dwords {wrap, index[15:0]} at +0 and +4");
  end
  if (BAR_MIG_LEN != 32'h1000 || MIG_ID != 12'h0 || MIG_CAPS != 12'h4 || MIG_CTRL != 12'h8 || MIG_STATUS != 12'hC ||
      MIG_DATA != 12'h10 || MIG_WIN != 12'h800 || MIG_STATE_BYTES != 2048) begin : gen_mig_check
    $error("vdpu_bar_decode: MIG is ID, CAPS, CTRL, STATUS, DATA, then the 2 KiB state window at 0x800");
  end
  if (NETCFG_MAC0 != 4'd0 || NETCFG_MAC5 != 4'd5) begin : gen_mac_check
    $error("vdpu_bar_decode: the MAC must be bytes 0..5 of the device cfg");
  end

  // ---- access source: MEM request or PCI cfg window ----------------------------------------------
  logic        is_mem, bar_act, in_bar, we, size_legal;
  logic [3:0]  size;
  logic [31:0] off;
  logic [63:0] mem_off, wdata;

  assign is_mem  = acc_valid_i && (acc_req_i.kind == HL_MEM_RD || acc_req_i.kind == HL_MEM_WR);
  assign bar_act = is_mem || win_valid_i;
  // The offset by subtraction, so a BAR0 at the top of the address space still decodes.
  assign mem_off = acc_req_i.addr - bar0_base_i;
  assign in_bar  = mse_i && (mem_off < 64'(BAR0_SIZE));
  assign we      = is_mem ? (acc_req_i.kind == HL_MEM_WR) : win_we_i;
  assign size    = is_mem ? acc_req_i.size : win_size_i;
  assign off     = is_mem ? mem_off[31:0] : win_off_i;
  assign wdata   = (is_mem ? acc_req_i.data : win_wdata_i) & size_mask(size);
  assign size_legal = (size == 4'd1 || size == 4'd2 || size == 4'd4 || size == 4'd8) &&
                      ((off[3:0] & (size - 4'd1)) == 4'd0);

  assign tbl_rd_dw_o  = off[TBL_DW_W+1:2];
  assign mram_rd_dw_o = off[MRAM_AW+1:2];  // the window's dword (it fills the region's upper half)

  // Region membership by the first byte; each region starts a 4 KiB page.
  function automatic logic in_region(logic [31:0] o, logic [14:0] base, int unsigned len);
    return ({o[31:12], 12'h000} == 32'(base)) && (32'(o[11:0]) < len);
  endfunction

  // Size of the common cfg field starting at this offset, 0 if none does.
  function automatic logic [3:0] common_size(logic [5:0] o);
    unique case (o)
      COMMON_DFSELECT, COMMON_DF, COMMON_GFSELECT, COMMON_GF,
      COMMON_Q_DESCLO, COMMON_Q_DESCHI, COMMON_Q_AVAILLO, COMMON_Q_AVAILHI,
      COMMON_Q_USEDLO, COMMON_Q_USEDHI:                              return 4'd4;
      COMMON_MSIX, COMMON_NUMQ, COMMON_Q_SELECT, COMMON_Q_SIZE, COMMON_Q_MSIX,
      COMMON_Q_ENABLE, COMMON_Q_NOFF, COMMON_Q_NDATA, COMMON_Q_RESET: return 4'd2;
      COMMON_STATUS, COMMON_CFGGENERATION:                           return 4'd1;
      default:                                                       return 4'd0;
    endcase
  endfunction

  // The tag is the completer's business.
  logic unused_tag;
  assign unused_tag = ^acc_req_i.tag;

  // ---- queue_select view --------------------------------------------------------------------------
  logic              qsel_ok;
  logic [QIDX_W-1:0] qidx;
  qctx_t             qv;

  // valid below num_queues (NUMQ), which the CSR block keeps at most NUM_QUEUES
  assign qsel_ok = (view_i.qsel < view_i.num_queues);
  assign qidx    = view_i.qsel[QIDX_W-1:0];
  assign qv      = qsel_ok ? qctx_i[qidx] : '0;

  // The ring positions are host-visible only through VQSTATE; kick and doorbell data never are.
  logic unused_qv;
  assign unused_qv = ^{qv.kick, qv.nd, qv.nd_valid};

  // ---- decode ---------------------------------------------------------------------------------------
  logic [63:0] rd;          // value of the addressed field
  logic [7:0]  dc;          // the diagnostic raised (DIAG_*; 0: none)
  logic        ev_req;      // policy write: event for the firmware
  logic [7:0]  ev_kind;
  logic [15:0] ev_queue;
  logic [5:0]  coff;        // offset within common cfg
  logic [3:0]  doff;        // offset within device cfg
  logic        ring_wr;     // ring address store
  qfield_e     ring_field;

  always_comb begin
    rsp_o        = '0;
    rsp_o.status = CPL_SC;
    eff_o        = '0;
    eff_o.data   = wdata;
    rd           = '0;
    dc           = '0;
    ev_req       = 1'b0;
    ev_kind      = '0;
    ev_queue     = '0;
    coff         = off[5:0];
    doff         = off[3:0];
    ring_wr      = 1'b0;
    ring_field   = QF_DESC_LO;

    if (!bar_act) begin
      // nothing to decode
    end else if (is_mem && !in_bar) begin
      if (!we) rsp_o.status = CPL_UR;
      dc = DIAG_MEM_UR;
    end else if (!size_legal) begin
      dc = DIAG_BAR_BAD_SIZE;

    // -- virtio common cfg: exact field accesses only
    end else if (in_region(off, BAR_COMMON_OFF, BAR_COMMON_LEN)) begin
      if (size != common_size(coff)) begin
        dc = DIAG_BAR_BAD_SIZE;
      end else if (we && view_i.reset_pend) begin
        // the driver did not wait for device_status to read 0 after asking for a reset: the reset
        // would erase this write (a queue enabled on rings it cleared), so it is ignored
        dc = DIAG_RESET_PENDING;
      end else begin
        unique case (coff)
          COMMON_DFSELECT: begin
            rd = 64'(view_i.dfsel);
            eff_o.dfsel_we = we;
          end
          COMMON_DF: begin
            rd = (view_i.dfsel < FEAT_WORDS) ? 64'(view_i.dev_feature[view_i.dfsel[FSEL_W-1:0]]) : '0;
            if (we) dc = DIAG_BAR_RO_WRITE;
          end
          COMMON_GFSELECT: begin
            rd = 64'(view_i.gfsel);
            eff_o.gfsel_we = we;
          end
          COMMON_GF: begin
            rd = (view_i.gfsel < FEAT_WORDS) ? 64'(view_i.drv_feature[view_i.gfsel[FSEL_W-1:0]]) : '0;
            if (we && view_i.gfsel < FEAT_WORDS) begin
              eff_o.drv_feat_we = 1'b1;
              ev_req   = 1'b1;
              ev_kind  = EV_DRV_FEATURE;
              ev_queue = view_i.gfsel[15:0];
            end else if (we) begin
              dc = DIAG_FEATSEL_INVALID;
            end
          end
          COMMON_MSIX: begin
            rd = 64'(view_i.msix_config);
            rsp_o.held = !we;
            if (we) begin ev_req = 1'b1; ev_kind = EV_MSIX_CONFIG; end
          end
          COMMON_NUMQ: begin
            rd = 64'(view_i.num_queues);
            if (we) dc = DIAG_BAR_RO_WRITE;
          end
          COMMON_STATUS: begin
            rd = 64'(view_i.device_status);
            rsp_o.held = !we;
            if (we) begin ev_req = 1'b1; ev_kind = EV_STATUS; end
          end
          COMMON_CFGGENERATION: begin
            rd = 64'(view_i.config_gen);
            rsp_o.held_gen = !we;  // firmware may be halfway through a device cfg change
            if (we) dc = DIAG_BAR_RO_WRITE;
          end
          COMMON_Q_SELECT: begin
            rd = 64'(view_i.qsel);
            eff_o.qsel_we = we;
          end
          COMMON_Q_SIZE, COMMON_Q_MSIX, COMMON_Q_ENABLE, COMMON_Q_RESET: begin
            unique case (coff)
              COMMON_Q_SIZE:   begin rd = 64'(qv.size);   ev_kind = EV_Q_SIZE;   end
              COMMON_Q_MSIX:   begin rd = 64'(qv.msix);   ev_kind = EV_Q_MSIX;   end
              COMMON_Q_ENABLE: begin rd = 64'(qv.enable); ev_kind = EV_Q_ENABLE; end
              default:         begin rd = 64'(qv.reset);  ev_kind = EV_Q_RESET;  end
            endcase
            rsp_o.held = !we;
            if (we && qsel_ok) begin
              ev_req   = 1'b1;
              ev_queue = view_i.qsel;
            end else if (we) begin
              dc = DIAG_QSEL_INVALID;
            end
          end
          COMMON_Q_NOFF, COMMON_Q_NDATA: begin
            rd = qsel_ok ? 64'(view_i.qsel) : '0;
            if (we) dc = DIAG_BAR_RO_WRITE;
          end
          COMMON_Q_DESCLO, COMMON_Q_DESCHI, COMMON_Q_AVAILLO,
          COMMON_Q_AVAILHI, COMMON_Q_USEDLO, COMMON_Q_USEDHI: begin
            unique case (coff)
              COMMON_Q_DESCLO:  begin rd = 64'(qv.desc_lo);  ring_field = QF_DESC_LO;  end
              COMMON_Q_DESCHI:  begin rd = 64'(qv.desc_hi);  ring_field = QF_DESC_HI;  end
              COMMON_Q_AVAILLO: begin rd = 64'(qv.avail_lo); ring_field = QF_AVAIL_LO; end
              COMMON_Q_AVAILHI: begin rd = 64'(qv.avail_hi); ring_field = QF_AVAIL_HI; end
              COMMON_Q_USEDLO:  begin rd = 64'(qv.used_lo);  ring_field = QF_USED_LO;  end
              default:          begin rd = 64'(qv.used_hi);  ring_field = QF_USED_HI;  end
            endcase
            if (we && !qsel_ok) begin
              dc = DIAG_QSEL_INVALID;
            end else if (we && qv.enable != '0) begin
              dc = DIAG_Q_ADDR_LOCKED;
            end else begin
              ring_wr = we;
            end
          end
          default: ;  // unreachable: common_size() matched
        endcase
      end

    // -- notify: write-only doorbells
    end else if (in_region(off, BAR_NOTIFY_OFF, BAR_NOTIFY_LEN)) begin
      if (!((size == 4'd2 || size == 4'd4) && off[1:0] == 2'b00)) begin
        dc = we ? DIAG_NOTIFY_BAD : DIAG_BAR_BAD_SIZE;
      end else if (!we) begin
        dc = DIAG_BAR_WO_READ;
      end else if (16'(off[11:2]) == view_i.ctrlq) begin
        // The control queue is served by the firmware; data queues are counted only.
        if (size == 4'd4 && wdata[15:0] != 16'(off[11:2])) begin
          dc = DIAG_NOTIFY_VQN;  // the address decides the queue; a value naming another one is a driver bug
        end
        ev_req   = 1'b1;
        ev_kind  = EV_NOTIFY;
        ev_queue = 16'(off[11:2]);
      end else begin
        // A data-queue doorbell: counted, and it kicks the queue engine.
        eff_o.notify_inc = 1'b1;
        eff_o.notify_q   = off[QIDX_W+1:2];
        // NOTIFICATION_DATA: a 4-byte value whose vqn names this queue carries next_off/next_wrap
        // (split: the avail idx) in bits 31:16; another vqn is not this queue's data
        eff_o.notify_nd  = (size == 4'd4) && (wdata[15:0] == 16'(off[11:2]));
        if (size == 4'd4 && wdata[15:0] != 16'(off[11:2])) begin
          dc = DIAG_NOTIFY_VQN;
        end
      end

    // -- ISR: one byte, read to clear
    end else if (in_region(off, BAR_ISR_OFF, BAR_ISR_LEN)) begin
      if (size != 4'd1) begin
        dc = DIAG_BAR_BAD_SIZE;
      end else if (we) begin
        dc = DIAG_BAR_RO_WRITE;
      end else begin
        rd = 64'(view_i.isr);
        eff_o.isr_clr = 1'b1;
      end

    // -- virtio-net device cfg: read-only
    end else if (in_region(off, BAR_DEVCFG_OFF, BAR_DEVCFG_LEN)) begin
      if (size == 4'd1 && doff <= NETCFG_MAC5) begin
        rd = 64'(view_i.mac[8*doff+:8]);
      end else if (size == 4'd2 && doff == NETCFG_STATUS) begin
        rd = 64'(view_i.net_status);
      end else if (size == 4'd2 && doff == NETCFG_MAX_QP) begin
        rd = 64'(view_i.net_max_qp);
      end else if (size == 4'd2 && doff == NETCFG_MTU) begin
        rd = 64'(view_i.net_mtu);
      end else begin
        dc = DIAG_BAR_BAD_SIZE;
      end
      if (dc == '0 && we) begin
        dc = DIAG_BAR_RO_WRITE;
      end

    // -- MSI-X table: dword or 8-aligned qword
    end else if (in_region(off, BAR_MSIX_TBL_OFF, BAR_MSIX_TBL_LEN)) begin
      if (!(size == 4'd4 || size == 4'd8)) begin
        dc = DIAG_BAR_BAD_SIZE;
      end else begin
        rd              = tbl_rdata_i;
        eff_o.tbl_we    = we;
        eff_o.tbl_size8 = (size == 4'd8);
        eff_o.tbl_dw    = off[TBL_DW_W+1:2];
      end

    // -- MSI-X PBA: read-only
    end else if (in_region(off, BAR_MSIX_PBA_OFF, BAR_MSIX_PBA_LEN)) begin
      if (!(size == 4'd4 || size == 4'd8)) begin
        dc = DIAG_BAR_BAD_SIZE;
      end else if (we) begin
        dc = DIAG_BAR_RO_WRITE;
      end else begin
        rd = 64'(pba_i) >> {off[2], 5'b0};
      end

    // -- VQSTATE (vendor-specific): ring position of the selected queue, read-only dwords
    end else if (in_region(off, BAR_VQSTATE_OFF, BAR_VQSTATE_LEN)) begin
      if (size != 4'd4) begin
        dc = DIAG_BAR_BAD_SIZE;
      end else if (we) begin
        dc = DIAG_BAR_RO_WRITE;
      end else if (off[11:0] == VQSTATE_AVAIL) begin
        rd = 64'({qv.avail_wrap, qv.last_avail});  // qv is 0 for an invalid queue_select
      end else begin
        rd = 64'({qv.used_wrap, qv.used_idx});
      end

    // -- MIG (vendor-specific): the hypervisor's stop/run; a CTRL write is a command for firmware
    end else if (in_region(off, BAR_MIG_OFF, BAR_MIG_LEN)) begin
      if (size != 4'd4) begin
        dc = DIAG_BAR_BAD_SIZE;
      end else if (off[11:0] >= MIG_WIN) begin
        rd = 64'(mram_rdata_i);  // the state window: plain storage, no side effects
        eff_o.mram_we = we;
        eff_o.mram_dw = off[MRAM_AW+1:2];
      end else if (off[11:0] == MIG_CTRL) begin
        rd = 64'(view_i.mig_status[MIG_STATUS_STOPPED_LSB]);  // the mode in effect
        rsp_o.held = !we;
        if (we) begin ev_req = 1'b1; ev_kind = EV_MIG_CTRL; end
      end else if (!(off[11:0] inside {MIG_ID, MIG_CAPS, MIG_STATUS, MIG_DATA})) begin
        dc = DIAG_BAR_HOLE;
      end else if (we) begin
        dc = DIAG_BAR_RO_WRITE;
      end else if (off[11:0] == MIG_STATUS) begin
        rd = 64'(view_i.mig_status);
        rsp_o.held = 1'b1;  // the outcome of every command written before
      end else if (off[11:0] == MIG_DATA) begin
        rd = 64'(view_i.mig_data);  // the last command's result word
        rsp_o.held = 1'b1;
      end else if (off[11:0] == MIG_CAPS) begin
        rd = 64'(MIG_CAPS_VALUE);
      end else begin
        rd = 64'(MIG_ID_VALUE);
      end

    end else begin
      dc = DIAG_BAR_HOLE;
    end

    // Policy writes become firmware events. The completer holds such a write while the FIFO is full
    // before the edge, so it is committed against a full FIFO only when that hold timed out: the
    // event is then dropped and flagged.
    if (ev_req && ev_full_i) begin
      eff_o.ev_ovf_set = 1'b1;
      dc = DIAG_EVQ_OVERFLOW;
    end else if (ev_req) begin
      eff_o.ev_push = 1'b1;
      eff_o.ev      = '{kind: ev_kind, qnum: ev_queue, data: wdata[31:0]};
    end

    if (ring_wr) begin
      eff_o.qwr = '{valid: 1'b1, idx: qidx, field: ring_field, data: wdata[31:0]};
    end

    rsp_o.rdata      = (we || dc != '0) ? '0 : (rd & size_mask(size));
    rsp_o.diag_valid = dc != '0;  // (codes start at 1)
    rsp_o.diag_code  = dc;
    // MEM_UR reports the full address, every other BAR diag the BAR offset.
    rsp_o.diag_addr  = (dc == DIAG_MEM_UR) ? acc_req_i.addr : 64'(off);
    rsp_o.held_addr  = 64'(off);
    rsp_o.ev_req     = ev_req;
  end

endmodule
