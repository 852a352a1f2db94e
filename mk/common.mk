# Shared by bpf/Makefile, src/main/c/Makefile and src/test/bpf/Makefile: strict make settings,
# checks that name the Debian package to install, and quiet output unless V=1.
MAKEFLAGS += -r
.SUFFIXES:
.DELETE_ON_ERROR:

need-tool = $(if $(shell command -v $(1) 2>/dev/null),,$(error $(1) not found: apt-get install $(2)))
need-file = $(if $(wildcard $(1)),,$(error $(1) not found: apt-get install $(2)))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' $(1) $(2);
endif
