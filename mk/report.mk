# mk/report.mk - docs/split-vs-packed.md: two fixed compare sweeps (model engine, seed 1), their tables and charts.
REPORT     := $(BUILD)/report
REPORT_IMG := docs/img/compare
# the default sweep (engine parameters P = B = 1 at its base point) gives the charts and the feature-set tables
REPORT_DEFAULT := --seed 1
# the headline: the queue engine at its largest prefetch and batch, every one of the 16 feature sets
REPORT_BEST := --seed 1 --design cross --ring split,packed --features every --workload tx,rx,loopback \
               --pkt-size 64,1500 --rtt 200 --prefetch 8 --used-batch 8

report: deps $(VDPU) $(FW_ELF) ## regenerate docs/split-vs-packed.md: fixed compare sweeps, tables, charts
	@mkdir -p $(REPORT) $(REPORT_IMG)
	$(VDPU) compare --quiet --jobs $(JOBS) --dir $(REPORT)/default $(REPORT_DEFAULT) --plot $(REPORT)/plot \
	  --markdown $(REPORT)/default.md
	$(VDPU) compare --quiet --jobs $(JOBS) --dir $(REPORT)/best $(REPORT_BEST) --markdown $(REPORT)/best.md
	awk '/^#### /{p = /^#### Best/} p' $(REPORT)/best.md > $(REPORT)/best-headline.md
	cp $(REPORT)/plot/*.png $(REPORT)/plot/*.svg $(REPORT)/plot/compare.csv $(REPORT_IMG)/
	@printf '    vdpu compare %s --plot DIR\n    vdpu compare %s\n' '$(REPORT_DEFAULT)' \
	  '$(strip $(REPORT_BEST))' > $(REPORT)/commands.md
	awk -v dir=$(REPORT) '/^@include /{f = dir "/" $$2; while ((getline l < f) > 0) print l; close(f); next} {print}' \
	  docs/split-vs-packed.md.in > docs/split-vs-packed.md
	@echo "report: docs/split-vs-packed.md and $(REPORT_IMG)/ regenerated"

.PHONY: report
