# vigil - build, test, sanitize, fuzz and benchmark.
#
#   make            build/vigild, build/vigilctl, build/vigil-replay (static musl)
#   make test       every unit test (default and tiny limits) and integration test
#   make asan       unit and integration tests under ASan+UBSan (glibc build)
#   make fuzz       every fuzz target for FUZZ_SECONDS each (default 60)
#   make bench      benchmarks; prints "bench: <name> <value> <unit>" lines
#   make check-core fail if core/ touches I/O, clocks, allocators or libraries
#
# Dependencies (libuv, mbedTLS, libssh2, nanopb) are built once from Debian's
# source packages by tools/deps.sh and cached under build/deps.

BUILD   ?= build
DEPS    := $(BUILD)/deps
MUSL    := $(DEPS)/musl
GLIBC   := $(DEPS)/glibc
NANOPB  := $(DEPS)/nanopb
STAMP   := $(DEPS)/.stamp
PYTHON  ?= /usr/bin/python3
FUZZ_SECONDS ?= 60

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GITREV  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
CSTD    := -std=c11
# Everything outside core/ may use POSIX and Linux interfaces.
PLATDEF := -D_GNU_SOURCE -DVIGIL_VERSION='"$(VERSION)"' -DVIGIL_GITREV='"$(GITREV)"'

# Each core module may add its own tiny limits in tests/unit/tiny-<mod>.mk
# (TINY_EXTRA += -DVIGIL_...).
TINY_EXTRA :=
-include $(sort $(wildcard tests/unit/tiny-*.mk))

# Tiny limits: the unit tests run a second time with these so that every
# table-full, truncation and eviction path is exercised.
TINY     = -DVIGIL_MAX_MSG=512 -DVIGIL_MAX_HOSTNAME=16 -DVIGIL_MAX_APPNAME=8 \
           -DVIGIL_UDP_BATCH=2 -DVIGIL_MAX_TCP_CONN=2 -DVIGIL_MAX_HOSTS=2 \
           -DVIGIL_MAX_HOST_ADDRS=1 -DVIGIL_MAX_STATUS_CONN=1 \
           -DVIGIL_MAX_NOC_ALLOW=1 -DVIGIL_MAX_NONCES=4 \
           -DVIGIL_MAX_CONFIG=2048 -DVIGIL_MAX_CONFIG_LINE=128 \
           $(TINY_EXTRA)

CORE_SRC     := $(sort $(wildcard core/*.c))
PLATFORM_SRC := $(sort $(wildcard platform/*.c))
FIRMWARE_SRC := $(sort $(wildcard firmware/*.c))
PROTO_SRC    := $(sort $(wildcard proto/*.c))
REPLAY_SRC   := $(sort $(wildcard tools/replay/*.c))
UNIT_SRC     := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRC    := $(sort $(wildcard tests/bench/bench_*.c))
NANOPB_SRC   := $(NANOPB)/pb_common.c $(NANOPB)/pb_encode.c $(NANOPB)/pb_decode.c
PROTO_GEN    := $(BUILD)/gen/vigil.pb.c
GEN_INC      := -I$(BUILD)/gen -I$(NANOPB) -Iproto -iquote core -Iplatform -Ifirmware

# ---- static musl build ------------------------------------------------------

MCC     := musl-gcc
MFLAGS  := $(CSTD) $(WARN) -Os -g -ffunction-sections -fdata-sections
# core/ is the per-message path (parse, mask, Drain, features, prediction):
# built for speed, the rest for size.  Costs about 24 KB of vigild.
MCORE   := -O2
MLINK   := -static -Wl,--gc-sections
WRAP    := -Wl,--wrap=malloc,--wrap=free,--wrap=calloc,--wrap=realloc \
           -Wl,--wrap=aligned_alloc,--wrap=posix_memalign,--wrap=memalign
MLIBS   := -L$(MUSL)/lib -lssh2 -lmbedtls -lmbedx509 -lmbedcrypto -luv -lm

.SECONDARY:
.PHONY: all deps test unit unit-tiny integration asan fuzz bench check-core \
        clean distclean lab
all: check-core $(BUILD)/vigild $(BUILD)/vigilctl $(BUILD)/vigil-replay

deps: $(STAMP)
$(STAMP): tools/deps.sh
	tools/deps.sh $(BUILD)
	touch $@

$(BUILD)/gen/vigil.pb.c: proto/vigil.proto proto/vigil.options $(STAMP)
	@mkdir -p $(BUILD)/gen
	$(PYTHON) /usr/bin/nanopb_generator.py -I proto -D $(BUILD)/gen \
	    -f proto/vigil.options proto/vigil.proto
$(BUILD)/gen/vigil.pb.h: $(BUILD)/gen/vigil.pb.c

# The embedded default configuration, as a C array.
$(BUILD)/gen/default_conf.c: firmware/default.conf tools/embed.sh
	@mkdir -p $(BUILD)/gen
	tools/embed.sh vigil_default_conf firmware/default.conf > $@
$(BUILD)/gen/default_rules.c: firmware/drain.rules tools/embed.sh
	@mkdir -p $(BUILD)/gen
	tools/embed.sh vigil_default_drain_rules firmware/drain.rules > $@

# Object rules: one per (tree, flavour).  $(BUILD)/m/... is musl.
$(BUILD)/m/core/%.o: core/%.c core/*.h | $(STAMP)
	@mkdir -p $(@D)
	$(MCC) $(MFLAGS) $(MCORE) -pedantic -iquote core -c $< -o $@
$(BUILD)/m/%.o: %.c core/*.h platform/*.h proto/*.h firmware/*.h | $(STAMP)
	@mkdir -p $(@D)
	$(MCC) $(MFLAGS) $(PLATDEF) $(GEN_INC) -I$(MUSL)/include -c $< -o $@
$(BUILD)/m/gen/%.o: $(BUILD)/gen/%.c $(STAMP)
	@mkdir -p $(@D)
	$(MCC) $(MFLAGS) $(PLATDEF) $(GEN_INC) -c $< -o $@
# The nanopb runtime sources appear with the dependency build.
$(NANOPB_SRC): $(STAMP) ;
$(BUILD)/m/nanopb/%.o: $(NANOPB)/%.c $(STAMP)
	@mkdir -p $(@D)
	$(MCC) $(MFLAGS) -I$(NANOPB) -c $< -o $@

M_CORE     := $(CORE_SRC:%.c=$(BUILD)/m/%.o)

M_PLATFORM := $(PLATFORM_SRC:%.c=$(BUILD)/m/%.o)
M_FIRMWARE := $(FIRMWARE_SRC:%.c=$(BUILD)/m/%.o) $(BUILD)/m/gen/default_conf.o \
              $(BUILD)/m/gen/default_rules.o
M_PROTO    := $(PROTO_SRC:%.c=$(BUILD)/m/%.o) $(BUILD)/m/gen/vigil.pb.o \
              $(patsubst $(NANOPB)/%.c,$(BUILD)/m/nanopb/%.o,$(NANOPB_SRC))

# Everything that sees the generated protobuf header waits for it.
GEN_USERS := $(PLATFORM_SRC) $(FIRMWARE_SRC) $(PROTO_SRC) tools/vigilctl.c
$(GEN_USERS:%.c=$(BUILD)/m/%.o) $(GEN_USERS:%.c=$(BUILD)/asan/%.o): $(BUILD)/gen/vigil.pb.h

$(BUILD)/vigild: $(M_FIRMWARE) $(M_PLATFORM) $(M_PROTO) $(M_CORE)
	$(MCC) $(MLINK) $(WRAP) -o $@.debug $^ $(MLIBS)
	strip -o $@ $@.debug
	@size=$$(stat -c %s $@); echo "vigild: $$size bytes stripped"; \
	  if [ $$size -gt 1572864 ]; then echo "vigild exceeds 1.5 MiB"; exit 1; fi

$(BUILD)/vigilctl: $(BUILD)/m/tools/vigilctl.o $(M_PROTO) $(M_CORE)
	$(MCC) $(MLINK) -o $@ $^ -lm
	strip $@

# The replay runs on vigild's embedded defaults (rules and configuration).
$(BUILD)/vigil-replay: $(REPLAY_SRC:%.c=$(BUILD)/m/%.o) $(M_CORE) \
    $(BUILD)/m/gen/default_conf.o $(BUILD)/m/gen/default_rules.o
	$(MCC) $(MLINK) -o $@ $^ -lm

# ---- core purity ------------------------------------------------------------
# core/ may include only freestanding and string/math libc headers and core/
# headers, and may call no allocator, clock, I/O or process function.  The
# header check reads the source; the symbol check reads what the compiled
# objects really reference, so a call hidden behind a macro is caught too.
CORE_HEADERS_OK := assert.h float.h limits.h math.h stdalign.h stdarg.h \
                   stdbool.h stddef.h stdint.h string.h inttypes.h
CORE_SYMS_OK    := memcpy memmove memset memcmp memchr strlen strcmp \
                   strncmp strchr strrchr strstr strnlen __assert_fail \
                   __assert sqrt sqrtf exp expf log logf pow powf floor \
                   ceil fabs fabsf lrint nearbyint round trunc fmin fmax \
                   fminf fmaxf isnan __isnan __fpclassify __fpclassifyl \
                   log1p \
                   __stack_chk_fail

check-core: $(M_CORE)
	@bad=$$(grep -hoE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<[^>]+>' \
	    core/*.c core/*.h | sed -E 's/.*<([^>]+)>.*/\1/' | sort -u | \
	    grep -vxF $(foreach h,$(CORE_HEADERS_OK),-e $(h))); \
	if [ -n "$$bad" ]; then echo "check-core: core/ includes: $$bad"; exit 1; fi
	@bad=$$(nm -u $(M_CORE) | awk 'NF==2{print $$2}' | sort -u | \
	    grep -vxF $(foreach s,$(CORE_SYMS_OK),-e $(s)) | \
	    grep -vE '^(vigil_|drain_|art_|syslog_|frame_|hosts_|sha256_|hmac_|auth_|features_|predict_|policy_|jobs_|virsh_|migtime_|mask_|nab_|snap_)'); \
	if [ -n "$$bad" ]; then echo "check-core: core/ calls: $$bad"; exit 1; fi
	@echo "check-core: core/ is pure"

# ---- unit tests (native gcc, glibc; default and tiny limits) ----------------

UCC    := gcc
UFLAGS := $(CSTD) $(WARN) -O1 -g -D_GNU_SOURCE -iquote core -Iplatform -Ifirmware -Itests/unit

define unit_variant
$(BUILD)/$(1)/core/%.o: core/%.c core/*.h Makefile $(wildcard tests/unit/tiny-*.mk)
	@mkdir -p $$(@D)
	$(UCC) $(UFLAGS) $(2) -c $$< -o $$@
$(BUILD)/$(1)/%: tests/unit/%.c tests/unit/runner.c tests/unit/unit.h $(CORE_SRC:%.c=$(BUILD)/$(1)/%.o) \
    $(wildcard firmware/*.[ch])
	@mkdir -p $$(@D)
	$(UCC) $(UFLAGS) $(2) -o $$@ $$< tests/unit/runner.c $(CORE_SRC:%.c=$(BUILD)/$(1)/%.o) -lm
$(1)-bins: $(patsubst tests/unit/%.c,$(BUILD)/$(1)/%,$(UNIT_SRC))
endef
$(eval $(call unit_variant,unit,))
$(eval $(call unit_variant,unit-tiny,$(TINY)))
# (A variable, because a comma in a $(call) argument would split it.)
USAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
$(eval $(call unit_variant,unit-asan,$(USAN)))

unit: unit-bins
	tests/run.sh unit $(BUILD)/unit
unit-tiny: unit-tiny-bins
	tests/run.sh unit $(BUILD)/unit-tiny

# ---- tests ------------------------------------------------------------------

test: all unit-bins unit-tiny-bins
	tests/run.sh all $(BUILD)

integration: all
	tests/run.sh integration $(BUILD)

lab: all
	tests/run.sh lab $(BUILD)

# ---- sanitizer build (glibc, ASan+UBSan) ------------------------------------

SAN    := $(USAN)
AFLAGS := $(CSTD) $(WARN) -O1 -g $(SAN)
A      := $(BUILD)/asan
$(A)/core/%.o: core/%.c core/*.h
	@mkdir -p $(@D)
	gcc $(AFLAGS) -iquote core -c $< -o $@
$(A)/%.o: %.c core/*.h platform/*.h proto/*.h firmware/*.h | $(STAMP)
	@mkdir -p $(@D)
	gcc $(AFLAGS) $(PLATDEF) $(GEN_INC) -I$(GLIBC)/include -c $< -o $@
$(A)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	gcc $(AFLAGS) $(PLATDEF) $(GEN_INC) -c $< -o $@
$(A)/nanopb/%.o: $(NANOPB)/%.c $(STAMP)
	@mkdir -p $(@D)
	gcc $(AFLAGS) -I$(NANOPB) -c $< -o $@
A_CORE  := $(CORE_SRC:%.c=$(A)/%.o)
A_PROTO := $(PROTO_SRC:%.c=$(A)/%.o) $(A)/gen/vigil.pb.o \
           $(patsubst $(NANOPB)/%.c,$(A)/nanopb/%.o,$(NANOPB_SRC))
A_LIBS  := -L$(GLIBC)/lib -lssh2 -lmbedtls -lmbedx509 -lmbedcrypto -luv -lm -lpthread -ldl
$(A)/vigild: $(FIRMWARE_SRC:%.c=$(A)/%.o) $(A)/gen/default_conf.o $(A)/gen/default_rules.o $(PLATFORM_SRC:%.c=$(A)/%.o) $(A_PROTO) $(A_CORE)
	gcc $(SAN) -o $@ $^ $(A_LIBS)
$(A)/vigilctl: $(A)/tools/vigilctl.o $(A_PROTO) $(A_CORE)
	gcc $(SAN) -o $@ $^ -lm

asan: $(A)/vigild $(A)/vigilctl unit-asan-bins $(BUILD)/vigil-replay
	VIGIL_ASAN=1 tests/run.sh asan $(BUILD)

# ---- SSH test driver ----------------------------------------------------------
# tests/integration/test_ssh.sh drives platform/ssh.c through it: built like
# vigild (static musl, the fixed arena) and, for `make asan`, with sanitizers.
SSHPROBE_OBJ := tests/integration/sshprobe.o platform/ssh.o platform/arena.o \
                platform/log.o core/err.o
$(BUILD)/sshprobe: $(SSHPROBE_OBJ:%=$(BUILD)/m/%)
	$(MCC) $(MLINK) $(WRAP) -o $@ $^ $(MLIBS)
$(A)/sshprobe: $(SSHPROBE_OBJ:%=$(A)/%)
	gcc $(SAN) -o $@ $^ $(A_LIBS)
test integration: $(BUILD)/sshprobe
asan: $(A)/sshprobe

# ---- fuzzing (clang libFuzzer, glibc) ---------------------------------------

F := $(BUILD)/fuzz
FFLAGS := $(CSTD) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined \
          -D_GNU_SOURCE $(TINY) $(GEN_INC)
$(F)/%: tests/fuzz/%.c $(CORE_SRC) $(PROTO_GEN) core/*.h
	@mkdir -p $(@D)
	clang $(FFLAGS) -o $@ $< $(CORE_SRC) $(wildcard $(FUZZ_EXTRA_$*)) -lm
FUZZ_EXTRA_fuzz_config := firmware/config.c
FUZZ_EXTRA_fuzz_status := proto/codec.c $(PROTO_GEN) $(NANOPB_SRC)
FUZZ_EXTRA_fuzz_vmft := tools/replay/vmft_data.c
$(F)/fuzz_config: firmware/config.c firmware/config.h
$(F)/fuzz_status: $(FUZZ_EXTRA_fuzz_status) proto/codec.h
$(F)/fuzz_vmft: $(FUZZ_EXTRA_fuzz_vmft) tools/replay/vmft.h
fuzz: $(patsubst tests/fuzz/%.c,$(F)/%,$(FUZZ_SRC))
	tests/fuzz/run.sh $(F) $(FUZZ_SECONDS)

# ---- benchmarks --------------------------------------------------------------

B := $(BUILD)/bench
$(B)/%: tests/bench/%.c $(CORE_SRC) core/*.h
	@mkdir -p $(@D)
	gcc $(CSTD) $(WARN) -O2 -march=x86-64-v2 -D_GNU_SOURCE -iquote core -o $@ $< $(CORE_SRC) -lm
bench: all $(patsubst tests/bench/%.c,$(B)/%,$(BENCH_SRC))
	tests/bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)/m $(BUILD)/unit $(BUILD)/unit-tiny $(BUILD)/unit-asan \
	    $(BUILD)/asan $(BUILD)/fuzz $(BUILD)/bench $(BUILD)/gen \
	    $(BUILD)/vigild $(BUILD)/vigild.debug $(BUILD)/vigilctl \
	    $(BUILD)/vigil-replay $(BUILD)/test-*
distclean:
	rm -rf $(BUILD)
