#!/usr/bin/env bash
# Install the Debian packages a job needs, or say exactly how to.
#
#   tools/deps.sh GROUP...     groups: build qemu test plot capture
#
# As root, missing packages are installed with apt-get, its progress shown on
# stderr (a fresh machine takes minutes). Otherwise the script prints the
# apt-get line to run and exits 1. Prints nothing when all is there.
set -euo pipefail

declare -A GROUP=(
  [build]="make gcc nasm binutils"
  [qemu]="qemu-system-x86 grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools ovmf"
  [test]="libcriterion-dev clang libclang-rt-14-dev python3 python3-matplotlib gcovr python3-serial chromium zbar-tools python3-qrcode"
  [plot]="python3-matplotlib"
  [capture]="python3 python3-matplotlib python3-serial"
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

echo "deps.sh: installing ${missing[*]} (apt-get's progress follows)" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet: fetch them first; stale lists
# (a package not found, a version gone) get one refresh and a second try.
if ! compgen -G "${APT_LISTS:-/var/lib/apt/lists}/*_Packages*" >/dev/null; then
  echo "deps.sh: no package lists yet: apt-get update" >&2
  apt-get update -q >&2
fi
if ! apt-get install -y -q "${missing[@]}" >&2; then
  echo "deps.sh: install failed; refreshing the package lists (apt-get update) and trying again" >&2
  apt-get update -q >&2
  apt-get install -y -q "${missing[@]}" >&2
fi
echo "deps.sh: installed ${missing[*]}" >&2
