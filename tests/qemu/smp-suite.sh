#!/bin/bash
# The SMP suite: CPU counts 1..255, memory 128M..8G with the PC holes
# (3583M ends just below the 32-bit PCI hole, 5G spans it), BIOS and UEFI
# once each through the ISO, everything else through the fast PVH path.
# All with a short stress test. Stops at the first failure.
#
#   tests/qemu/smp-suite.sh [quick|soak]
set -u
cd "$(dirname "$0")/../.."
suite=${1:-quick}
check() { tests/qemu/smp.sh "$@" || exit 1; }

if [ "$suite" = soak ]; then
	# Long runs: the random mix for a minute on many cores, all memory sizes.
	export SMP_TIMEOUT=600
	check soak-8-4G 8 4G kernel stress_seconds=60 stress_mem=90
	check soak-16-5G 16 5G kernel stress_seconds=60 stress_mem=90
	check soak-64-3583M 64 3583M kernel stress_seconds=120
	check soak-255-2G 255 2G kernel stress_seconds=60
	check soak-4-8G 4 8G kernel stress_seconds=60 stress_mem=100
	exit 0
fi

check 1-128M 1 128M kernel
check 2-512M 2 512M kernel
check 4-3583M 4 3583M kernel
check 8-5G 8 5G kernel
check 4-8G 4 8G kernel stress_rounds=100
check 16-1G 16 1G kernel
SMP_TIMEOUT=180 check 64-4G 64 4G kernel stress_rounds=100
SMP_TIMEOUT=240 check 255-2G 255 2G kernel stress_rounds=20
check bios-4-256M 4 256M bios
check uefi-2-512M 2 512M uefi
check 2-nostress 2 128M kernel stress=0
