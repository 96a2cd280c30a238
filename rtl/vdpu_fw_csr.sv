// vdpu_fw_csr.sv - firmware CSR block and the device registers it shares with the host path.
//
// Owns every register both sides can change (common cfg selects, DRV_FEATURE, ISR, overflow
// flag, ...). At an edge the host effects are applied first and the firmware request second, so
// the firmware wins a same-edge conflict on the same storage.
`include "vdpu_pkg.svh"

module vdpu_fw_csr
  import vdpu_regmap_pkg::*;
  import vdpu_pkg::*;
(
  input  logic                         clk_i,
  input  logic                         rst_ni,

  // firmware request / response
  input  logic                         fwreq_valid_i,
  input  logic                         fwreq_we_i,
  input  logic [15:0]                  fwreq_addr_i,
  input  logic [31:0]                  fwreq_wdata_i,
  input  logic [3:0]                   fwreq_wstrb_i,
  output logic                         fwrsp_valid_o,
  output logic [31:0]                  fwrsp_rdata_o,
  output logic [3:0]                   fw_irq_o,

  // DMA completions: expected only while the queue engine waits for a read
  input  logic                         dmacpl_valid_i,
  input  logic                         cpl_expected_i,

  // status inputs: network link level, internal data-path error, DMA request outstanding
  input  logic                         link_up_i,
  input  logic                         dp_err_i,
  input  logic                         dma_busy_i,

  // queue engine: its CSRs, queue interrupts and internal error (a violation)
  output logic [31:0]                  eng_ctrl_o,
  output logic [31:0]                  eng_param_o,
  output logic [31:0]                  eng_coal_o,
  output logic [31:0]                  cpl_timeout_o,  // CPL_TIMEOUT: DMA read completion timeout

  // dirty page log (LOG_* CSRs) for the DMA output register's logger: its marks and out-of-range writes
  output logic [31:0]                  log_ctrl_o,
  output logic [63:0]                  log_base_o,
  output logic [63:0]                  log_range_o,
  output logic [31:0]                  log_pages_o,
  input  logic                         log_mark_i,
  input  logic                         log_oor_i,
  output logic [63:0]                  hm_base_o,
  output logic [63:0]                  hm_size_o,
  output logic                         quiesce_o,
  input  logic [31:0]                  eng_status_i,
  input  logic [NUM_QUEUES-1:0]        qerr_i,
  input  logic [31:0]                  err_info_i,
  input  logic [NUM_QUEUES-1:0]        eng_irq_i,    // queue interrupts (through vdpu_irq_coal)
  input  logic                         eng_err_i,

  // firmware DMA channel (vdpu_fw_dma owns its registers; writes and the start are decoded here)
  input  logic [63:0]                  fwdma_addr_i,
  input  logic [15:0]                  fwdma_len_i,
  input  logic [31:0]                  fwdma_status_i,
  input  logic [FWDMA_BYTES*8-1:0]     fwdma_buf_i,
  input  logic                         fwdma_busy_i,
  output logic                         fwdma_wr_o,
  output logic [11:0]                  fwdma_wr_addr_o,
  output logic [31:0]                  fwdma_wr_data_o,
  output logic                         fwdma_start_o,
  output logic                         fwdma_start_wr_o,

  // RX filter settings and the drop count
  output logic [2:0]                   rxf_ctrl_o,
  // RX steering: active queue pairs (MQ_PAIRS), and a write of it (the flow table empties)
  output logic [15:0]                  mq_pairs_o,
  output logic                         mq_pairs_we_o,
  input  logic [STEER_ENTRIES-1:0]     mq_flows_i,
  // ... its flow table, entry by entry (STEER_IDX / STEER_ENT: live migration)
  output logic [$clog2(STEER_ENTRIES)-1:0] steer_idx_o,
  output logic                         steer_we_o,
  output logic [7:0]                   steer_wdata_o,
  input  logic [7:0]                   steer_ent_i,
  output logic [RXF_ENTRIES-1:0][47:0] rxf_tbl_mac_o,
  output logic [RXF_ENTRIES-1:0]       rxf_tbl_valid_o,
  input  logic                         rxf_drop_i,

  // host-side effects committed at this edge
  input  host_eff_t                    host_eff_i,

  // event FIFO
  input  logic [EVCNT_W-1:0]           ev_count_i,
  input  ev_t                          ev_head_i,
  output logic                         ev_pop_o,

  // host completer status
  input  logic                         held_i,
  input  logic [15:0]                  timeouts_i,
  input  logic [31:0]                  diag_count_i,
  input  logic [31:0]                  diag_last_i,
  output logic [31:0]                  hold_timeout_o,

  // config space control, queue contexts, interrupts
  input  logic                         msix_en_i,
  input  qctx_t [NUM_QUEUES-1:0]       qctx_i,
  output qwr_t                         qctx_wr_o,
  output logic                         dev_reset_o,
  output logic [NUM_VECTORS-1:0]       pend_set_o,

  // the migration state RAM (vdpu_mig_ram): MIG_RAM_DATA reads and writes dword MIG_RAM_IDX
  output logic [MRAM_AW-1:0]           mram_dw_o,
  input  logic [31:0]                  mram_rdata_i,
  output logic                         mram_we_o,
  output logic [31:0]                  mram_wdata_o,

  // register values the host decode reads
  output host_view_t                   view_o,
  output logic [1:0]                   isr_o,
  output logic                         cfg_update_o   // CONFIG_UPDATE[0]: config_generation reads are held
);

  localparam logic [31:0] ParamsValue = {8'(NUM_VECTORS), 8'(NUM_QUEUES), 16'(QSIZE_MAX)};
  localparam logic [15:0] CfgChange   = 16'hFFFF;  // HOST_IRQ queue value for a config change

  if (CSR_PARAMS_RST != ParamsValue || FEAT_WORDS != 4) begin : gen_params_check
    $error("vdpu_fw_csr: PARAMS reset value or FEAT_WORDS disagree with the device parameters");
  end

  // ---- registers --------------------------------------------------------------------------------
  typedef struct packed {
    logic [31:0]                 scratch;
    logic [31:0]                 irq_enable;
    logic [31:0]                 hold_timeout;
    logic [7:0]                  device_status;
    logic [7:0]                  config_gen;
    logic                        cfg_update;  // CONFIG_UPDATE[0]
    logic [15:0]                 num_queues;  // NUMQ, at most NUM_QUEUES
    logic [15:0]                 msix_config;
    logic [1:0]                  isr;
    logic [31:0]                 notify_count;
    logic [15:0]                 err_count;
    logic [7:0]                  err_code;
    logic [FEAT_WORDS-1:0][31:0] dev_feature;
    logic [FEAT_WORDS-1:0][31:0] drv_feature;
    logic [15:0]                 fw_qsel;
    logic [31:0]                 mac_lo;
    logic [15:0]                 mac_hi;
    logic [15:0]                 net_status;
    logic [15:0]                 net_max_qp;
    logic [15:0]                 net_mtu;
    logic                        ev_ovf;
    logic                        reset_pend;  // device_status 0 queued, DEV_RESET not yet acted
    logic [31:0]                 dfsel;     // common cfg device_feature_select
    logic [31:0]                 gfsel;     // common cfg driver_feature_select
    logic [15:0]                 qsel;      // common cfg queue_select
    logic                        quiesce;   // DP_CTRL[0]
    logic                        dp_err;    // DP_STATUS[1], sticky
    logic                        link;      // LINK_STATE[0], the sampled link level
    logic                        link_chg;  // LINK_STATE[1], sticky
    logic [15:0]                 ctrlq;     // CTRLQ
    logic [31:0]                 eng_ctrl;  // ENG_CTRL
    logic [31:0]                 eng_param; // ENG_PARAM
    logic [31:0]                 eng_coal;  // ENG_COAL
    logic [31:0]                 cpl_timeout;  // CPL_TIMEOUT
    logic [31:0]                 log_ctrl;  // LOG_CTRL (LOG_* survive DEV_RESET: the log is the hypervisor's)
    logic [63:0]                 log_base;  // LOG_BASE_HI/LO
    logic [63:0]                 log_range; // LOG_RANGE_HI/LO
    logic [31:0]                 log_pages; // LOG_PAGES
    logic                        log_oor;   // LOG_STATUS[0], sticky
    logic [31:0]                 log_marks; // LOG_MARKS
    logic [31:0]                 mig_status;  // MIG_STATUS (survives DEV_RESET: the mode is the hypervisor's)
    logic [31:0]                 mig_data;    // MIG_DATA
    logic [MRAM_AW-1:0]          mram_idx;    // MIG_RAM_IDX
    logic [63:0]                 hm_base;   // HOSTMEM_BASE_HI/LO
    logic [63:0]                 hm_size;   // HOSTMEM_SIZE_HI/LO
    logic [2:0]                  rxf_ctrl;  // RXF_CTRL
    logic [15:0]                 mq_pairs;  // MQ_PAIRS
    logic [$clog2(STEER_ENTRIES)-1:0] steer_idx; // STEER_IDX
    logic [31:0]                 rxf_dropped;  // RXF_DROPPED
    logic [RXF_ENTRIES-1:0][31:0] rxf_lo;   // RXF_MAC_LOi
    logic [RXF_ENTRIES-1:0][31:0] rxf_hi;   // RXF_MAC_HIi, only [31] and [15:0] stored
  } regs_t;

  localparam regs_t RegsRst = '{
    scratch:       CSR_SCRATCH_RST,
    irq_enable:    CSR_IRQ_ENABLE_RST,
    hold_timeout:  CSR_HOLD_TIMEOUT_RST,
    device_status: CSR_DEVICE_STATUS_RST[7:0],
    config_gen:    CSR_CONFIG_GEN_RST[7:0],
    cfg_update:    CSR_CONFIG_UPDATE_RST[0],
    num_queues:    CSR_NUMQ_RST[15:0],
    msix_config:   CSR_MSIX_CONFIG_RST[15:0],
    isr:           CSR_ISR_RST[1:0],
    notify_count:  CSR_NOTIFY_COUNT_RST,
    err_count:     CSR_FW_ERR_RST[31:16],
    err_code:      CSR_FW_ERR_RST[7:0],
    dev_feature:   {CSR_DEV_FEATURE3_RST, CSR_DEV_FEATURE2_RST, CSR_DEV_FEATURE1_RST, CSR_DEV_FEATURE0_RST},
    drv_feature:   {CSR_DRV_FEATURE3_RST, CSR_DRV_FEATURE2_RST, CSR_DRV_FEATURE1_RST, CSR_DRV_FEATURE0_RST},
    fw_qsel:       CSR_FW_QSEL_RST[15:0],
    mac_lo:        CSR_NET_MAC_LO_RST,
    mac_hi:        CSR_NET_MAC_HI_RST[15:0],
    net_status:    CSR_NET_STATUS_RST[15:0],
    net_max_qp:    CSR_NET_MAX_QP_RST[15:0],
    net_mtu:       CSR_NET_MTU_RST[15:0],
    ev_ovf:        CSR_EV_COUNT_RST[8],
    reset_pend:    1'b0,
    dfsel:         '0,
    gfsel:         '0,
    qsel:          '0,
    quiesce:       CSR_DP_CTRL_RST[0],
    dp_err:        CSR_DP_STATUS_RST[1],
    link:          CSR_LINK_STATE_RST[0],
    link_chg:      CSR_LINK_STATE_RST[1],
    ctrlq:         CSR_CTRLQ_RST[15:0],
    eng_ctrl:      CSR_ENG_CTRL_RST,
    eng_param:     CSR_ENG_PARAM_RST,
    eng_coal:      CSR_ENG_COAL_RST,
    cpl_timeout:   CSR_CPL_TIMEOUT_RST,
    log_ctrl:      CSR_LOG_CTRL_RST,
    log_base:      {CSR_LOG_BASE_HI_RST, CSR_LOG_BASE_LO_RST},
    log_range:     {CSR_LOG_RANGE_HI_RST, CSR_LOG_RANGE_LO_RST},
    log_pages:     CSR_LOG_PAGES_RST,
    log_oor:       CSR_LOG_STATUS_RST[LOG_STATUS_OOR_LSB],
    log_marks:     CSR_LOG_MARKS_RST,
    mig_status:    CSR_MIG_STATUS_RST,
    mig_data:      CSR_MIG_DATA_RST,
    mram_idx:      CSR_MIG_RAM_IDX_RST[MRAM_AW-1:0],
    hm_base:       {CSR_HOSTMEM_BASE_HI_RST, CSR_HOSTMEM_BASE_LO_RST},
    hm_size:       {CSR_HOSTMEM_SIZE_HI_RST, CSR_HOSTMEM_SIZE_LO_RST},
    rxf_ctrl:      CSR_RXF_CTRL_RST[2:0],
    mq_pairs:      CSR_MQ_PAIRS_RST[15:0],
    steer_idx:     CSR_STEER_IDX_RST[$clog2(STEER_ENTRIES)-1:0],
    rxf_dropped:   CSR_RXF_DROPPED_RST,
    rxf_lo:        '0,
    rxf_hi:        '0
  };
  // RXF_MAC_HIi: the bits stored (valid, mac[4..5])
  localparam logic [31:0] RxfHiBits = (32'(1) << RXF_MAC_HI0_VALID_LSB) |
                                      (((32'(1) << RXF_MAC_HI0_MAC_W) - 1) << RXF_MAC_HI0_MAC_LSB);

  regs_t       r_q, r_d;
  logic        rsp_valid_q;
  logic [31:0] rsp_rdata_q, rsp_rdata_d;

  // ---- request decode (pre-edge state) ------------------------------------------------------------
  typedef enum logic [1:0] {
    AccRw,   // plain storage
    AccRo,   // writes are BAD_CSR
    AccWo    // action CSR, reads 0
  } acc_e;

  logic              mapped, qcsr, fw_qsel_ok;
  acc_e              acc;
  logic [31:0]       rd;        // read value of the addressed CSR
  qfield_e           qfield;
  logic [31:0]       wmask, wval, act;
  logic              act_valid;
  logic [3:0]        irq_status;
  logic [QIDX_W-1:0] fw_qidx;
  qctx_t             fw_q;

  always_comb begin
    irq_status = '0;
    irq_status[IRQ_STATUS_EVENT_LSB]   = (ev_count_i != '0);
    irq_status[IRQ_STATUS_HELD_LSB]    = held_i;
    irq_status[IRQ_STATUS_LINK_LSB]    = r_q.link_chg;
    irq_status[IRQ_STATUS_INT_ERR_LSB] = r_q.dp_err;
  end
  assign fw_qsel_ok = (32'(r_q.fw_qsel) < NUM_QUEUES);
  assign fw_qidx    = r_q.fw_qsel[QIDX_W-1:0];
  assign fw_q       = fw_qsel_ok ? qctx_i[fw_qidx] : '0;

  for (genvar b = 0; b < 4; b++) begin : gen_wmask
    assign wmask[8*b+:8] = {8{fwreq_wstrb_i[b]}};
  end
  // Byte-strobe merge of a plain write (callers truncate to the register width).
  assign wval      = (rd & ~wmask) | (fwreq_wdata_i & wmask);
  // Action CSRs act on the strobed bytes, and only when some strobe is set.
  assign act       = fwreq_wdata_i & wmask;
  assign act_valid = (fwreq_wstrb_i != 4'b0000);

  // MAC table: entry i at RXF_MAC_LO0 + 8 i (LO), + 4 (HI)
  logic [15:0]                     rxf_off;
  logic [$clog2(RXF_ENTRIES)-1:0]  rxf_idx;
  logic                            fwdma_reg, rxf_reg;

  assign rxf_off = fwreq_addr_i - 16'(CSR_RXF_MAC_LO0);
  assign rxf_idx = rxf_off[3 +: $clog2(RXF_ENTRIES)];
  // The range check uses the full address; only the entry index and LO/HI bit of the offset matter.
  logic unused_rxf_off;
  assign unused_rxf_off = ^{rxf_off[15:3 + $clog2(RXF_ENTRIES)], rxf_off[1:0]};

  always_comb begin
    mapped = 1'b1;
    qcsr   = 1'b0;
    fwdma_reg = 1'b0;
    rxf_reg   = 1'b0;
    acc    = AccRw;
    rd     = '0;
    qfield = QF_SIZE;
    // Unaligned addresses match no CSR offset, so they are unmapped as well.
    unique case (fwreq_addr_i)
      16'(CSR_ID):            begin acc = AccRo; rd = CSR_ID_RST; end
      16'(CSR_VERSION):       begin acc = AccRo; rd = CSR_VERSION_RST; end
      16'(CSR_SCRATCH):       rd = r_q.scratch;
      16'(CSR_PARAMS):        begin acc = AccRo; rd = CSR_PARAMS_RST; end
      16'(CSR_IRQ_ENABLE):    rd = r_q.irq_enable;
      16'(CSR_IRQ_STATUS):    begin acc = AccRo; rd = 32'(irq_status); end
      16'(CSR_EV_COUNT):      begin
        acc = AccRo;
        rd[EV_COUNT_COUNT_LSB +: EV_COUNT_COUNT_W] = EV_COUNT_COUNT_W'(ev_count_i);
        rd[EV_COUNT_OVERFLOW_LSB]                  = r_q.ev_ovf;
      end
      16'(CSR_EV_HEAD_INFO):  begin acc = AccRo; rd = {8'b0, ev_head_i.qnum, ev_head_i.kind}; end
      16'(CSR_EV_HEAD_DATA):  begin acc = AccRo; rd = ev_head_i.data; end
      16'(CSR_EV_CTRL):       acc = AccWo;
      16'(CSR_HOLD_TIMEOUT):  rd = r_q.hold_timeout;
      16'(CSR_HOLD_STATUS):   begin
        acc = AccRo;
        rd[HOLD_STATUS_HELD_LSB] = held_i;
        rd[HOLD_STATUS_TIMEOUTS_LSB +: HOLD_STATUS_TIMEOUTS_W] = timeouts_i;
      end
      16'(CSR_DIAG_COUNT):    begin acc = AccRo; rd = diag_count_i; end
      16'(CSR_DIAG_LAST):     begin acc = AccRo; rd = diag_last_i; end
      16'(CSR_DEVICE_STATUS): rd = 32'(r_q.device_status);
      16'(CSR_CONFIG_GEN):    rd = 32'(r_q.config_gen);
      16'(CSR_CONFIG_UPDATE): rd = 32'(r_q.cfg_update) << CONFIG_UPDATE_BUSY_LSB;
      16'(CSR_NUMQ):          rd = 32'(r_q.num_queues);
      16'(CSR_MSIX_CONFIG):   rd = 32'(r_q.msix_config);
      16'(CSR_HOST_IRQ):      acc = AccWo;
      16'(CSR_ISR):           begin acc = AccRo; rd = 32'(r_q.isr); end
      16'(CSR_NOTIFY_COUNT):  begin acc = AccRo; rd = r_q.notify_count; end
      16'(CSR_DEV_RESET):     acc = AccWo;
      16'(CSR_FW_ERR):        begin
        acc = AccRo;
        rd[FW_ERR_CODE_LSB +: FW_ERR_CODE_W]   = r_q.err_code;
        rd[FW_ERR_COUNT_LSB +: FW_ERR_COUNT_W] = r_q.err_count;
      end
      16'(CSR_DEV_FEATURE0):  rd = r_q.dev_feature[0];
      16'(CSR_DEV_FEATURE1):  rd = r_q.dev_feature[1];
      16'(CSR_DEV_FEATURE2):  rd = r_q.dev_feature[2];
      16'(CSR_DEV_FEATURE3):  rd = r_q.dev_feature[3];
      16'(CSR_DRV_FEATURE0):  begin acc = AccRo; rd = r_q.drv_feature[0]; end
      16'(CSR_DRV_FEATURE1):  begin acc = AccRo; rd = r_q.drv_feature[1]; end
      16'(CSR_DRV_FEATURE2):  begin acc = AccRo; rd = r_q.drv_feature[2]; end
      16'(CSR_DRV_FEATURE3):  begin acc = AccRo; rd = r_q.drv_feature[3]; end
      16'(CSR_FW_QSEL):       rd = 32'(r_q.fw_qsel);
      16'(CSR_Q_SIZE):        begin qcsr = 1'b1; qfield = QF_SIZE;     rd = 32'(fw_q.size); end
      16'(CSR_Q_MSIX):        begin qcsr = 1'b1; qfield = QF_MSIX;     rd = 32'(fw_q.msix); end
      16'(CSR_Q_ENABLE):      begin qcsr = 1'b1; qfield = QF_ENABLE;   rd = 32'(fw_q.enable); end
      16'(CSR_Q_RESET):       begin qcsr = 1'b1; qfield = QF_RESET;    rd = 32'(fw_q.reset); end
      16'(CSR_Q_DESC_LO):     begin qcsr = 1'b1; qfield = QF_DESC_LO;  rd = fw_q.desc_lo; end
      16'(CSR_Q_DESC_HI):     begin qcsr = 1'b1; qfield = QF_DESC_HI;  rd = fw_q.desc_hi; end
      16'(CSR_Q_AVAIL_LO):    begin qcsr = 1'b1; qfield = QF_AVAIL_LO; rd = fw_q.avail_lo; end
      16'(CSR_Q_AVAIL_HI):    begin qcsr = 1'b1; qfield = QF_AVAIL_HI; rd = fw_q.avail_hi; end
      16'(CSR_Q_USED_LO):     begin qcsr = 1'b1; qfield = QF_USED_LO;  rd = fw_q.used_lo; end
      16'(CSR_Q_USED_HI):     begin qcsr = 1'b1; qfield = QF_USED_HI;  rd = fw_q.used_hi; end
      16'(CSR_Q_AVAIL_POS):   begin
        qcsr  = 1'b1;
        qfield = QF_AVAIL_POS;
        rd[Q_AVAIL_POS_IDX_LSB +: Q_AVAIL_POS_IDX_W] = fw_q.last_avail;
        rd[Q_AVAIL_POS_WRAP_LSB]                     = fw_q.avail_wrap;
      end
      16'(CSR_Q_KICK):        begin qcsr = 1'b1; acc = AccRo; rd = 32'(fw_q.kick); end
      16'(CSR_Q_USED_POS):    begin
        qcsr  = 1'b1;
        qfield = QF_USED_POS;
        rd[Q_USED_POS_IDX_LSB +: Q_USED_POS_IDX_W] = fw_q.used_idx;
        rd[Q_USED_POS_WRAP_LSB]                    = fw_q.used_wrap;
      end
      16'(CSR_NET_MAC_LO):    rd = r_q.mac_lo;
      16'(CSR_NET_MAC_HI):    rd = 32'(r_q.mac_hi);
      16'(CSR_NET_STATUS):    rd = 32'(r_q.net_status);
      16'(CSR_NET_MAX_QP):    rd = 32'(r_q.net_max_qp);
      16'(CSR_NET_MTU):       rd = 32'(r_q.net_mtu);
      16'(CSR_CONSOLE):       acc = AccWo;
      16'(CSR_DP_CTRL):       rd = 32'(r_q.quiesce) << DP_CTRL_QUIESCE_LSB;
      16'(CSR_DP_STATUS):     begin
        acc = AccRo;
        rd[DP_STATUS_QUIESCED_LSB] = r_q.quiesce && !dma_busy_i;
        rd[DP_STATUS_ERR_LSB]      = r_q.dp_err;
      end
      16'(CSR_LINK_STATE):    begin
        acc = AccRo;
        rd[LINK_STATE_UP_LSB]      = r_q.link;
        rd[LINK_STATE_CHANGED_LSB] = r_q.link_chg;
      end
      16'(CSR_INT_ACK):       acc = AccWo;
      16'(CSR_CTRLQ):         rd = 32'(r_q.ctrlq);
      16'(CSR_ENG_CTRL):        rd = r_q.eng_ctrl;
      16'(CSR_ENG_PARAM):       rd = r_q.eng_param;
      16'(CSR_ENG_COAL):        rd = r_q.eng_coal;
      16'(CSR_CPL_TIMEOUT):     rd = r_q.cpl_timeout;
      16'(CSR_LOG_CTRL):        rd = r_q.log_ctrl;
      16'(CSR_LOG_BASE_LO):     rd = r_q.log_base[31:0];
      16'(CSR_LOG_BASE_HI):     rd = r_q.log_base[63:32];
      16'(CSR_LOG_RANGE_LO):    rd = r_q.log_range[31:0];
      16'(CSR_LOG_RANGE_HI):    rd = r_q.log_range[63:32];
      16'(CSR_LOG_PAGES):       rd = r_q.log_pages;
      16'(CSR_LOG_STATUS):      rd = 32'(r_q.log_oor) << LOG_STATUS_OOR_LSB;
      16'(CSR_LOG_MARKS):       begin acc = AccRo; rd = r_q.log_marks; end
      16'(CSR_MIG_STATUS):      rd = r_q.mig_status;
      16'(CSR_MIG_DATA):        rd = r_q.mig_data;
      16'(CSR_MIG_RAM_IDX):     rd = 32'(r_q.mram_idx);
      16'(CSR_MIG_RAM_DATA):    rd = mram_rdata_i;
      16'(CSR_HOSTMEM_BASE_LO): rd = r_q.hm_base[31:0];
      16'(CSR_HOSTMEM_BASE_HI): rd = r_q.hm_base[63:32];
      16'(CSR_HOSTMEM_SIZE_LO): rd = r_q.hm_size[31:0];
      16'(CSR_HOSTMEM_SIZE_HI): rd = r_q.hm_size[63:32];
      16'(CSR_ENG_STATUS):    begin acc = AccRo; rd = eng_status_i; end
      16'(CSR_QERR):          begin acc = AccRo; rd = 32'(qerr_i); end
      16'(CSR_ERR_INFO):      begin acc = AccRo; rd = err_info_i; end
      16'(CSR_FWDMA_ADDR_LO): begin fwdma_reg = 1'b1; rd = fwdma_addr_i[31:0]; end
      16'(CSR_FWDMA_ADDR_HI): begin fwdma_reg = 1'b1; rd = fwdma_addr_i[63:32]; end
      16'(CSR_FWDMA_LEN):     begin fwdma_reg = 1'b1; rd = 32'(fwdma_len_i); end
      16'(CSR_FWDMA_CTRL):    acc = AccWo;
      16'(CSR_FW_ERR_SET):    acc = AccWo;
      16'(CSR_FWDMA_STATUS):  begin acc = AccRo; rd = fwdma_status_i; end
      16'(CSR_RXF_CTRL):      rd = 32'(r_q.rxf_ctrl);
      16'(CSR_MQ_PAIRS):      rd = 32'(r_q.mq_pairs);
      16'(CSR_MQ_FLOWS):      begin acc = AccRo; rd = 32'(mq_flows_i); end
      16'(CSR_STEER_IDX):     rd = 32'(r_q.steer_idx);
      16'(CSR_STEER_ENT):     rd = 32'(steer_ent_i);
      16'(CSR_RXF_DROPPED):   begin acc = AccRo; rd = r_q.rxf_dropped; end
      default: begin
        // two register arrays: the DMA buffer (FWDMA_DATA0..15) and the MAC table (LO/HI pairs)
        if (fwreq_addr_i[1:0] == 2'b00 && fwreq_addr_i >= 16'(CSR_FWDMA_DATA0) &&
            fwreq_addr_i <= 16'(CSR_FWDMA_DATA15)) begin
          fwdma_reg = 1'b1;
          rd        = fwdma_buf_i[{fwreq_addr_i[5:2], 5'b00000} +: 32];
        end else if (fwreq_addr_i[1:0] == 2'b00 && fwreq_addr_i >= 16'(CSR_RXF_MAC_LO0) &&
                     fwreq_addr_i <= 16'(CSR_RXF_MAC_HI3)) begin
          rxf_reg = 1'b1;
          rd      = rxf_off[2] ? r_q.rxf_hi[rxf_idx] : r_q.rxf_lo[rxf_idx];
        end else begin
          mapped = 1'b0;
        end
      end
    endcase
  end

  // The event push, ring writes and table writes of the host effects are applied elsewhere;
  // HOST_IRQ takes a 16-bit queue number.
  logic unused_in;
  assign unused_in = ^{host_eff_i.ev.qnum, host_eff_i.ev.data[31:8], host_eff_i.qwr, host_eff_i.tbl_we,
                       host_eff_i.tbl_size8, host_eff_i.tbl_dw, host_eff_i.data[63:32], act[31:16],
                       host_eff_i.notify_q, host_eff_i.notify_nd, host_eff_i.mram_we, host_eff_i.mram_dw};
  // The doorbell data has no CSR (Q_KICK shows the pending doorbell).
  logic unused_fw_q;
  assign unused_fw_q = ^{fw_q.nd, fw_q.nd_valid};

  // ---- next state: host effects, then the firmware request ------------------------------------------
  logic        err;       // firmware request error
  logic [7:0]  err_code;
  logic        cpl_err;   // unexpected DMA completion
  logic [15:0] irq_q;     // HOST_IRQ queue number
  logic        irq_q_ok;
  logic [15:0] irq_vec;   // its MSI-X vector
  logic [15:0] eng_vec;   // MSI-X vector of the queue engine's interrupt

  always_comb begin

    r_d         = r_q;
    rsp_rdata_d = '0;
    ev_pop_o    = 1'b0;
    qctx_wr_o   = '0;
    dev_reset_o = 1'b0;
    mram_we_o   = 1'b0;
    mq_pairs_we_o = 1'b0;
    steer_we_o    = 1'b0;
    pend_set_o  = '0;
    fwdma_wr_o       = 1'b0;
    fwdma_wr_addr_o  = fwreq_addr_i[11:0];
    fwdma_wr_data_o  = wval;
    fwdma_start_o    = 1'b0;
    fwdma_start_wr_o = act[FWDMA_CTRL_WRITE_LSB];
    err         = 1'b0;
    err_code    = '0;
    cpl_err     = dmacpl_valid_i && !cpl_expected_i;
    irq_q       = act[HOST_IRQ_QUEUE_LSB +: HOST_IRQ_QUEUE_W];
    irq_q_ok    = (32'(irq_q) < NUM_QUEUES);
    irq_vec     = (irq_q == CfgChange) ? r_q.msix_config : (irq_q_ok ? qctx_i[irq_q[QIDX_W-1:0]].msix : 16'hFFFF);
    eng_vec     = '0;

    // host side
    if (host_eff_i.dfsel_we) r_d.dfsel = host_eff_i.data[31:0];
    if (host_eff_i.gfsel_we) r_d.gfsel = host_eff_i.data[31:0];
    if (host_eff_i.qsel_we) r_d.qsel = host_eff_i.data[15:0];
    if (host_eff_i.drv_feat_we) r_d.drv_feature[r_q.gfsel[FSEL_W-1:0]] = host_eff_i.data[31:0];
    if (host_eff_i.isr_clr) r_d.isr = '0;
    if (host_eff_i.notify_inc) r_d.notify_count = r_q.notify_count + 32'd1;
    if (host_eff_i.ev_ovf_set) r_d.ev_ovf = 1'b1;
    // a reset request queued: common cfg writes are ignored until DEV_RESET acts (vdpu_bar_decode)
    if (host_eff_i.ev_push && host_eff_i.ev.kind == EV_STATUS && host_eff_i.ev.data[7:0] == '0) begin
      r_d.reset_pend = 1'b1;
    end

    // firmware side
    if (fwreq_valid_i) begin
      if (!fwreq_we_i) rsp_rdata_d = (mapped && !(qcsr && !fw_qsel_ok) && acc != AccWo) ? rd : '0;

      if (!mapped || (fwreq_we_i && acc == AccRo)) begin
        err      = 1'b1;
        err_code = FWERR_BAD_CSR;
      end else if (qcsr && !fw_qsel_ok) begin
        err      = 1'b1;
        err_code = FWERR_BAD_QSEL;
      end else if (fwreq_we_i && qcsr && fw_q.enable != '0 &&
                   qfield inside {QF_SIZE, [QF_DESC_LO:QF_USED_HI], QF_AVAIL_POS, QF_USED_POS}) begin
        err      = 1'b1;  // an enabled queue's geometry and position are the engine's
        err_code = FWERR_Q_LIVE;
      end else if (fwreq_we_i && qcsr) begin
        qctx_wr_o = '{valid: 1'b1, idx: fw_qidx, field: qfield, data: wval};
        if (qfield inside {QF_SIZE, QF_MSIX, QF_ENABLE, QF_RESET}) qctx_wr_o.data = 32'(wval[15:0]);
      end else if (fwreq_we_i && fwdma_reg) begin
        fwdma_wr_o = 1'b1;
      end else if (fwreq_we_i && rxf_reg) begin
        if (rxf_off[2]) r_d.rxf_hi[rxf_idx] = wval & RxfHiBits;
        else r_d.rxf_lo[rxf_idx] = wval;
      end else if (fwreq_we_i) begin
        unique case (fwreq_addr_i)
          16'(CSR_SCRATCH):       r_d.scratch       = wval;
          16'(CSR_IRQ_ENABLE):    r_d.irq_enable    = wval;
          16'(CSR_HOLD_TIMEOUT):  r_d.hold_timeout  = wval;
          16'(CSR_DEVICE_STATUS): r_d.device_status = wval[7:0];
          16'(CSR_CONFIG_GEN):    r_d.config_gen    = wval[7:0];
          16'(CSR_CONFIG_UPDATE): r_d.cfg_update    = wval[CONFIG_UPDATE_BUSY_LSB];
          16'(CSR_NUMQ):          r_d.num_queues    = (32'(wval[15:0]) < NUM_QUEUES) ? wval[15:0] : 16'(NUM_QUEUES);
          16'(CSR_MSIX_CONFIG):   r_d.msix_config   = wval[15:0];
          16'(CSR_DEV_FEATURE0):  r_d.dev_feature[0] = wval;
          16'(CSR_DEV_FEATURE1):  r_d.dev_feature[1] = wval;
          16'(CSR_DEV_FEATURE2):  r_d.dev_feature[2] = wval;
          16'(CSR_DEV_FEATURE3):  r_d.dev_feature[3] = wval;
          16'(CSR_FW_QSEL):       r_d.fw_qsel       = wval[15:0];
          16'(CSR_NET_MAC_LO):    r_d.mac_lo        = wval;
          16'(CSR_NET_MAC_HI):    r_d.mac_hi        = wval[15:0];
          16'(CSR_NET_STATUS):    r_d.net_status    = wval[15:0];
          16'(CSR_NET_MAX_QP):    r_d.net_max_qp    = wval[15:0];
          16'(CSR_NET_MTU):       r_d.net_mtu       = wval[15:0];
          16'(CSR_DP_CTRL):       r_d.quiesce       = wval[DP_CTRL_QUIESCE_LSB];
          16'(CSR_CTRLQ):         r_d.ctrlq         = wval[15:0];
          16'(CSR_ENG_CTRL):        r_d.eng_ctrl        = wval & ((32'(1) << (ENGCTRL_MTU + 5'd1)) - 32'(1));  // only the ENGCTRL_* bits
          16'(CSR_ENG_PARAM):       r_d.eng_param       = wval;
          16'(CSR_ENG_COAL):        r_d.eng_coal        = wval;
          16'(CSR_CPL_TIMEOUT):     r_d.cpl_timeout     = wval;
          16'(CSR_LOG_CTRL):        r_d.log_ctrl        = wval & ((32'(1) << LOG_CTRL_EN_LSB) |
                                                                  (((32'(1) << LOG_CTRL_SHIFT_W) - 32'(1)) << LOG_CTRL_SHIFT_LSB));
          16'(CSR_LOG_BASE_LO):     r_d.log_base[31:0]  = wval;
          16'(CSR_LOG_BASE_HI):     r_d.log_base[63:32] = wval;
          16'(CSR_LOG_RANGE_LO):    r_d.log_range[31:0]  = wval;
          16'(CSR_LOG_RANGE_HI):    r_d.log_range[63:32] = wval;
          16'(CSR_LOG_PAGES):       r_d.log_pages       = wval;
          16'(CSR_LOG_STATUS):      if (wval[LOG_STATUS_OOR_LSB]) r_d.log_oor = 1'b0;  // write 1 to clear
          16'(CSR_MIG_STATUS):      r_d.mig_status      = wval;
          16'(CSR_MIG_DATA):        r_d.mig_data        = wval;
          16'(CSR_MIG_RAM_IDX):     r_d.mram_idx        = wval[MRAM_AW-1:0];
          16'(CSR_MIG_RAM_DATA): begin  // store, then the next dword
            mram_we_o    = 1'b1;
            r_d.mram_idx = r_q.mram_idx + 1'b1;
          end
          16'(CSR_HOSTMEM_BASE_LO): r_d.hm_base[31:0]   = wval;
          16'(CSR_HOSTMEM_BASE_HI): r_d.hm_base[63:32]  = wval;
          16'(CSR_HOSTMEM_SIZE_LO): r_d.hm_size[31:0]   = wval;
          16'(CSR_HOSTMEM_SIZE_HI): r_d.hm_size[63:32]  = wval;
          16'(CSR_RXF_CTRL):        r_d.rxf_ctrl        = wval[2:0];
          16'(CSR_MQ_PAIRS): begin  // any write: a new pair count starts with no known flows
            r_d.mq_pairs  = wval[15:0];
            mq_pairs_we_o = 1'b1;
          end
          16'(CSR_STEER_IDX):       r_d.steer_idx       = wval[$clog2(STEER_ENTRIES)-1:0];
          16'(CSR_STEER_ENT):       steer_we_o          = 1'b1;
          16'(CSR_FW_ERR_SET): begin
            if (act_valid) begin
              err      = 1'b1;
              err_code = act[FW_ERR_CODE_LSB +: FW_ERR_CODE_W];
            end
          end
          16'(CSR_FWDMA_CTRL): begin
            if (act_valid && act[FWDMA_CTRL_START_LSB]) begin
              if (fwdma_busy_i) begin
                err      = 1'b1;
                err_code = FWERR_FWDMA_BUSY;
              end else begin
                fwdma_start_o = 1'b1;
              end
            end
          end
          16'(CSR_INT_ACK): begin
            if (act_valid && act[INT_ACK_LINK_LSB]) r_d.link_chg = 1'b0;
            if (act_valid && act[INT_ACK_ERR_LSB]) r_d.dp_err = 1'b0;
          end
          16'(CSR_EV_CTRL): begin
            if (act_valid && act[EV_CTRL_POP_LSB]) ev_pop_o = 1'b1;
            if (act_valid && act[EV_CTRL_CLR_OVF_LSB]) r_d.ev_ovf = 1'b0;
          end
          16'(CSR_HOST_IRQ): begin
            if (act_valid) begin
              // The Device Configuration Interrupt bit is set before the notification is sent, with
              // MSI-X too (transport-pci, "ISR status capability"); the Queue Interrupt bit only without.
              if (irq_q == CfgChange) r_d.isr = r_d.isr | 2'b10;
              if (msix_en_i) begin
                if ((irq_q == CfgChange || irq_q_ok) && 32'(irq_vec) < NUM_VECTORS) begin
                  pend_set_o[irq_vec[$clog2(NUM_VECTORS)-1:0]] = 1'b1;
                end else begin
                  err      = 1'b1;
                  err_code = FWERR_NO_VECTOR;
                end
              end else if (irq_q == CfgChange) begin
                // ISR bit 1 set above
              end else if (irq_q_ok) begin
                r_d.isr = r_d.isr | 2'b01;
              end else begin
                err      = 1'b1;
                err_code = FWERR_NO_VECTOR;
              end
            end
          end
          16'(CSR_DEV_RESET): begin
            if (act_valid && act[DEV_RESET_VIRTIO_LSB]) begin
              dev_reset_o       = 1'b1;  // queue contexts, in vdpu_qctx
              r_d.device_status = RegsRst.device_status;
              r_d.msix_config   = RegsRst.msix_config;
              r_d.dfsel         = RegsRst.dfsel;
              r_d.gfsel         = RegsRst.gfsel;
              r_d.qsel          = RegsRst.qsel;
              r_d.drv_feature   = RegsRst.drv_feature;
              r_d.isr           = RegsRst.isr;
              r_d.mq_pairs      = RegsRst.mq_pairs;  // the spec: after reset only receiveq1
              // the request has been served - unless the host asked again at this edge (none was
              // pending before it, so that request is still to come)
              r_d.reset_pend    = r_d.reset_pend && !r_q.reset_pend;
            end
          end
          default: ;
        endcase
      end
    end

    // Status inputs after the firmware's acknowledge, so a change at the same edge is not lost.
    if (link_up_i != r_q.link) begin
      r_d.link     = link_up_i;
      r_d.link_chg = 1'b1;
    end
    // an unexpected completion latches the internal error too: the device no longer trusts its
    // completions (a later one could be taken for a read that reuses the tag)
    if (dp_err_i || eng_err_i || cpl_err) r_d.dp_err = 1'b1;
    if (rxf_drop_i) r_d.rxf_dropped = r_q.rxf_dropped + 32'd1;
    if (log_oor_i) r_d.log_oor = 1'b1;  // a same-edge clear loses to a new out-of-range write
    if (log_mark_i) r_d.log_marks = r_q.log_marks + 32'd1;

    // Queue engine interrupt, last: exactly what HOST_IRQ(q) does, but with no FW_ERR when the
    // queue has no vector (then there is simply no interrupt). Same-edge firmware requests also
    // take effect, so pending bits are or-ed and the ISR bit is set after a host read-to-clear.
    for (int unsigned q = 0; q < NUM_QUEUES; q++) begin
      if (eng_irq_i[q]) begin
        eng_vec = qctx_i[q].msix;
        if (msix_en_i) begin
          if (32'(eng_vec) < NUM_VECTORS) pend_set_o[eng_vec[$clog2(NUM_VECTORS)-1:0]] = 1'b1;
        end else begin
          r_d.isr = r_d.isr | 2'b01;
        end
      end
    end

    // FW_ERR: the DMA completion error counts first, the firmware request's error last.
    if (cpl_err) begin
      if (r_d.err_count != 16'hFFFF) r_d.err_count = r_d.err_count + 16'd1;
      r_d.err_code = FWERR_UNEXPECTED_CPL;
    end
    if (err) begin
      if (r_d.err_count != 16'hFFFF) r_d.err_count = r_d.err_count + 16'd1;
      r_d.err_code = err_code;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      r_q         <= RegsRst;
      rsp_valid_q <= 1'b0;
      rsp_rdata_q <= '0;
    end else begin
      r_q         <= r_d;
      rsp_valid_q <= fwreq_valid_i;
      rsp_rdata_q <= rsp_rdata_d;
    end
  end

  assign fwrsp_valid_o  = rsp_valid_q;
  assign fwrsp_rdata_o  = rsp_rdata_q;
  assign fw_irq_o       = irq_status & r_q.irq_enable[3:0];
  assign hold_timeout_o = r_q.hold_timeout;
  assign isr_o          = r_q.isr;
  assign cfg_update_o   = r_q.cfg_update;
  assign eng_ctrl_o     = r_q.eng_ctrl;
  assign eng_param_o    = r_q.eng_param;
  assign eng_coal_o     = r_q.eng_coal;
  assign cpl_timeout_o  = r_q.cpl_timeout;
  assign log_ctrl_o     = r_q.log_ctrl;
  assign log_base_o     = r_q.log_base;
  assign log_range_o    = r_q.log_range;
  assign log_pages_o    = r_q.log_pages;
  assign mram_dw_o      = r_q.mram_idx;
  assign mram_wdata_o   = wval;  // byte strobes merge into the dword MIG_RAM_IDX names
  assign hm_base_o      = r_q.hm_base;
  assign hm_size_o      = r_q.hm_size;
  assign quiesce_o      = r_q.quiesce;
  assign rxf_ctrl_o     = r_q.rxf_ctrl;
  assign mq_pairs_o     = r_q.mq_pairs;
  assign steer_idx_o    = r_q.steer_idx;
  assign steer_wdata_o  = wval[7:0];
  for (genvar i = 0; i < RXF_ENTRIES; i++) begin : gen_rxf_tbl
    assign rxf_tbl_mac_o[i]   = {r_q.rxf_hi[i][15:0], r_q.rxf_lo[i]};
    assign rxf_tbl_valid_o[i] = r_q.rxf_hi[i][31];
  end

  assign view_o = '{
    dfsel:         r_q.dfsel,
    gfsel:         r_q.gfsel,
    qsel:          r_q.qsel,
    dev_feature:   r_q.dev_feature,
    drv_feature:   r_q.drv_feature,
    msix_config:   r_q.msix_config,
    device_status: r_q.device_status,
    config_gen:    r_q.config_gen,
    num_queues:    r_q.num_queues,
    isr:           r_q.isr,
    mac:           {r_q.mac_hi, r_q.mac_lo},
    net_status:    r_q.net_status,
    net_max_qp:    r_q.net_max_qp,
    net_mtu:       r_q.net_mtu,
    ctrlq:         r_q.ctrlq,
    reset_pend:    r_q.reset_pend,
    mig_status:    r_q.mig_status,
    mig_data:      r_q.mig_data
  };

endmodule
