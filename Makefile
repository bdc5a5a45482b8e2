# unityqc — build, run, test, benchmark and install.
#   make            build the program, its translations, the tests and the tools
#   make run        install missing Debian packages, build, start the TUI on the default database
#   make test       install, build (normal and sanitised), run every test
#   make bench      print the speed figures
#   make install PREFIX=/usr/local

PREFIX ?= /usr/local
BUILD ?= build
SAN ?= 0
CC ?= gcc
CXX ?= g++

ifeq ($(SAN),1)
BUILD := build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT ?= -O1 -g
else
OPT ?= -O2 -g -fvect-cost-model=dynamic
endif

SRCDIR := $(CURDIR)
DATADIR := $(PREFIX)/share/unityqc
CPPFLAGS += -Iinclude -MMD -MP -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 \
	-DQC_LOCALEDIR='"$(PREFIX)/share/locale"' \
	-DQC_BUILD_LOCALEDIR='"$(SRCDIR)/$(BUILD)/locale"' \
	-DQC_SRCDIR='"$(SRCDIR)"' -DQC_DATADIR='"$(DATADIR)"'
WARN := -Wall -Wextra -Werror
CFLAGS += -std=c11 $(OPT) $(WARN) $(SANFLAGS)
CXXFLAGS += -std=c++17 $(OPT) $(WARN) $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
DCMTK_LIBS := -ldcmjpls -ldcmjpeg -ldcmimgle -ldcmdata -loflog -lofstd
LDLIBS += $(DCMTK_LIBS) -lncursesw -lcaca -lhpdf -lsqlite3 -lz -lm -lpthread

LIB_C := $(sort $(filter-out src/cli/main.c,$(wildcard src/*/*.c)))
LIB_CC := src/dicom/dcm_bridge.cc
LIB_S := src/core/embed.S
LIB_OBJ := $(LIB_C:%.c=$(BUILD)/%.o) $(LIB_CC:%.cc=$(BUILD)/%.o) $(LIB_S:%.S=$(BUILD)/%.o)
LIB := $(BUILD)/libunityqc.a
BIN := $(BUILD)/unityqc
UNIT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/unit/*.c))
UNIT := $(BUILD)/unit-tests
TOOLS := $(BUILD)/mvgen $(BUILD)/bench $(BUILD)/accuracy
MO := $(BUILD)/locale/fr/LC_MESSAGES/unityqc.mo
# Phantom models (tools/phantom*.c): used by the tests, the generator and the benchmarks.
PHANTOM_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/phantom*.c))

all: $(BIN) $(UNIT) $(TOOLS) $(MO)

# Files that embed install paths are rebuilt when PREFIX changes.
PREFIX_STAMP := $(BUILD)/prefix.stamp
$(shell mkdir -p $(BUILD) && [ "$$(cat $(PREFIX_STAMP) 2>/dev/null)" = "$(PREFIX)" ] || \
	echo "$(PREFIX)" >$(PREFIX_STAMP))
$(BUILD)/src/core/i18n.o $(BUILD)/src/cli/env.o: $(PREFIX_STAMP)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.cc
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

# Files compiled into the program: the default catalogue and theme (see embed.S).
$(BUILD)/src/core/embed.o: src/core/embed.S src/catalog/default.cat themes/default.theme
	@mkdir -p $(@D)
	$(CC) -c $< -o $@

# The DCMTK data dictionary as a table compiled into the program (see tools/dictgen.cc). The
# generator is built without sanitisers: it runs during the build, whatever the build.
GEN := $(BUILD)/gen
$(GEN)/dictgen: tools/dictgen.cc
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -O1 $(WARN) $< -ldcmdata -loflog -lofstd -o $@
$(GEN)/dict_table.inc: $(GEN)/dictgen $(wildcard /usr/share/libdcmtk*/dicom.dic)
	$(GEN)/dictgen >$@.tmp && mv $@.tmp $@
$(BUILD)/src/dicom/dcm_bridge.o: $(GEN)/dict_table.inc
$(BUILD)/src/dicom/dcm_bridge.o: CPPFLAGS += -I$(GEN)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/src/cli/main.o $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(UNIT): $(UNIT_OBJ) $(PHANTOM_OBJ) $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Tests and benchmarks use the phantom model of tools/ in-process.
$(BUILD)/tests/%.o: CPPFLAGS += -Itools

$(BUILD)/mvgen: $(BUILD)/tools/mvgen.o $(PHANTOM_OBJ) $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -o $@

BENCH_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/bench*.c))
$(BUILD)/bench: $(BENCH_OBJ) $(PHANTOM_OBJ) $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/accuracy: $(BUILD)/tools/accuracy.o $(PHANTOM_OBJ) $(LIB)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(MO): po/fr.po
	@mkdir -p $(@D)
	msgfmt --check -o $@ $<
	@# A shown string left empty falls back to English silently: refuse it, and fuzzy ones.
	@if msgattrib --untranslated --no-obsolete $< | grep -q '^msgid' || \
	    msgattrib --only-fuzzy --no-obsolete $< | grep -q '^msgid'; then \
		echo "$<: untranslated or fuzzy messages" >&2; rm -f $@; exit 1; fi

deps:
	@tools/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	$(BIN) --seed-demo

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory build-san-all
	@tests/run.sh

# Sanitised build (AddressSanitizer + UBSan) of what the tests run.
build-san-all:
	@$(MAKE) --no-print-directory SAN=1 build-san/unityqc build-san/unit-tests build-san/mvgen

bench: deps
	@$(MAKE) --no-print-directory all
	@tools/bench.sh

# The accuracy table of the README, measured on generated images of known truth.
accuracy: all
	@$(BUILD)/accuracy

fmt:
	clang-format -i $(wildcard include/qc/*.h src/*/*.c src/*/*.h src/*/*.cc tests/unit/*.c tests/unit/*.h tools/*.c)

po/unityqc.pot: $(wildcard src/*/*.c src/*/*.cc src/*/*.h)
	xgettext --from-code=UTF-8 -k_ -kN_ -o $@ $^

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR)/themes \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/locale/fr/LC_MESSAGES
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/unityqc
	install -m 644 themes/*.theme $(DESTDIR)$(DATADIR)/themes/
	install -m 644 doc/unityqc.1 $(DESTDIR)$(PREFIX)/share/man/man1/unityqc.1
	install -m 644 $(MO) $(DESTDIR)$(PREFIX)/share/locale/fr/LC_MESSAGES/unityqc.mo
	cp -r sample-dicom $(DESTDIR)$(DATADIR)/

clean:
	rm -rf build build-san

.PHONY: all deps run test bench accuracy fmt install clean build-san-all
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
