#!/usr/bin/env bash
# The layers run one way: boot -> kernel -> bench -> llfree. This check reads
# every #include in llfree/ and bench/ and fails when one reaches outside
# what the layer may see:
#
#   llfree/  its own files (the library's public headers are in llfree/include,
#            the platform hooks are "llfree_platform.h", found in
#            llfree/platform/host or, in the kernel, kernel/platform/) and
#            C's freestanding headers;
#   bench/   its own files, LLFree's public headers (llfree/include) and C's
#            freestanding headers.
#
# C's freestanding headers (C11, 4p6): float.h iso646.h limits.h stdalign.h
# stdarg.h stdbool.h stddef.h stdint.h stdnoreturn.h, plus stdatomic.h, which
# the compiler provides (GCC and clang ship it with the headers above).
# bench/host/ and llfree/platform/host/ are host-only (the benchmark program,
# LLFree's host hooks): they may include any <system header> (libc,
# pthreads, cpuid.h); their "quoted" includes obey the rule of their tree.
#
# The build enforces the same by include paths (no kernel directory on
# llfree/'s or bench/'s, see the Makefile and kernel/kernel.mk); this check
# also catches a path that climbs out ("../../kernel/...").
#
# With --compile-lines it checks those include paths instead: it reads
# compiler command lines on stdin (what `make -n -B` prints for every flavour
# of the build, `make test-layers`) and fails on a -I directory that the
# layer of the file compiled (-c FILE) may not see:
#   llfree/  llfree/... and kernel/platform (the kernel's platform hooks)
#   bench/   bench and llfree/include
#
# Usage: tools/check_layers.sh [ROOT]   (ROOT: a checkout, default this one)
#        tools/check_layers.sh --compile-lines <LINES
# Exit status: 0 clean, 1 a violation (each printed as FILE:LINE: reason,
# or "compile line N: reason").
set -u

# check_compile_lines: stdin as above.
check_compile_lines() {
	local n=0 bad=0 checked=0 line src word dir
	while IFS= read -r line; do
		n=$((n + 1))
		[[ $line =~ [[:space:]]-c[[:space:]]+([^[:space:]]+) ]] || continue
		src=${BASH_REMATCH[1]}
		[[ $src == llfree/* || $src == bench/* ]] || continue
		checked=$((checked + 1))
		for word in $line; do
			[[ $word == -I* ]] || continue
			dir=${word#-I}
			dir=${dir%/}
			case "${src%%/*}:$dir" in
			llfree:llfree | llfree:llfree/* | llfree:kernel/platform) ;;
			bench:bench | bench:llfree/include) ;;
			*)
				echo "compile line $n: $src with -I$dir: outside what ${src%%/*}/ may see"
				bad=$((bad + 1))
				;;
			esac
		done
	done
	if ((bad)); then
		echo "check_layers: $bad include path(s) on compile lines of llfree/ and bench/ break the layers"
		return 1
	fi
	if ((checked == 0)); then
		echo "check_layers: no compile line of llfree/ or bench/ on stdin"
		return 1
	fi
	echo "check_layers: $checked compile lines of llfree/ and bench/ have only their layers' include paths"
}

if [[ ${1:-} == --compile-lines ]]; then
	check_compile_lines
	exit
fi

root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || { echo "check_layers: no such directory: $root" >&2; exit 2; }
[[ -d llfree && -d bench ]] || { echo "check_layers: $root has no llfree/ and bench/" >&2; exit 2; }

freestanding=" float.h iso646.h limits.h stdalign.h stdarg.h stdbool.h stddef.h stdint.h stdnoreturn.h stdatomic.h "

# Directories a tree's quoted includes are searched in (after the including
# file's own directory), and the directories they may resolve into.
search_llfree=(llfree/include llfree/src llfree/platform/host)
allowed_llfree=(llfree/)
search_bench=(bench llfree/include)
allowed_bench=(bench/ llfree/include/)

violations=0
files=0

report() {
	echo "$1:$2: $3"
	violations=$((violations + 1))
}

# Whether path $1 (relative to the root, normalised) lies in one of the dirs $2...
inside() {
	local path=$1 dir
	shift
	for dir in "$@"; do
		[[ $path == "$dir"* ]] && return 0
	done
	return 1
}

# check_file TREE FILE
check_file() {
	local tree=$1 file=$2 host_only=0 n=0 line name kind
	[[ $file == bench/host/* || $file == llfree/platform/host/* ]] && host_only=1
	local -n search="search_$tree" allowed="allowed_$tree"
	files=$((files + 1))
	while IFS= read -r line; do
		n=$((n + 1))
		[[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*(.*)$ ]] || continue
		local what=${BASH_REMATCH[1]}
		if [[ $what =~ ^\<([^\>]+)\> ]]; then
			name=${BASH_REMATCH[1]}
			((host_only)) && continue
			[[ $freestanding == *" $name "* ]] ||
				report "$file" "$n" "includes <$name>: not a C freestanding header (only bench/host/ and llfree/platform/host/ may use the host's headers)"
			continue
		fi
		if ! [[ $what =~ ^\"([^\"]+)\" ]]; then
			report "$file" "$n" "an #include this check cannot read: $what"
			continue
		fi
		name=${BASH_REMATCH[1]}
		local found="" dir cand
		for dir in "$(dirname "$file")" "${search[@]}"; do
			cand=$(realpath -m --relative-to=. "$dir/$name")
			if [[ -f $cand ]]; then
				found=$cand
				break
			fi
		done
		if [[ -z $found ]]; then
			report "$file" "$n" "includes \"$name\", which is in no directory $tree/ may include from (${search[*]})"
		elif ! inside "$found" "${allowed[@]}"; then
			report "$file" "$n" "includes \"$name\" = $found: outside ${allowed[*]}"
		fi
	done <"$file"
}

for tree in llfree bench; do
	while IFS= read -r -d '' f; do
		check_file "$tree" "$f"
	done < <(find "$tree" -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)
done

if ((violations)); then
	echo "check_layers: $violations include(s) break the layers (boot -> kernel -> bench -> llfree)"
	exit 1
fi
echo "check_layers: $files files in llfree/ and bench/ include only their own tree, the layers below and C's freestanding headers"
