# The USB stick's image (fragment included by the top-level Makefile).
#
#   make usb-iso [ARGS="bench=bulk,repeat,rand,frag iterations=5"] [USB_ISO=path]
#
# $(USB_ISO): the same hybrid BIOS+UEFI image as `make iso`, with ARGS baked
# into its grub.cfg as the kernel command line (run-qemu.sh --make-iso). The
# kernel checks ARGS first, in QEMU: it parses them and stops at help=1, so a
# typo is found here, not on the machine. `make iso` stays without arguments
# (the QEMU tests boot it).

USB_ISO ?= $(BUILD)/llfree-usb.iso
USB_DEFAULT_ARGS := bench=bulk,repeat,rand,frag
# ARGS given to this make (command line or environment) win; the default of
# bench-qemu (tests/qemu/bench.mk) does not count.
USB_ARGS = $(if $(filter command line environment,$(origin ARGS)),$(ARGS),$(USB_DEFAULT_ARGS))
USB_CHECK_LOG := $(BUILD)/usb-iso-check.log

.PHONY: usb-iso
usb-iso: kernel
	@./run-qemu.sh --no-build --kernel --quiet --timeout 60 --log $(USB_CHECK_LOG) \
		-- $(USB_ARGS) help=1 2>$(USB_CHECK_LOG).err || { \
		cat $(USB_CHECK_LOG).err; grep -a '^ERROR' $(USB_CHECK_LOG); \
		echo "usb-iso: the kernel refuses ARGS=\"$(USB_ARGS)\" (its whole answer: $(USB_CHECK_LOG))"; \
		exit 1; }
	@./run-qemu.sh --no-build --make-iso $(USB_ISO) -- $(USB_ARGS)
	@echo "usb-iso: $(USB_ISO) boots the kernel with: $(USB_ARGS)"
	@echo "usb-iso: write it to the stick (lsblk names it; everything on it is lost):"
	@echo "         sudo dd if=$(USB_ISO) of=/dev/sdX bs=4M conv=fsync status=progress"

help::
	@echo "  usb-iso        $(USB_ISO) for a USB stick, ARGS=\"...\" baked in as the kernel command line (default: $(USB_DEFAULT_ARGS)), checked in QEMU first"
