#!/usr/bin/env bash
# Install the Debian packages a job needs, or say exactly how to.
#
#   tools/deps.sh GROUP...     groups: build qemu test plot
#
# As root, missing packages are installed with apt-get. Otherwise the script
# prints the apt-get line to run and exits 1. Prints nothing when all is there.
set -euo pipefail

declare -A GROUP=(
  [build]="make gcc nasm binutils"
  [qemu]="qemu-system-x86 grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools ovmf"
  [test]="libcriterion-dev clang libclang-rt-14-dev python3 python3-matplotlib gcovr zbar-tools python3-qrcode"
  [plot]="python3-matplotlib"
)

usage() {
  echo "usage: tools/deps.sh GROUP...   (groups: ${!GROUP[*]})"
}

[ $# -gt 0 ] || { usage >&2; exit 2; }
case "$1" in -h|--help) usage; exit 0 ;; esac

want=()
for g in "$@"; do
  [ -n "${GROUP[$g]+x}" ] || { echo "deps.sh: unknown group '$g'" >&2; usage >&2; exit 2; }
  want+=(${GROUP[$g]})
done

missing=()
for p in "${want[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "install them with:  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them once if the install fails.
apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
}
