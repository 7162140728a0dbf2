/*
 * Tree entries (design 1 and 2). The update functions and their CAS loop
 * are inline in tree.h (the hot path); what is here only reports.
 */
#include "tree.h"

const char *tree_kind_name(unsigned kind)
{
	static const char *const NAMES[LLFREE_KINDS] = { "immovable", "movable", "huge" };
	return kind < LLFREE_KINDS ? NAMES[kind] : "unknown";
}
