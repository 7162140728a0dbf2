#!/bin/bash
# Self-test of the differential test (tests/llfree/model*.c): build the
# library once per planted bug, each a mistake the design warns about
# (shared/design/llfree.md section 5) or one this code could make, and
# require the model test to fail on every one. A plant that no longer
# applies (the code it edits changed) fails this script too, so that the
# self-test cannot pass by testing nothing.
#
#   HOSTCC=gcc BUILD=build tests/llfree/model_plants.sh
set -u
CC=${HOSTCC:-gcc}
OUT=${BUILD:-build}/model-plants
CFLAGS="-std=c11 -O0 -pthread -D_GNU_SOURCE -Illfree/include -Illfree/platform/host"
# The tests also see bench/ (rand.h); the planted library does not.
TEST_CFLAGS="$CFLAGS -Ibench"

# file | code as it is | code with the bug | what the bug is
PLANTS=(
"llfree/src/bitfield.h|*next = old ^ bitfield_row_mask((unsigned)bit, (unsigned)c->arg);|*next = old ^ bitfield_row_mask((unsigned)bit, (unsigned)c->arg / 2);|a get of a run sets fewer bits than it hands out"
"llfree/src/area.h|*next = area_make_polarity(0, false, !area_inverted(old));|*next = area_make_polarity(0, false, area_inverted(old));|the huge split keeps the polarity"
"llfree/src/lower.c|			return LLFREE_ERR_WRONG_ORDER;\n	return LLFREE_ERR_DOUBLE_FREE;|			return LLFREE_ERR_WRONG_ORDER;\n	return LLFREE_ERR_WRONG_ORDER;|a double free of huge areas called a wrong order"
"llfree/src/llfree.c|self->frames - frame < (1ull << order)|self->frames - frame <= (1ull << order)|the range check refuses the last block"
"llfree/src/tree.h|return (t & TREE_OFFLINE_BIT) != 0;|return (t & TREE_OFFLINE_BIT) != 0 && false;|offline trees are ignored"
"llfree/src/upper.c|.tree = (size_t)(frame / LLFREE_TREE_FRAMES) };|.tree = (size_t)(frame / LLFREE_TREE_FRAMES) / 2 };|a free credits the count to another tree (mistake 6)"
"llfree/src/lower.c|	if (area_huge(a))\n		return false;\n	return bitfield_is_free(|	return bitfield_is_free(|is_free reads a huge area's bitfield"
)

mkdir -p "$OUT/test" || exit 1
for src in tests/llfree/model.c tests/llfree/model_ops.c tests/llfree/common_stress.c; do
	$CC $TEST_CFLAGS -c "$src" -o "$OUT/test/$(basename "$src" .c).o" || exit 1
done

caught=0
for i in "${!PLANTS[@]}"; do
	IFS='|' read -r file good bad what <<<"${PLANTS[$i]}"
	dir="$OUT/$i"
	rm -rf "$dir" && mkdir -p "$dir" && cp -r llfree "$dir/" || exit 1
	python3 - "$dir/$file" "$good" "$bad" <<'EOF' || { echo "model plant $i ($what) no longer applies to $file"; exit 1; }
import sys
path, good, bad = sys.argv[1], sys.argv[2].replace('\\n', '\n'), sys.argv[3].replace('\\n', '\n')
text = open(path).read()
if text.count(good) != 1:
    sys.exit(1)
open(path, 'w').write(text.replace(good, bad))
EOF
	objs=()
	for src in "$dir"/llfree/src/*.c llfree/platform/host/log.c; do
		obj="$dir/$(basename "$src" .c).o"
		$CC $CFLAGS -I"$dir/llfree/src" -c "$src" -o "$obj" || exit 1
		objs+=("$obj")
	done
	$CC -pthread "$OUT"/test/*.o "${objs[@]}" -o "$dir/model" || exit 1
	out=$(LLFREE_STRESS_SEED=0x5eed LLFREE_MODEL_OPS=3000 "$dir/model" 2>&1)
	if [ $? -eq 0 ]; then
		echo "$out" | tail -3
		echo "model plant $i ($what): NOT caught"
		exit 1
	fi
	echo "model plant $i ($what): caught: $(grep -m1 -E 'FAIL|Assertion' <<<"$out" | cut -c1-150)"
	caught=$((caught + 1))
done
echo "model self-test: $caught of ${#PLANTS[@]} planted bugs caught"
